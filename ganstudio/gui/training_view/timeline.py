"""The run's timeline in the Training tab: a slider over the snapshots the run keeps in its folder
(training/snapshots.py), showing the chosen one's samples from the same noise (for points: its
generated points over the data), and *Branch from here*.

The snapshots are listed by a light background read (a folder listing, once a second while a
run is live) and drawn in the background too (a snapshot is a whole checkpoint to open), kinds
of the window's ``jobs`` thread that replace each other: a dragged slider never builds a queue.
At its right end the slider shows the run as it trains ("Now").
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSlider, QWidget

from ganstudio.gui.widgets import ImageView

LIST_INTERVAL_MS = 1000
CACHED = 24  # snapshot pictures kept (scrubbing back and forth redraws none of them)


def snapshot_picture(path: Path) -> np.ndarray:
    """A snapshot's sample picture (uint8 H x W x 3): the run's fixed noise through its
    (averaged) generator, as the Training tab showed it at that step; for points, 1,000 generated
    points (the noise of seed 0, as in samples/) over the real data. Off the UI thread."""
    import torch

    from ganstudio.explore.exploration import plane_backdrop
    from ganstudio.export import image_grid, scatter_image
    from ganstudio.training.checkpoint import load_checkpoint, load_generator
    from ganstudio.training.visuals import SAMPLE_POINTS

    ckpt = load_checkpoint(path)
    G, _ = load_generator(ckpt)
    with torch.no_grad():
        if ckpt.spec.kind == "2d":
            real, bounds = plane_backdrop(ckpt.config)
            z = torch.randn(SAMPLE_POINTS, ckpt.spec.latent_dim,
                            generator=torch.Generator().manual_seed(0))
            return np.asarray(scatter_image(G(z).float(), bounds, real=real))
        z, y = ckpt.tensors["fixed.z"], ckpt.tensors.get("fixed.y")
        if y is None and ckpt.spec.conditional:
            y = torch.arange(len(z)) % ckpt.spec.num_classes
        return image_grid(G(z.float(), y).float().cpu(), nrow=8)


class Timeline(QWidget):
    branch_requested = Signal(object)  # the chosen snapshot's Path
    picked = Signal()  # the slider moved (to a snapshot, or back to Now)

    def __init__(self, jobs, parent=None):
        super().__init__(parent)
        self.setObjectName("timeline")
        self.jobs = jobs
        self.folder: Path | None = None
        self.snapshots: list[tuple[int, Path]] = []
        self._pictures: dict[Path, np.ndarray] = {}
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setObjectName("timelineSlider")
        self.slider.setRange(0, 0)
        self.slider.setPageStep(1)
        self.slider.setToolTip("The run's snapshots, oldest at the left: drag back to see the "
                               "samples of an earlier step, from the same noise")
        self.slider.valueChanged.connect(self._moved)
        self.label = QLabel("Timeline: no snapshots yet")
        self.label.setObjectName("timelineLabel")
        self.label.setProperty("role", "hint")
        self.now_button = QPushButton("Now")
        self.now_button.setObjectName("timelineNow")
        self.now_button.setToolTip("Back to the run as it trains")
        self.now_button.clicked.connect(self.go_live)
        self.branch_button = QPushButton("Branch from here")
        self.branch_button.setObjectName("branchButton")
        self.branch_button.setToolTip(
            "Continue from this snapshot with the settings in the panels, as a new run in a new "
            "folder (this run's files stay as they are); settings that differ are recorded as "
            "changes")
        self.branch_button.clicked.connect(self._branch)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 2, 0, 2)
        lay.addWidget(self.label)
        lay.addWidget(self.slider, 1)
        lay.addWidget(self.now_button)
        lay.addWidget(self.branch_button)
        # the chosen snapshot's picture, shown in place of the live one
        self.picture = ImageView(placeholder="Drawing the snapshot...")
        self.picture.setObjectName("timelinePicture")
        self.timer = QTimer(self, interval=LIST_INTERVAL_MS)
        self.timer.timeout.connect(self.refresh)
        self._show_buttons()

    # --- which run ------------------------------------------------------------------------------
    def set_folder(self, folder: Path | None, live: bool) -> None:
        """The run whose snapshots to list (its folder); ``live``: it trains (listed again
        once a second)."""
        folder = Path(folder) if folder is not None else None
        if folder != self.folder:
            self.folder = folder
            self.snapshots = []
            self._pictures.clear()
            self._set_range()
        if live:
            if not self.timer.isActive():
                self.timer.start()
        else:
            self.timer.stop()
        self.refresh()

    def refresh(self) -> None:
        """List the folder's snapshots in the background."""
        folder = self.folder
        if folder is None:
            return

        def read(_progress):
            from ganstudio.training.snapshots import listed

            return folder, listed(folder)

        self.jobs.submit("timeline-list", read, done=self._listed, failed=lambda _m: None)

    def _listed(self, result) -> None:
        folder, snaps = result
        if folder != self.folder or snaps == self.snapshots:
            return
        chosen = self.chosen
        self.snapshots = snaps
        self._set_range(chosen)

    def _set_range(self, chosen: tuple[int, Path] | None = None) -> None:
        """The slider over the snapshots plus Now at the right end; a chosen snapshot stays
        chosen as new ones come (the nearest before it, if thinned away)."""
        n = len(self.snapshots)
        self.slider.blockSignals(True)
        self.slider.setRange(0, n)
        if chosen is None:
            self.slider.setValue(n)
        else:
            self.slider.setValue(max((i for i, s in enumerate(self.snapshots)
                                      if s[0] <= chosen[0]), default=0))
        self.slider.blockSignals(False)
        self._say()

    # --- choosing -------------------------------------------------------------------------------
    @property
    def live(self) -> bool:
        """At Now: the run as it trains."""
        return self.slider.value() >= len(self.snapshots)

    @property
    def chosen(self) -> tuple[int, Path] | None:
        """The snapshot chosen (step, path), or None at Now."""
        i = self.slider.value()
        return self.snapshots[i] if i < len(self.snapshots) else None

    def choose_step(self, step: int) -> None:
        """Choose the snapshot of ``step`` (or the nearest before it)."""
        i = max((k for k, (s, _) in enumerate(self.snapshots) if s <= step), default=0)
        self.slider.setValue(i)

    def go_live(self) -> None:
        self.slider.setValue(self.slider.maximum())

    def _moved(self, _value: int) -> None:
        self._say()
        chosen = self.chosen
        if chosen is not None:
            self._draw(chosen[1])
        self.picked.emit()

    def _say(self) -> None:
        n = len(self.snapshots)
        chosen = self.chosen
        if not n:
            text = "Timeline: no snapshots yet"
        elif chosen is None:
            text = f"Timeline: now ({n} snapshot{'s' if n != 1 else ''})"
        else:
            text = f"Timeline: step {chosen[0]:,}"
        self.label.setText(text)
        self._show_buttons()

    def _show_buttons(self) -> None:
        self.now_button.setEnabled(not self.live)
        self.branch_button.setEnabled(self.chosen is not None)

    def _draw(self, path: Path) -> None:
        if path in self._pictures:
            self.picture.set_array(self._pictures[path])
            return

        def render(_progress):
            return path, snapshot_picture(path)

        self.jobs.submit("timeline-picture", render, done=self._drawn,
                         failed=lambda m: setattr(self.picture, "placeholder", m)
                         or self.picture.set_image(None))

    def _drawn(self, result) -> None:
        path, picture = result
        if len(self._pictures) >= CACHED:
            self._pictures.pop(next(iter(self._pictures)))
        self._pictures[path] = picture
        chosen = self.chosen
        if chosen is not None and chosen[1] == path:
            self.picture.set_array(picture)

    def _branch(self) -> None:
        chosen = self.chosen
        if chosen is not None:
            self.branch_requested.emit(chosen[1])

    def shutdown(self) -> None:
        self.timer.stop()

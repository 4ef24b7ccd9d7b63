"""One noise through two generators, side by side in the explorer: "Compare with..." lists the
snapshots of the run the model shown comes from (by step) and opens any checkpoint that takes
the same noise (the file dialog starts in the run's snapshots/); a second picture beside the
explorer's shows the same point (noise, label, truncation) through it, moving with the sliders,
named by its model and step (explore/two_models.py, also ``ganstudio sample --compare``).

The second generator is loaded as a background job, and the run's snapshots are listed as one;
its pictures are rendered on the explorer's ``render`` thread, as a kind of their own (the
newest position wins, like the main picture).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import (QFileDialog, QHBoxLayout, QLabel, QMenu, QToolButton,
                               QVBoxLayout, QWidget)

from ganstudio.gui.explorer.move_tab import button
from ganstudio.gui.explorer.view import REDRAWS
from ganstudio.gui.widgets import ImageView


class SideBySide(QObject):
    def __init__(self, explorer, jobs, start_dir=lambda: ""):
        super().__init__(explorer)
        self.explorer = explorer
        self.jobs = jobs
        self.start_dir = start_dir
        self.G = None  # the second generator (CPU, eval)
        self.spec = None
        self.title = ""
        self.version = 0  # pictures shown, for tests and tools
        self.image = ImageView(placeholder="")
        self.image.setObjectName("explorerCompareImage")
        # each picture named above it, in captions of the same height: pictures of one size
        self.caption, self.caption_a = QLabel(), QLabel()
        for label, name in ((self.caption, "explorerCompareCaption"),
                            (self.caption_a, "explorerCompareCaptionA")):
            label.setObjectName(name)
            label.setProperty("role", "hint")
            label.setWordWrap(True)
            label.setMinimumHeight(2 * label.fontMetrics().lineSpacing())
            label.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignBottom)
        self.caption_a.setVisible(False)
        self.box = QWidget()
        bl = QVBoxLayout(self.box)
        bl.setContentsMargins(0, 0, 0, 0)
        bl.addWidget(self.caption)
        bl.addWidget(self.image, 1)
        self.box.setVisible(False)
        self.snapshots: list = []  # (step, path) of the run's snapshots, listed in the background
        self.open_button = button("Compare with...", "explorerCompare",
                                  "Show the same noise through a snapshot of this run or "
                                  "another checkpoint, side by side", lambda: None)
        self.menu = QMenu(self.open_button)
        self.menu.setObjectName("explorerCompareMenu")
        self.menu.aboutToShow.connect(self._fill_menu)
        self.open_button.setMenu(self.menu)
        self.close_button = QToolButton()
        self.close_button.setObjectName("explorerCompareClose")
        self.close_button.setText("×")
        self.close_button.setToolTip("Stop comparing")
        self.close_button.clicked.connect(self.close)
        self.close_button.setVisible(False)
        self._place()
        explorer.player.listen(self._changed)
        explorer.renderer.rendered.connect(self._rendered)

    def _place(self) -> None:
        """The second picture beside the explorer's, the button beside its sources."""
        ex = self.explorer
        column = ex.image.parentWidget().layout()
        at = column.indexOf(ex.image)
        row, left = QHBoxLayout(), QVBoxLayout()
        column.takeAt(at)
        left.addWidget(self.caption_a)
        left.addWidget(ex.image, 1)
        row.addLayout(left, 1)
        row.addWidget(self.box, 1)
        column.insertLayout(at, row, 1)
        sources = ex.open_button.parentWidget().layout()
        for i in range(sources.count()):
            item = sources.itemAt(i)
            if item.layout() is not None and item.layout().indexOf(ex.open_button) >= 0:
                lay = item.layout()
                lay.insertWidget(lay.indexOf(ex.demos_button) + 1, self.open_button)
                lay.insertWidget(lay.indexOf(self.open_button) + 1, self.close_button)
                break

    # --- the second generator ---------------------------------------------------------------
    def _run_folders(self) -> list[Path]:
        """The run folders whose snapshots to offer: the model shown's, the live run's."""
        from ganstudio.explore.two_models import run_folder_of

        out = []
        ex = self.explorer.ex
        if ex is not None and ex.checkpoint_path is not None:
            out.append(run_folder_of(ex.checkpoint_path))
        live = self.start_dir()
        if live and Path(live).name == "snapshots":
            out.append(Path(live).parent)
        return out

    def list_snapshots(self) -> None:
        """List the run's snapshots in the background, for the menu."""
        folders = self._run_folders()

        def listing(_progress):
            from ganstudio.training.snapshots import listed

            found = {}
            for folder in folders:
                found.update({path: step for step, path in listed(folder)})
            return sorted((step, path) for path, step in found.items())

        self.jobs.submit("compare-snapshots", listing,
                         done=lambda found: setattr(self, "snapshots", found))

    def _fill_menu(self) -> None:
        self.menu.clear()
        for step, path in self.snapshots:
            a = self.menu.addAction(f"Snapshot at step {step:,}")
            a.setToolTip(str(path))
            a.triggered.connect(lambda _=False, p=path: self.open(p))
        if not self.snapshots:
            none = self.menu.addAction("No snapshots of this run")
            none.setEnabled(False)
        self.menu.addSeparator()
        self.menu.addAction("A checkpoint or snapshot file...").triggered.connect(
            lambda _=False: self.choose())
        self.list_snapshots()  # fresher for next time: a live run keeps adding them

    def start_folder(self) -> str:
        """Where the file dialog opens: the run's snapshots when it has them."""
        for folder in self._run_folders():
            if (folder / "snapshots").is_dir():
                return str(folder / "snapshots")
        return str(self.start_dir() or "")

    def choose(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self.explorer, "Compare with a checkpoint",
                                              self.start_folder(),
                                              "Checkpoints (*.safetensors)")
        if path:
            self.open(path)

    def open(self, path) -> None:
        """Load ``path``'s generator in the background, then show the same noise through it."""
        path = Path(path)

        def load(_progress):
            from ganstudio.training.checkpoint import load_generator

            G, ckpt = load_generator(path)
            return G, ckpt

        self.jobs.submit("compare-generator", load, done=self._loaded,
                         failed=lambda m: self.explorer.status.setText(f"Cannot compare: {m}"))

    def _loaded(self, result) -> None:
        from ganstudio.explore.two_models import describe, why_not

        G, ckpt = result
        ex = self.explorer.ex
        reason = None if ex is None else why_not(ex.spec, ckpt.spec)
        if reason:
            self.explorer.status.setText(f"Cannot compare with {ckpt.path.name}: {reason}, so "
                                         "the same noise cannot go through both.")
            return
        self.G, self.spec = G, ckpt.spec
        self.title = describe(ckpt)
        self.caption.setText(f"The same noise through {self.title}")
        self._name_mine()
        self.caption_a.setVisible(True)
        self.box.setVisible(True)
        self.close_button.setVisible(True)
        self._request()

    def close(self) -> None:
        self.G = self.spec = None
        self.box.setVisible(False)
        self.caption_a.setVisible(False)
        self.close_button.setVisible(False)
        self.explorer.renderer.cancel("compare")

    # --- following the explorer ---------------------------------------------------------------
    def _changed(self, changes: set) -> None:
        if "exploration" in changes:
            self.list_snapshots()  # the menu's, for the model now shown
        if self.G is None:
            return
        if "exploration" in changes:
            from ganstudio.explore.two_models import why_not

            if why_not(self.explorer.ex.spec, self.spec):
                self.close()  # a model taking other noise: it cannot go through both
                return
        if "exploration" in changes:
            self._name_mine()
        if changes & REDRAWS["picture"]:
            self._request()

    def _name_mine(self) -> None:
        from ganstudio.explore.two_models import describe_path

        ex = self.explorer.ex
        self.caption_a.setText(f"This model: {describe_path(ex.checkpoint_path, ex.steps)}")

    def _request(self) -> None:
        if self.G is None or self.explorer.ex is None:
            return
        snap = self.explorer.player.snapshot()
        snap.ex.G = self.G  # the same point, labels and truncation, through the other one
        # answered as (kind, exploration, picture), like the explorer's own: it ignores this
        # kind (the exploration's generator is not its own)
        self.explorer.renderer.request(lambda: ("compare", snap.ex, snap.picture()), "compare")

    def _rendered(self, result) -> None:
        kind, ex, picture = result
        if kind == "compare" and ex.G is self.G:
            self.image.set_array(picture)
            self.version += 1

"""One noise through two generators, side by side in the explorer: "Compare with..." opens a second
checkpoint or snapshot of a model of the same shape, and a second picture beside the explorer's
shows the same point (noise, label, truncation) through it, moving with the sliders.

The second generator is loaded as a background job; its pictures are rendered on the explorer's
``render`` thread, as a kind of their own (the newest position wins, like the main picture).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject
from PySide6.QtWidgets import (QFileDialog, QHBoxLayout, QLabel, QToolButton, QVBoxLayout,
                               QWidget)

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
        self.caption = QLabel()
        self.caption.setObjectName("explorerCompareCaption")
        self.caption.setProperty("role", "hint")
        self.caption.setWordWrap(True)
        self.box = QWidget()
        bl = QVBoxLayout(self.box)
        bl.setContentsMargins(0, 0, 0, 0)
        bl.addWidget(self.image, 1)
        bl.addWidget(self.caption)
        self.box.setVisible(False)
        self.open_button = button("Compare with...", "explorerCompare",
                                  "Show the same noise through a second checkpoint or snapshot "
                                  "of this model, side by side", lambda: self.choose())
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
        row = QHBoxLayout()
        column.takeAt(at)
        row.addWidget(ex.image, 1)
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
    def choose(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self.explorer, "Compare with a checkpoint",
                                              str(self.start_dir() or ""),
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
        G, ckpt = result
        ex = self.explorer.ex
        if ex is not None and ex.spec != ckpt.spec:
            self.explorer.status.setText(
                f"Cannot compare: {ckpt.path.name} holds a {ckpt.spec.describe()}, but the "
                f"explorer shows a {ex.spec.describe()} (the noise would not mean the same)")
            return
        self.G, self.spec = G, ckpt.spec
        step = f"step {ckpt.steps_done:,}"
        self.title = f"{ckpt.path.name}, {step}" if ckpt.path.parent.name != "snapshots" \
            else f"snapshot at {step}"
        self.caption.setText(f"The same noise through {self.title}")
        self.box.setVisible(True)
        self.close_button.setVisible(True)
        self._request()

    def close(self) -> None:
        self.G = self.spec = None
        self.box.setVisible(False)
        self.close_button.setVisible(False)
        self.explorer.renderer.cancel("compare")

    # --- following the explorer ---------------------------------------------------------------
    def _changed(self, changes: set) -> None:
        if self.G is None:
            return
        if "exploration" in changes and self.explorer.ex.spec != self.spec:
            self.close()  # another kind of model: the noise means something else
            return
        if changes & REDRAWS["picture"]:
            self._request()

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

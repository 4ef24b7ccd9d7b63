"""The Training tab: samples from the generator (or the plane view for points) beside the live
plots, with a caption saying what is on screen."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QSplitter, QStackedWidget, QVBoxLayout, QWidget

from ganstudio.gui.training_view.health_banner import HealthBanner
from ganstudio.gui.training_view.plane import PlanePanel
from ganstudio.gui.training_view.plots import MetricsPlots
from ganstudio.gui.widgets import ImageView


class RunView(QSplitter):
    # the view has drawn the last picture (the session may render the next)
    picture_drawn = Signal()

    def __init__(self, parent=None):
        super().__init__(Qt.Orientation.Horizontal, parent)
        self.setObjectName("runSplitter")
        self.sample_view = ImageView(placeholder="Press Train: samples from the generator "
                                     "appear here as it learns.")
        self.sample_view.setObjectName("samplePreview")
        self.plane_panel = PlanePanel()
        self.plane_panel.drawn.connect(self.picture_drawn)
        self.samples_stack = QStackedWidget()
        self.samples_stack.addWidget(self.sample_view)
        self.samples_stack.addWidget(self.plane_panel)
        self.caption = QLabel()
        self.caption.setObjectName("samplesCaption")
        self.caption.setProperty("role", "hint")
        self.caption.setWordWrap(True)
        left = QWidget()
        ll = QVBoxLayout(left)
        ll.setContentsMargins(0, 0, 0, 0)
        ll.addWidget(self.samples_stack, 1)
        ll.addWidget(self.caption)
        self.plots = MetricsPlots()
        self.banner = HealthBanner()
        self.banner.show_step.connect(self.plots.show_step)
        right = QWidget()
        rl = QVBoxLayout(right)
        rl.setContentsMargins(0, 0, 0, 0)
        rl.addWidget(self.banner)
        rl.addWidget(self.plots, 1)
        self.addWidget(left)
        self.addWidget(right)
        self.setStretchFactor(0, 1)
        self.setStretchFactor(1, 1)
        self.setSizes([440, 520])

    def start(self, kind: str) -> None:
        """A new run of points ("2d") or pictures: empty plots and pictures."""
        self.plots.clear()
        self.banner.clear()
        self.sample_view.set_image(None)
        self.samples_stack.setCurrentWidget(
            self.plane_panel if kind == "2d" else self.sample_view)

    def describe(self, spec, ema: bool) -> None:
        """Say what the pictures are, once the run is built."""
        if spec.kind == "2d":
            self.caption.setText(
                "Grey: real data. Orange: the generator's samples. Background: what the "
                "discriminator believes (green = real, purple = generated). Arrows: where the "
                "generator is pushed.")
            return
        labels = (f", labels {', '.join(spec.label_names[:10])}"
                  f"{'...' if len(spec.label_names) > 10 else ''} in turn"
                  if spec.conditional else "")
        self.caption.setText(f"64 samples from the same noise every time, so you see them "
                             f"improve{' (averaged generator)' if ema else ''}{labels}.")

    def show_picture(self, picture) -> None:
        if isinstance(picture, np.ndarray):
            self.sample_view.set_array(picture)
            self.picture_drawn.emit()
        else:  # the plane panel draws at its own pace and says when (plane_panel.drawn)
            self.plane_panel.show_view(picture)

"""Is it a copy? The explorer's memorisation check: the sample shown beside the training pictures
nearest to it (ganstudio/metrics/nearest.py), with a verdict in words.

The search runs as a background job with a progress bar; the training pictures' features are
computed once per data set and kept for the next question."""

from __future__ import annotations

import numpy as np
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QVBoxLayout, QWidget

from ganstudio.gui.explorer.move_tab import button
from ganstudio.gui.widgets import ImageView

KIND = "nearest"


class NearestPanel(QWidget):
    def __init__(self, jobs, parent=None):
        super().__init__(parent)
        self.setObjectName("nearestPanel")
        self.jobs = jobs
        self.ex = None
        self._index = None  # the training pictures searched, for the data set of _index_key
        self._index_key = None
        self.result = None  # the last Neighbours
        self.check_button = button(
            "Nearest training pictures", "nearestButton",
            "Is this sample a copy of a training picture? Shows the training pictures nearest "
            "to it, as the classifier sees them (or in pixels)", self.check)
        self.progress = QProgressBar()
        self.progress.setObjectName("nearestProgress")
        self.progress.setMaximumWidth(180)
        self.progress.setVisible(False)
        self.verdict = QLabel("")
        self.verdict.setObjectName("nearestVerdict")
        self.verdict.setWordWrap(True)
        self.verdict.setProperty("role", "hint")
        self.strip = ImageView(placeholder="")
        self.strip.setObjectName("nearestStrip")
        self.strip.setMinimumHeight(60)
        self.strip.setMaximumHeight(110)
        self.strip.setVisible(False)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.check_button)
        row.addWidget(self.progress)
        row.addWidget(self.verdict, 1)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addLayout(row)
        lay.addWidget(self.strip)

    def set_exploration(self, ex) -> None:
        """A new model: the check applies to pictures whose training data is known."""
        self.ex = ex
        ok = ex is not None and ex.spec.kind != "2d" and ex.config is not None
        self.setVisible(ok)
        self.forget()

    def forget(self) -> None:
        """The point moved: the last answer no longer applies."""
        self.result = None
        self.strip.setVisible(False)
        self.verdict.setText("")

    def _key(self, ex):
        d = ex.config.data
        return (d.source, getattr(d, "folder", None), getattr(d, "size", None),
                getattr(d, "channels", None))

    def check(self) -> None:
        ex = self.ex
        if ex is None or self.jobs is None:
            return
        key = self._key(ex)
        index = self._index if key == self._index_key else None
        ex = ex.copy()
        self.check_button.setEnabled(False)
        self.progress.setVisible(True)
        self.progress.setRange(0, 0)
        self.verdict.setText("Searching the training pictures...")

        def job(progress):
            found, idx = ex.nearest_training_pictures(progress=progress, index=index)
            return found, idx, key, ex.picture()

        self.jobs.submit(KIND, job, done=self._found, failed=self._failed,
                         progress=self._progress)

    def _progress(self, done: int, total: int, what: str) -> None:
        self.progress.setRange(0, max(total, 0))
        self.progress.setValue(done)
        self.verdict.setText(what + "...")

    def _found(self, result) -> None:
        from ganstudio.export import to_uint8_images
        from ganstudio.explore.exploration import tile

        found, index, key, picture = result
        self._index, self._index_key = index, key
        self.result = found
        self.check_button.setEnabled(True)
        self.progress.setVisible(False)
        neighbours = to_uint8_images(found.pictures)
        if neighbours.shape[-1] == 1:
            neighbours = np.repeat(neighbours, 3, axis=-1)
        sample = picture
        if sample.shape[:2] != neighbours.shape[1:3]:  # the explorer's picture is enlarged
            from PIL import Image

            sample = np.asarray(Image.fromarray(sample).resize(neighbours.shape[1:3][::-1]))
        row = tile([sample] + list(neighbours), cols=len(neighbours) + 1, padding=2)
        # a narrow white bar between the sample and its neighbours, so it reads as "this | those"
        cut = 2 + sample.shape[1]
        bar = np.full((row.shape[0], max(4, sample.shape[1] // 8), 3), 255, dtype=row.dtype)
        self.strip.set_array(np.ascontiguousarray(
            np.concatenate([row[:, :cut], bar, row[:, cut:]], axis=1)))
        self.strip.setVisible(True)
        labels = f" Their labels: {', '.join(found.labels)}." if found.labels else ""
        self.verdict.setText(f"Left: this sample. Then the {len(neighbours)} nearest training "
                             f"pictures, nearest first. {found.verdict()}{labels}")

    def _failed(self, message: str) -> None:
        self.check_button.setEnabled(True)
        self.progress.setVisible(False)
        self.verdict.setText(f"Cannot search the training pictures: {message}")

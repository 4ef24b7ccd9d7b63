"""Small widgets the panels are made of."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
from PySide6.QtCore import QRectF, QSize, Qt, Signal
from PySide6.QtGui import QImage, QPainter, QPalette
from PySide6.QtWidgets import (QCheckBox, QDoubleSpinBox, QFileDialog, QHBoxLayout, QLabel,
                               QLineEdit, QSizePolicy, QToolButton, QWidget)


class SciSpinBox(QDoubleSpinBox):
    """A number box for values spanning decades (learning rates): shows 0.0002 or 2e-05 as
    typed, and the arrows multiply or divide by about 1.26 (ten steps per decade)."""

    FACTOR = 10 ** 0.1

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setDecimals(12)
        self.setKeyboardTracking(False)

    def textFromValue(self, value: float) -> str:
        return f"{value:.4g}"

    def valueFromText(self, text: str) -> float:
        try:
            return float(text)
        except ValueError:
            return self.value()

    def validate(self, text, pos):
        from PySide6.QtGui import QValidator

        t = text.strip()
        if not t or t in ("-", ".", "e", "E") or t.endswith(("e", "E", "e-", "E-")):
            return QValidator.State.Intermediate, text, pos
        try:
            float(t)
        except ValueError:
            return QValidator.State.Invalid, text, pos
        return QValidator.State.Acceptable, text, pos

    def stepBy(self, steps: int) -> None:
        v = self.value()
        if v <= 0:
            v = self.minimum() if self.minimum() > 0 else 1e-6
        new = v * self.FACTOR ** steps
        # snap to 2 significant digits so values stay readable (0.001, 0.0013, 0.0016...)
        digits = 1 - int(math.floor(math.log10(abs(new))))
        self.setValue(round(new, digits))


class FolderPicker(QWidget):
    """A folder path: type it, browse for it, or drop a folder (or a file in it) onto it."""

    changed = Signal(str)

    def __init__(self, parent=None, dialog_title: str = "Choose a folder"):
        super().__init__(parent)
        self.dialog_title = dialog_title
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.edit = QLineEdit()
        self.edit.setPlaceholderText("Drop a folder here, or choose one")
        self.edit.editingFinished.connect(lambda: self.changed.emit(self.edit.text()))
        self.button = QToolButton()
        self.button.setText("Choose...")
        self.button.clicked.connect(self.browse)
        lay.addWidget(self.edit, 1)
        lay.addWidget(self.button)
        self.setAcceptDrops(True)
        self.start_dir = str(Path.home())

    def text(self) -> str:
        return self.edit.text()

    def setText(self, text: str) -> None:
        self.edit.setText(text)

    def browse(self) -> None:
        start = self.edit.text() or self.start_dir
        path = QFileDialog.getExistingDirectory(self, self.dialog_title, start)
        if path:
            self.set_and_emit(path)

    def set_and_emit(self, path: str) -> None:
        self.edit.setText(path)
        self.changed.emit(path)

    def dragEnterEvent(self, event) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:
        urls = [u for u in event.mimeData().urls() if u.isLocalFile()]
        if urls:
            p = Path(urls[0].toLocalFile())
            self.set_and_emit(str(p if p.is_dir() else p.parent))
            event.acceptProposedAction()


class ChoiceChecks(QWidget):
    """Several independent options as check boxes in a row (e.g. DiffAugment's policies)."""

    changed = Signal(list)

    def __init__(self, choices: dict, parent=None):
        super().__init__(parent)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.boxes: dict[str, QCheckBox] = {}
        for key, entry in choices.items():
            box = QCheckBox(getattr(entry, "title", str(entry)))
            box.setToolTip(getattr(entry, "help", ""))
            box.setObjectName(f"choice_{key}")
            box.toggled.connect(lambda _=False: self.changed.emit(self.value()))
            self.boxes[key] = box
            lay.addWidget(box)
        lay.addStretch(1)

    def value(self) -> list:
        return [k for k, b in self.boxes.items() if b.isChecked()]

    def setValue(self, values: list) -> None:
        for k, b in self.boxes.items():
            b.blockSignals(True)
            b.setChecked(k in values)
            b.blockSignals(False)


def numpy_to_qimage(img: np.ndarray) -> QImage:
    """uint8 (H, W, 3) or (H, W) -> a QImage that owns a copy of the pixels."""
    img = np.ascontiguousarray(img)
    if img.ndim == 3 and img.shape[2] == 1:
        img = np.ascontiguousarray(img[:, :, 0])
    if img.ndim == 2:
        h, w = img.shape
        return QImage(img.data, w, h, img.strides[0], QImage.Format.Format_Grayscale8).copy()
    h, w, _ = img.shape
    return QImage(img.data, w, h, img.strides[0], QImage.Format.Format_RGB888).copy()


class ImageView(QWidget):
    """Shows one picture as large as fits, keeping its shape, with crisp (unsmoothed) pixels."""

    def __init__(self, parent=None, placeholder: str = "", smooth: bool = False):
        super().__init__(parent)
        self.smooth = smooth  # smooth enlargement (demo mode) instead of crisp pixels
        self._image: QImage | None = None
        self.placeholder = placeholder
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(120, 120)
        self.version = 0  # counts pictures shown, for tests and tools

    def sizeHint(self) -> QSize:
        return QSize(360, 360)

    def set_array(self, img: np.ndarray | None) -> None:
        self.set_image(None if img is None else numpy_to_qimage(img))

    def set_image(self, image: QImage | None) -> None:
        self._image = image
        self.version += 1
        self.update()

    def image(self) -> QImage | None:
        return self._image

    def target_rect(self) -> QRectF:
        if self._image is None:
            return QRectF()
        w, h = self.width(), self.height()
        iw, ih = self._image.width(), self._image.height()
        scale = min(w / iw, h / ih)
        if scale >= 2 and not self.smooth:
            scale = math.floor(scale)  # whole-number zoom keeps pixels square and sharp
        tw, th = iw * scale, ih * scale
        return QRectF((w - tw) / 2, (h - th) / 2, tw, th)

    def paintEvent(self, event) -> None:
        p = QPainter(self)
        if self._image is None:
            if self.placeholder:
                p.setPen(self.palette().color(QPalette.ColorRole.PlaceholderText))
                p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                           self.placeholder)
            return
        target = self.target_rect()
        # between 1x and 2x a whole-number zoom would waste up to half the space, and uneven
        # nearest-neighbour pixels look ragged: enlarge smoothly there instead
        whole = target.width() % self._image.width() == 0
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, self.smooth or not whole)
        p.drawImage(target, self._image)


def set_combo_data(combo, value) -> None:
    """Select the item whose user data is ``value`` without emitting a change."""
    combo.blockSignals(True)
    idx = combo.findData(value)
    if idx >= 0:
        combo.setCurrentIndex(idx)
    combo.blockSignals(False)


class SteadyLabel(QLabel):
    """A status label whose text changes often (a step counter). Its size only ever grows: a
    label of fixed size tells Qt's layout there is nothing to redo, so a new number repaints the
    label alone (measured here: with a plain QLabel the status bar, the window behind it and the
    neighbouring labels repainted at every update)."""

    def __init__(self, sample: str = "", parent=None):
        super().__init__(sample, parent)
        self.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self._grow()
        super().setText("")

    def _grow(self) -> None:
        hint = self.sizeHint()
        w, h = max(hint.width(), self.minimumWidth()), max(hint.height(), self.minimumHeight())
        if (w, h) != (self.minimumWidth(), self.minimumHeight()):
            self.setFixedSize(w, h)

    def setText(self, text: str) -> None:
        if text != self.text():
            super().setText(text)
            self._grow()


class ThrottledRedraw:
    """Redraw views at most every ``interval`` seconds, less often when drawing is costly, and in
    small pieces.

    Data may arrive 20 times a second; repainting plots that often costs the UI thread (and,
    through the GIL, training) far more than anyone can see. ``request()`` marks the views dirty;
    the redraw runs on a timer. ``parts`` are (update, views) pairs: each part's update runs and
    its views (a widget, a list of them, or None) are painted at once, each once (so the cost can
    be measured), one part per turn of the event loop, so no single UI event is long. The next
    interval keeps painting under ``share`` of the time.
    """

    def __init__(self, parent, parts, min_interval: float = 0.2, share: float = 0.03):
        from PySide6.QtCore import QTimer

        self.parts = parts  # [(update, views)], or a callable returning them
        self.min_interval = min_interval
        self.share = share
        self.interval = min_interval
        self.cost = 0.0  # seconds the last full redraw took, all parts together
        self._next = None  # index of the part to draw next while a redraw is under way
        self._spent = 0.0
        self._dirty = False
        self.timer = QTimer(parent, singleShot=True)  # both die with their view
        self.timer.timeout.connect(self._begin)
        self._step = QTimer(parent, singleShot=True, interval=0)
        self._step.timeout.connect(self._draw_next)

    def _parts(self):
        return self.parts() if callable(self.parts) else self.parts

    def request(self) -> None:
        if self._next is not None:
            self._dirty = True  # parts not drawn yet will show it; the rest next time
        elif not self.timer.isActive():
            self.timer.start(int(self.interval * 1000))

    def stop(self) -> None:
        self.timer.stop()
        self._step.stop()
        self._next, self._dirty = None, False

    def flush(self) -> None:
        """Draw everything now, in one go (tests, loading a history, the end of a run)."""
        self.stop()
        self._begin()
        while self._next is not None:
            self._draw_next()

    def _begin(self) -> None:
        self._next, self._spent, self._dirty = 0, 0.0, False
        self._draw_next()

    def _draw_next(self) -> None:
        import time

        from ganstudio.gui.training_view.plotpaint import paint_now

        parts = self._parts()
        if self._next is None or self._next >= len(parts):
            self._next = None
            return
        update, views = parts[self._next]
        t0 = time.perf_counter()
        update()
        if views is not None:
            paint_now(views if isinstance(views, (list, tuple)) else [views])
        self._spent += time.perf_counter() - t0
        self._next += 1
        if self._next < len(parts):
            self._step.start()
            return
        self._next = None
        self.cost = self._spent
        self.interval = max(self.min_interval, min(2.0, self.cost / self.share))
        if self._dirty:
            self._dirty = False
            self.timer.start(int(self.interval * 1000))

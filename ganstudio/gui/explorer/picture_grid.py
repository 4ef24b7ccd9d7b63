"""Clickable pictures for breeding: a grid to pick from (``PictureGrid``) and a family tree drawn
generation by generation (``FamilyTreeView``). Both only paint what they are given (pictures
as arrays, which are chosen and which shown) and say what was clicked."""

from __future__ import annotations

import math

from PySide6.QtCore import QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QPainter, QPalette, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from ganstudio.gui.widgets import numpy_to_qimage


def _draw_picture(p: QPainter, image, cell: QRectF, smooth: bool) -> None:
    if image is None:
        p.fillRect(cell, QColor(128, 128, 128, 40))
        return
    scale = min(cell.width() / image.width(), cell.height() / image.height())
    w, h = image.width() * scale, image.height() * scale
    target = QRectF(cell.x() + (cell.width() - w) / 2, cell.y() + (cell.height() - h) / 2, w, h)
    p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, smooth)
    p.drawImage(target, image)


def _outline(p: QPainter, cell: QRectF, colour: QColor, width: float) -> None:
    p.setPen(QPen(colour, width))
    p.setBrush(Qt.BrushStyle.NoBrush)
    half = width / 2
    p.drawRect(cell.adjusted(-half - 1, -half - 1, half + 1, half + 1))


class PictureGrid(QWidget):
    """Pictures in a grid, as large as fit. Chosen ones get a thick outline with their number
    (the order they were chosen in); the one shown a thin one. ``clicked(index)``."""

    clicked = Signal(int)

    def __init__(self, cols: int = 4, placeholder: str = "", smooth: bool = False,
                 spacing: int = 6, parent=None):
        super().__init__(parent)
        self.cols = cols
        self.placeholder = placeholder
        self.smooth = smooth
        self.spacing = spacing
        self.images: list = []
        self.chosen: list[int] = []  # in the order chosen
        self.shown: int | None = None
        self.version = 0  # pictures set, for tests and tools
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(120, 80)
        self.setCursor(Qt.CursorShape.PointingHandCursor)

    def sizeHint(self) -> QSize:
        return QSize(320, 240)

    def set_pictures(self, pictures) -> None:
        self.images = [None if a is None else numpy_to_qimage(a) for a in pictures]
        self.version += 1
        self.update()

    def set_marks(self, chosen=(), shown: int | None = None) -> None:
        self.chosen, self.shown = list(chosen), shown
        self.update()

    @property
    def rows(self) -> int:
        return max(1, math.ceil(len(self.images) / self.cols))

    def cell_size(self) -> float:
        s = self.spacing
        return max(8.0, min((self.width() - s * (self.cols + 1)) / self.cols,
                            (self.height() - s * (self.rows + 1)) / self.rows))

    def cell_rect(self, i: int) -> QRectF:
        size, s = self.cell_size(), self.spacing
        cols = min(self.cols, max(1, len(self.images)))
        left = (self.width() - cols * size - (cols - 1) * s) / 2
        top = (self.height() - self.rows * size - (self.rows - 1) * s) / 2
        r, c = divmod(i, self.cols)
        return QRectF(left + c * (size + s), top + r * (size + s), size, size)

    def index_at(self, pos) -> int | None:
        for i in range(len(self.images)):
            if self.cell_rect(i).contains(pos):
                return i
        return None

    def mousePressEvent(self, event) -> None:
        i = self.index_at(event.position())
        if i is not None and event.button() == Qt.MouseButton.LeftButton:
            self.clicked.emit(i)

    def paintEvent(self, event) -> None:
        p = QPainter(self)
        pal = self.palette()
        if not self.images:
            if self.placeholder:
                p.setPen(pal.color(QPalette.ColorRole.PlaceholderText))
                p.drawText(self.rect().adjusted(8, 8, -8, -8),
                           Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                           self.placeholder)
            return
        accent = pal.color(QPalette.ColorRole.Highlight)
        for i, image in enumerate(self.images):
            cell = self.cell_rect(i)
            _draw_picture(p, image, cell, self.smooth)
            if i == self.shown and i not in self.chosen:
                _outline(p, cell, pal.color(QPalette.ColorRole.WindowText), 1.5)
        for n, i in enumerate(self.chosen, 1):
            if i >= len(self.images):
                continue
            cell = self.cell_rect(i)
            width = max(3.0, cell.width() / 24)
            _outline(p, cell, accent, width)
            badge = max(16.0, cell.width() / 5)
            spot = QRectF(cell.x() + 2, cell.y() + 2, badge, badge)
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(accent)
            p.drawEllipse(spot)
            font = QFont(self.font())
            font.setPixelSize(max(10, int(badge * 0.6)))
            font.setBold(True)
            p.setFont(font)
            p.setPen(QColor("white"))
            p.drawText(spot, Qt.AlignmentFlag.AlignCenter, str(n))


class FamilyTreeView(QWidget):
    """The family, one row per generation (roots at the top), small pictures in order of
    birth. The ones chosen as parents have a thick outline, the one shown a thin one, its
    ancestors a faint one; ``clicked(id)``."""

    clicked = Signal(int)
    THUMB, GAP, LABEL = 34, 4, 56

    def __init__(self, parent=None):
        super().__init__(parent)
        self.rows: list[list[int]] = []
        self.images: dict = {}  # id -> QImage
        self.shown: int | None = None
        self.ancestors: set[int] = set()
        self.chosen: set[int] = set()
        self.setMinimumHeight(self.THUMB + 2 * self.GAP)

    def set_family(self, rows: list[list[int]], images: dict) -> None:
        self.rows = rows
        self.images = images
        self.updateGeometry()
        self.adjustSize()
        self.update()

    def set_shown(self, id: int | None, ancestors=(), chosen=()) -> None:
        self.shown, self.ancestors, self.chosen = id, set(ancestors), set(chosen)
        self.update()

    def sizeHint(self) -> QSize:
        widest = max((len(r) for r in self.rows), default=0)
        return QSize(self.LABEL + widest * (self.THUMB + self.GAP) + self.GAP,
                     max(1, len(self.rows)) * (self.THUMB + self.GAP) + self.GAP)

    def minimumSizeHint(self) -> QSize:
        return self.sizeHint()

    def cell_rect(self, gen: int, k: int) -> QRectF:
        t, g = self.THUMB, self.GAP
        return QRectF(self.LABEL + k * (t + g), g + gen * (t + g), t, t)

    def id_at(self, pos) -> int | None:
        for gen, row in enumerate(self.rows):
            for k, id in enumerate(row):
                if self.cell_rect(gen, k).contains(pos):
                    return id
        return None

    def mousePressEvent(self, event) -> None:
        id = self.id_at(event.position())
        if id is not None:
            self.clicked.emit(id)

    def paintEvent(self, event) -> None:
        p = QPainter(self)
        pal = self.palette()
        if not self.rows:
            p.setPen(pal.color(QPalette.ColorRole.PlaceholderText))
            p.drawText(self.rect().adjusted(6, 0, 0, 0), Qt.AlignmentFlag.AlignVCenter,
                       "The family tree grows here as you make children.")
            return
        accent = pal.color(QPalette.ColorRole.Highlight)
        for gen, row in enumerate(self.rows):
            p.setPen(pal.color(QPalette.ColorRole.PlaceholderText))
            label = f"Gen. {gen}"
            p.drawText(QRectF(0, self.cell_rect(gen, 0).y(), self.LABEL - 6, self.THUMB),
                       Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight, label)
            for k, id in enumerate(row):
                cell = self.cell_rect(gen, k)
                _draw_picture(p, self.images.get(id), cell, False)
                if id in self.chosen:
                    _outline(p, cell, accent, 3)
                elif id == self.shown:
                    _outline(p, cell, pal.color(QPalette.ColorRole.WindowText), 1.5)
                elif id in self.ancestors:
                    _outline(p, cell, accent, 1)

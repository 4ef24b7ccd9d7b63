"""The status bar's parts, fitted to the width there is: the step, speed and time keep their
size; the quality badge, the progress bar and what the run computes on shrink, in that order of
importance (texts end with "…", their whole text in their tooltips), and the least important
is left out when too narrow to say anything.

Below 1,280 px the plain labels ran into each other ("6% on targe processor (threads chosen as it
ru"): a status bar shrinks every part alike, to below what its text needs, without marking it.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QSize, Qt
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget

GAP = 8  # pixels between two parts
MAX_WIDTH = 16777215  # Qt's QWIDGETSIZE_MAX: no limit


def natural_width(w: QWidget) -> int:
    """The width a part asks for (a fixed-size label's own width; no more than its maximum)."""
    return min(max(w.sizeHint().width(), w.minimumWidth()), w.maximumWidth())


class ElidedLabel(QLabel):
    """A label that, given less width than its text needs, ends the text with "…" and puts the
    whole of it in its tooltip. ``text()`` is always the whole text."""

    def __init__(self, text: str = "", parent=None):
        super().__init__(text, parent)
        self._tip = ""

    def setText(self, text: str) -> None:
        super().setText(text)
        self._update_tip()

    def setToolTip(self, tip: str) -> None:
        self._tip = tip
        self._update_tip()

    def shown_text(self) -> str:
        """The text as drawn: whole, or cut with "…" to the label's width."""
        return self.fontMetrics().elidedText(self.text(), Qt.TextElideMode.ElideRight,
                                             self.contentsRect().width())

    def elided(self) -> bool:
        return self.shown_text() != self.text()

    def minimumSizeHint(self) -> QSize:
        return QSize(0, super().minimumSizeHint().height())

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._update_tip()

    def _update_tip(self) -> None:
        tip = self._tip
        if self.text() and self.elided():
            tip = self.text() + (f"\n\n{tip}" if tip else "")
        super().setToolTip(tip)

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        self.style().drawItemText(painter, self.contentsRect(), int(self.alignment()),
                                  self.palette(), self.isEnabled(), self.shown_text(),
                                  self.foregroundRole())


class StatusLine(QWidget):
    """Parts side by side, placed by hand. ``parts``: the widgets in the order shown;
    ``shrinking``: (widget, least width worth showing) for those that may shrink, most
    important first; the others always get their own width."""

    def __init__(self, parts: list[QWidget], shrinking: list[tuple[QWidget, int]],
                 parent=None):
        super().__init__(parent)
        self.parts = parts
        self.shrinking = shrinking
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self._room = 0  # pixels left free at the status bar's left, for its passing message
        for w in parts:
            w.setParent(self)

    def leave_room(self, width: int) -> None:
        """Leave ``width`` pixels free at the left of the status bar (its passing message, which
        it draws cut off where the first part begins); 0: none."""
        if width and self._room == 0 and self.parentWidget() is not None:
            self.parentWidget().installEventFilter(self)  # once: follow its width
        self._room = width
        self._fit_to_bar()

    def _fit_to_bar(self) -> None:
        bar = self.parentWidget()
        cap = bar.width() - self._room if (self._room and bar is not None) else MAX_WIDTH
        self.setMaximumWidth(max(self.minimumSizeHint().width(), cap))

    def eventFilter(self, obj, event) -> bool:
        if event.type() == QEvent.Type.Resize and obj is self.parentWidget():
            self._fit_to_bar()
        return False

    def _shown(self) -> list[QWidget]:
        return [w for w in self.parts if not w.isHidden()]

    def _gaps(self, shown) -> int:
        return GAP * max(0, len(shown) - 1)

    def sizeHint(self) -> QSize:
        shown = self._shown()
        width = sum(natural_width(w) for w in shown) + self._gaps(shown)
        return QSize(width, max([w.sizeHint().height() for w in self.parts] + [0]))

    def minimumSizeHint(self) -> QSize:
        shrinking = dict(self.shrinking)
        shown = [w for w in self._shown() if w not in shrinking]  # the rest may be left out
        width = sum(natural_width(w) for w in shown) + self._gaps(shown)
        return QSize(width, self.sizeHint().height())

    def widths(self, width: int) -> dict[QWidget, int]:
        """How wide each shown part is at this width (0: left out)."""
        shown = self._shown()
        shrinking = dict(self.shrinking)
        out = {w: natural_width(w) for w in shown if w not in shrinking}
        budget = width - sum(out.values()) - self._gaps(shown)
        ordered = [(w, least) for w, least in self.shrinking if w in shown]
        for w, least in ordered:  # the least worth showing, most important first
            take = min(least, natural_width(w))
            out[w] = take if budget >= take else 0
            budget -= out[w]
        for w, _ in ordered:  # what is left: the most important get their whole width first
            more = max(0, min(budget, natural_width(w) - out[w])) if out[w] else 0
            out[w] += more
            budget -= more
        return out

    def _place(self) -> None:
        widths = self.widths(self.width())
        x, height = 0, self.height()
        for w in self.parts:
            if w.isHidden():
                continue
            wide = widths.get(w, 0)
            h = min(height, w.sizeHint().height())
            w.setGeometry(x, (height - h) // 2, wide, h)
            if wide:
                x += wide + GAP

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._place()

    def showEvent(self, event) -> None:  # parts changed while hidden tell nobody
        super().showEvent(event)
        self.updateGeometry()
        self._place()

    def event(self, event) -> bool:
        if event.type() == QEvent.Type.LayoutRequest:  # a part changed its size, or was
            self.updateGeometry()  # shown or hidden
            self._place()
        return super().event(event)

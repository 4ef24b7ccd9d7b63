"""Settings changed mid-run, on the plots: a labelled vertical line at each change on every plot
(as the health alarms are marked), and the stretches where only one network learned shaded.

The marks are items of their own on the plots (``MetricsPlots.plots``), drawn again only when a
change arrives: nothing is done per metrics batch. A stretch still going on is shaded to the
right edge of any view (its end is far off and ignored by auto-range).
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import Qt

from ganstudio.changes import value_text
from ganstudio.config import FIELDS

MARK_COLOUR = (40, 140, 160, 210)
LABEL_COLOUR = (40, 150, 170)
# where only one network learned: D alone (green, like D's "real" side), G alone (orange)
ALONE_BRUSHES = {"d": (90, 180, 120, 60), "g": (240, 150, 60, 60)}
ALONE_TEXT = {"d": "only D learns", "g": "only G learns"}
LABEL_HEIGHTS = (0.78, 0.66, 0.54)  # of the loss plot's height, from the bottom
FAR = 1e12  # the end of a stretch still going on


def change_label(change) -> str:
    """A change in a few words: 'D learning rate 0.0002 -> 3e-05', 'Train: Discriminator only'."""
    spec = FIELDS.get(change.field)
    if spec is None:
        return f"{change.field} {value_text(change.old)} → {value_text(change.new)}"
    if spec.choices is not None and not isinstance(change.new, list):
        return f"{spec.title}: {spec.title_of(change.new)}"
    return f"{spec.title} {value_text(change.old)} → {value_text(change.new)}"


def alone_stretches(changes, update_now: str) -> list[tuple[float, float, str]]:
    """(from step, to step, "d" or "g") where only one network learned, from the recorded
    ``training.update`` changes; ``update_now``: the run's value now (its value before any
    change, when none changed it)."""
    ups = [c for c in changes if c.field == "training.update"]
    value = ups[0].old if ups else update_now
    out, start = [], 0.0
    for c in ups:
        if value in ALONE_BRUSHES and c.step > start:
            out.append((start, float(c.step), value))
        value, start = c.new, float(c.step)
    if value in ALONE_BRUSHES:
        out.append((start, FAR, value))
    return out


UPDATE_WORDS = {"both": "both learn", "d": "only D learns", "g": "only G learns"}


def mark_label(change) -> str:
    """The few words beside a change's line on the plot: 'D rate 0.001 → 3e-05'."""
    if change.field == "training.update":
        return UPDATE_WORDS.get(change.new, change_label(change))
    text = change_label(change)
    for long, short in (("Discriminator learning rate", "D rate"),
                        ("Generator learning rate", "G rate"), ("Discriminator", "D"),
                        ("Generator", "G")):
        text = text.replace(long, short)
    return text


class _ChangeLabel(pg.InfLineLabel):
    """A change's words beside its line: after it (where the stretch it starts is), unless they
    would run past the plot's right edge there (a change is made at the newest step, the edge
    itself), then before it; so no edge cuts them off as the run goes on."""

    def updatePosition(self):
        super().updatePosition()
        box = self.line.getViewBox()
        if box is None or box.width() <= 0:
            return
        x0, x1 = box.viewRange()[0]
        at = (self.line.value() - x0) / max(x1 - x0, 1e-9)  # share of the view's width
        fits_after = at + self.boundingRect().width() / box.width() <= 0.98
        self.setAnchor((0, 0) if fits_after else (1, 0))


class ChangeMarks:
    """The changes of the run shown in ``plots`` (a MetricsPlots)."""

    def __init__(self, plots):
        self.plots = plots
        self.changes: list = []
        self.update_now = "both"
        self._items: list = []  # (plot, item)

    def set_changes(self, changes, update_now: str = "both") -> None:
        """Show these changes (a resumed run's earlier ones, or none for a new run)."""
        self.changes = list(changes)
        self.update_now = update_now
        self._draw()

    def add(self, change) -> None:
        self.changes.append(change)
        if change.field == "training.update":
            self.update_now = change.new
        self._draw()

    @property
    def lines(self) -> list:
        return [item for _, item in self._items if isinstance(item, pg.InfiniteLine)]

    @property
    def regions(self) -> list:
        return [item for _, item in self._items if isinstance(item, pg.LinearRegionItem)]

    def _draw(self) -> None:
        for plot, item in self._items:
            plot.removeItem(item)
        self._items = []
        plots = self.plots.plots
        for start, end, who in alone_stretches(self.changes, self.update_now):
            for name, plot in plots.items():
                region = pg.LinearRegionItem(values=(start, end), movable=False,
                                             brush=pg.mkBrush(ALONE_BRUSHES[who]),
                                             pen=pg.mkPen(None))
                region.setZValue(-20)  # behind the curves
                region.alone = who  # for tests and tools
                region.setToolTip(ALONE_TEXT[who])
                plot.addItem(region, ignoreBounds=True)
                self._items.append((plot, region))
        for i, c in enumerate(self.changes):
            # labels of neighbouring changes at three heights in turn: close ones stay readable
            at = LABEL_HEIGHTS[i % len(LABEL_HEIGHTS)]
            for name, plot in plots.items():
                line = pg.InfiniteLine(
                    pos=c.step, angle=90, movable=False,
                    pen=pg.mkPen(MARK_COLOUR, width=1.5, style=Qt.PenStyle.DotLine))
                if name == "loss":
                    line.label = _ChangeLabel(line, text=mark_label(c), position=at,
                                              color=LABEL_COLOUR)
                line.change = c  # for tests and hover
                line.setToolTip(c.text())
                plot.addItem(line, ignoreBounds=True)
                self._items.append((plot, line))

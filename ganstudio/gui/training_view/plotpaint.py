"""Drawing pyqtgraph plots cheaply while training runs beside them.

Measured on this project's 2-core machine under Xvfb, three live plots of 3,000 steps each
(benchmarks/README.md has the whole story):

- Each redraw painted every plot three or four times: once for the new data, again after
  pyqtgraph settled the auto-range in its pre-paint step, and again when the linked x axis
  moved. Settling every range first and then painting each scene once: one paint per plot.
- Grid lines are drawn by the axes into a picture replayed at every paint; the finest tick level
  alone drew most of the lines (8 of 10 ms for one plot). Axes now draw two tick levels and
  keep their rendering cached until they change.
- Width-2 curves were drawn as thousands of separate segments (2 ms each); as one path, with
  the points thinned to about two per pixel column, they cost a tenth of that.

Together: 108 ms -> 13 ms of UI time per redraw of the three plots.
"""

from __future__ import annotations

from typing import Iterable

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QCoreApplication, QEvent, QRectF
from PySide6.QtWidgets import QGraphicsItem, QWidget

# peaks of about two points per pixel column: what the eye can see of a noisy curve
DOWNSAMPLE_FACTOR = 1.0


def light_axes(plot: pg.PlotWidget) -> None:
    """Fewer grid lines, cached axis pictures (see the module's notes), and axes that never
    give back label space: a shrinking axis widens the view, which in a linked or
    aspect-locked plot changes the range and the labels again, and it can go on repainting
    for ever (pyqtgraph issues 1664 and 3135; seen here once in a benchmark, the UI thread
    at 100% painting three linked plots)."""
    for name in ("left", "bottom"):
        axis = plot.getPlotItem().getAxis(name)
        axis.setStyle(maxTickLevel=1, autoReduceTextSpace=False)
        axis.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        # no "(x1e+03)" prefixes (no axis here has units): with them on, every change of range
        # set the label's HTML again and re-laid it out (0.2 ms an axis a redraw, profiled)
        axis.enableAutoSIPrefix(False)


def light_curve(curve: pg.PlotDataItem) -> pg.PlotDataItem:
    """Thick lines as one path. The curve is given data already thinned to the view's pixels
    (``YOnlyCurve.set_points``, ``thin``): pyqtgraph's own downsampling and clipping ran again
    for every curve of every linked plot at each change of the shared x range, in the UI
    thread (most of a redraw's 10 ms of processor time at 5,000 steps, measured)."""
    curve.setDownsampling(auto=False)
    curve.setClipToView(False)
    curve.curve.setSegmentedLineMode("off")
    return curve


def thin(x: np.ndarray, y: np.ndarray, x0: float | None, x1: float | None,
         pixels: int) -> tuple[np.ndarray, np.ndarray]:
    """The points of a curve over steps ``x`` (increasing) that the eye can see at ``pixels``
    columns between x0 and x1 (None: all): each run of steps that falls in one column becomes
    its lowest and highest value (peaks, as pyqtgraph's "peak" method), plus one point past
    each end so the line reaches the edges. NaN (a step without this number) is skipped."""
    n = len(x)
    lo, hi = 0, n
    if x0 is not None and n:
        lo = max(0, int(np.searchsorted(x, x0, side="left")) - 1)
        hi = min(n, int(np.searchsorted(x, x1, side="right")) + 1)
    x, y = x[lo:hi], y[lo:hi]
    per = int(len(x) // max(1, pixels * DOWNSAMPLE_FACTOR))
    if per < 2:
        return x, y
    whole = len(x) // per * per
    bins_y = y[:whole].reshape(-1, per)
    low, high = np.fmin.reduce(bins_y, axis=1), np.fmax.reduce(bins_y, axis=1)
    out_x = np.repeat(x[:whole:per], 2)
    out_y = np.empty(2 * len(low), dtype=np.float64)
    out_y[0::2], out_y[1::2] = low, high
    # the steps after the last whole bin, as they are: the newest values at the right end
    return np.concatenate([out_x, x[whole:]]), np.concatenate([out_y, y[whole:]])


def paint_now(views: Iterable[QWidget]) -> None:
    """Paint these views now, each once, with their ranges settled first.

    pyqtgraph settles auto-ranges just before painting, and a range that moves then asks for a
    second paint (and linked plots for a third). Settling every scene first (the first view
    should be the one that drives linked axes), then handing each scene its pending changes,
    gives a single paint per view."""
    views = [v for v in views if v.isVisible()]
    for v in views:
        if isinstance(v, pg.GraphicsView):
            v.scene().prepareForPaint()
    for v in views:
        if isinstance(v, pg.GraphicsView):
            QCoreApplication.sendPostedEvents(v.scene(), 0)
        else:
            v.update()
    # whatever is still only marked for painting is painted now, in this turn of the loop
    for window in {v.window() for v in views}:
        QCoreApplication.sendPostedEvents(window, QEvent.Type.UpdateRequest)


class XExtent(pg.GraphicsObject):
    """An invisible item that tells auto-range where the data starts and ends along x; the
    curves (``YOnlyCurve``) say nothing about x.

    pyqtgraph sizes an auto-ranged axis from the curves as drawn: downsampled, whose last bin
    starts before the last step by a number of steps that depends on the view's range, plus a
    margin of a few pixels, also in the view's units. The range then decides the downsampling
    and the margin, which decide the range... Seen here after ~9,000 steps: the x range flipped
    between two values on every paint, for ever, the UI thread at 100%. With this item the x
    range depends on the data and the plot's size only."""

    def __init__(self):
        super().__init__()
        self.extent: tuple[float, float] | None = None
        self.setFlag(self.GraphicsItemFlag.ItemHasNoContents)

    def set_extent(self, first: float | None, last: float | None) -> None:
        extent = None if first is None else (float(first), float(last))
        if extent != self.extent:
            self.extent = extent
            self.informViewBoundsChanged()

    def dataBounds(self, ax, frac=1.0, orthoRange=None):
        if ax == 0 and self.extent is not None:
            return self.extent
        return (None, None)

    def boundingRect(self) -> QRectF:
        return QRectF()

    def paint(self, painter, option, widget=None) -> None:
        pass


class YOnlyCurve(pg.PlotDataItem):
    """A curve that sizes the y axis only (see ``XExtent``), drawn from thinned points while
    ``getData()`` gives every point (the hover readout, tests, the plot's export)."""

    _all: tuple | None = None

    def set_points(self, x: np.ndarray, y: np.ndarray, drawn: tuple) -> None:
        """Every point (x, y), and the thinned ones to draw (``thin``)."""
        self._all = (x, y)
        self.setData(*drawn)

    def getData(self):
        if self._all is not None:
            return self._all
        return super().getData()

    def dataBounds(self, ax, frac=1.0, orthoRange=None):
        if ax == 0:
            return (None, None)
        return super().dataBounds(ax, frac, orthoRange)

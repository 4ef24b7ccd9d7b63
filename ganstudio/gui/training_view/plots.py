"""Live plots of a run: losses (raw and smoothed), the discriminator's scores, gradient norms,
and the live quality measurements (training/quality.py) with the health alarms marked.

Each curve is created once and fed numpy views of growing buffers (core's History); pyqtgraph
downsamples by peaks and clips to the view, so 100,000 steps draw as fast as 1,000. Hovering
shows the values at the step under the mouse.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QSplitter, QVBoxLayout, QWidget

from ganstudio.gui.training_view.plotpaint import (XExtent, YOnlyCurve, light_axes, light_curve,
                                                   thin)
from ganstudio.gui.widgets import ThrottledRedraw
from ganstudio.training.history import EmaSmoother, History
from ganstudio.training.step_metrics import STEP_METRICS

SMOOTHING = 0.02  # EMA weight of a new point in the smoothed curves (a ~50-step window)

# (key in the records, curve name, colour, plot): the step's numbers that have a plot, as
# training/step_metrics.py declares them
SERIES = [(m.name, m.title, m.colour, m.plot) for m in STEP_METRICS.values() if m.plot]
SMOOTHED = tuple(m.name for m in STEP_METRICS.values() if m.smoothed)
REDRAW_INTERVAL = 1.0  # seconds between redraws of the live plots, at least
PLOT_ORDER = ("loss", "score", "grad", "quality")  # the loss plot drives the shared x axis
Q_COLOUR = "#7a4fd0"
Q2_COLOUR = "#2aa876"
ALARM_COLOURS = {"warning": (220, 90, 20, 200), "notice": (60, 130, 220, 170)}


def quality_curves(keys, totals: dict) -> tuple[str, list[tuple[str, str, float]]]:
    """What the quality plot shows for measurements with these keys: its y label and its
    curves as (key, name, scale): a percentage axis for mixtures, FD or JS or variety else."""
    keys = set(keys)
    if "hq" in keys:
        curves = [("hq", "samples on target (%)", 1.0)]
        if "modes" in keys and totals.get("modes"):
            curves.append(("modes", "clusters found (%)", 100.0 / totals["modes"]))
        return "%", curves
    if "classifier_fd" in keys:
        return "FD (lower is better)", [("classifier_fd", "distance to real pictures (FD)",
                                         1.0)]
    if "density_js" in keys:
        return "JS (lower is better)", [("density_js", "density difference (JS)", 1.0)]
    if "inception_kid" in keys:  # pictures without a classifier (training/live_kid.py)
        return "KID x 1000 · variety %", [
            ("inception_kid", "KID x 1000 (Inception)", 1000.0),
            ("diversity", "variety %", 100.0)]
    if "diversity" in keys:
        return "% of the real data's", [("diversity", "variety", 100.0)]
    return "", []


def legend_brush(background) -> pg.QtGui.QBrush:
    """The plot's background, slightly see-through: the legend stays readable over busy curves."""
    colour = pg.mkColor(background)
    colour.setAlpha(170)
    return pg.mkBrush(colour)


def _plot(object_name: str, title: str, y_label: str) -> pg.PlotWidget:
    w = pg.PlotWidget()
    w.setObjectName(object_name)
    w.setTitle(title, size="10pt")
    w.setLabel("left", y_label)
    w.showGrid(x=True, y=True, alpha=0.15)
    w.setMenuEnabled(True)
    w.getPlotItem().getViewBox().setMouseMode(pg.ViewBox.RectMode)
    w.getPlotItem().getAxis("left").enableAutoSIPrefix(False)
    w.setMinimumHeight(110)
    w.setMinimumWidth(280)
    light_axes(w)
    return w


class MetricsPlots(QWidget):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.history = History(("step",) + tuple(k for k, *_ in SERIES))
        self.smoothed = History(("step",) + SMOOTHED)
        self._smoothers = {k: EmaSmoother(SMOOTHING) for k in SMOOTHED}
        self.plots = {
            "loss": _plot("lossPlot", "Losses", "loss"),
            "score": _plot("scorePlot", "Discriminator's verdict on real and generated samples",
                           "D"),
            "grad": _plot("gradPlot", "Gradient sizes (how hard each network is pushed)",
                          "norm"),
            "quality": _plot("qualityPlot", "Quality, measured while it trains", ""),
        }
        self.plots["quality"].setLabel("bottom", "training step")
        for p in ("score", "grad", "quality"):
            self.plots[p].setXLink(self.plots["loss"])
            # only the loss plot sizes the shared x axis: new data in the others then leaves the
            # range alone instead of making every linked plot paint twice
            self.plots[p].enableAutoRange(x=False)
        self.curves: dict[str, pg.PlotDataItem] = {}
        self.extent = XExtent()  # the shared x axis spans the steps received, exactly
        self.plots["loss"].addItem(self.extent)
        # top left: the newest values, at the right end, are the ones a user watches
        legends = {k: p.addLegend(offset=(6, 6), labelTextSize="8pt", colCount=2,
                                  brush=legend_brush(pg.getConfigOption("background")))
                   for k, p in self.plots.items()}
        for key, name, colour, plot in SERIES:
            smoothed_too = key in SMOOTHED
            pen = pg.mkPen(colour, width=1)
            if smoothed_too:
                c = pg.mkColor(colour)
                c.setAlpha(70)
                pen = pg.mkPen(c, width=1)
            self.curves[name] = self._curve(plot, name, pen)
            shown = self.curves[name]
            if smoothed_too:  # the legend shows the smoothed curve under the plain name
                legends[plot].removeItem(self.curves[name])
                shown = self.curves[name + " (smoothed)"] = self._curve(
                    plot, name + " (smoothed)", pg.mkPen(colour, width=2))
                legends[plot].removeItem(shown)
                legends[plot].addItem(shown, name)
        self.setMinimumWidth(300)
        self.readout = QLabel(" ")
        self.readout.setObjectName("plotReadout")
        self.readout.setTextFormat(Qt.TextFormat.PlainText)
        split = QSplitter(Qt.Orientation.Vertical)
        for p in self.plots.values():
            split.addWidget(p)
        split.setSizes([260, 120, 110, 160])
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(split, 1)
        lay.addWidget(self.readout)
        self._cursors = {}
        for name, p in self.plots.items():
            line = pg.InfiniteLine(angle=90, movable=False,
                                   pen=pg.mkPen((128, 128, 128, 120), width=1))
            line.setVisible(False)
            p.addItem(line, ignoreBounds=True)
            self._cursors[name] = line
            p.scene().sigMouseMoved.connect(lambda pos, p=p: self._hover(p, pos))
        self.set_loss_kind("nonsaturating")
        # zoomed or panned by hand: the curves are thinned for the steps in view, so draw again
        self.plots[PLOT_ORDER[0]].getPlotItem().getViewBox().sigXRangeChanged.connect(
            self._x_moved)
        self.quality_legend = legends["quality"]
        self.quality = History(("step",))  # the measurements, as columns
        self.quality_totals: dict = {}
        self.quality_curves: dict[str, pg.PlotDataItem] = {}
        self._quality_spec: list = []
        self._alarm_lines: list = []
        # once a second at most: a curve that grows by a second's steps still looks live, and
        # each redraw costs training time on two cores. One plot per turn of the event loop
        # (all four in one turn kept the window from answering for 30-70 ms while training ran,
        # measured): the loss plot's data, then its paint (it moves the shared x axis), then
        # each other plot; they wait with their updates off until their turn, so the axis they
        # follow does not paint them twice
        self.throttle = ThrottledRedraw(
            self, [(self._begin_redraw, None),
                   (lambda: self.plots[PLOT_ORDER[0]].setUpdatesEnabled(True),
                    self.plots[PLOT_ORDER[0]])]
            + [(lambda name=name: self._redraw_plot(name), self.plots[name])
               for name in PLOT_ORDER[1:]], min_interval=REDRAW_INTERVAL)

    def _curve(self, plot: str, name: str, pen) -> pg.PlotDataItem:
        curve = YOnlyCurve(name=name, pen=pen)
        self.plots[plot].addItem(curve)
        return light_curve(curve)

    def set_loss_kind(self, loss_name: str) -> None:
        """Label D's scores as the loss reads them: probabilities or raw scores."""
        from ganstudio import objectives

        self.plots["score"].setLabel("left", objectives.loss(loss_name).scale.axis_label)

    # --- data ---------------------------------------------------------------------------------
    def append(self, records: list[dict]) -> None:
        if not records:
            return
        self.history.extend(records)
        steps = np.array([r["step"] for r in records], dtype=np.float64)
        smooth = {"step": steps}
        for k in SMOOTHED:
            smooth[k] = self._smoothers[k](np.array([r[k] for r in records], dtype=np.float64))
        self.smoothed.extend([dict(zip(smooth, row)) for row in zip(*smooth.values())])
        self.throttle.request()

    def set_history(self, arrays: dict[str, np.ndarray]) -> None:
        """Show a run's history (a loaded checkpoint) in place of the current curves."""
        self.clear()
        n = len(arrays.get("step", ()))
        if n:
            records = [{k: float(arrays[k][i]) for k in arrays} for i in range(n)]
            self.append(records)
            self.flush()

    def flush(self) -> None:
        """Draw what has arrived now (the plots otherwise catch up within a moment)."""
        self.throttle.flush()

    # --- quality and alarms ---------------------------------------------------------------------
    def set_quality_measures(self, measures) -> None:
        """What the run measures (training/quality.py Measures): their totals label the plot."""
        self.quality_totals = {m.key: m.total for m in measures if m.total}
        if measures:
            self._configure_quality([m.key for m in measures])

    def _configure_quality(self, keys) -> None:
        label, spec = quality_curves(keys, self.quality_totals)
        if [k for k, *_ in spec] == [k for k, *_ in self._quality_spec]:
            return
        plot = self.plots["quality"]
        for curve in self.quality_curves.values():
            plot.removeItem(curve)
            self.quality_legend.removeItem(curve)
        self.quality_curves = {}
        self._quality_spec = spec
        plot.setLabel("left", label)
        for (key, name, _), colour in zip(spec, (Q_COLOUR, Q2_COLOUR)):
            curve = pg.PlotDataItem(name=name, pen=pg.mkPen(colour, width=2), symbol="o",
                                    symbolSize=5, symbolBrush=colour, symbolPen=None)
            plot.addItem(curve)
            self.quality_curves[key] = curve

    def add_quality(self, step: int, values: dict) -> None:
        """One measurement (from the live run, or a followed run's metrics.csv)."""
        if not self._quality_spec:
            self._configure_quality(values.keys())
        names = set(self.quality.names)
        if not set(values) <= names:  # a new kind of number: widen the columns
            old = self.quality.to_arrays()
            keys = list(self.quality.names) + [k for k in values if k not in names]
            n = len(self.quality)
            arrays = {k: old.get(k, np.full(n, np.nan)) for k in keys}
            self.quality = History.from_arrays(arrays) if n else History(keys)
        self.quality.append({"step": step, **values})
        self.throttle.request()

    def add_quality_point(self, point) -> None:
        self.add_quality(point.step, point.values)

    def set_quality_history(self, points) -> None:
        self.quality = History(("step",))
        for p in points:
            self.add_quality(p.step, p.values)

    def mark_alarms(self, alarms) -> None:
        """A line at the step where each alarm began, on every plot."""
        for plot, line in self._alarm_lines:
            plot.removeItem(line)
        self._alarm_lines = []
        for a in alarms:
            for name, plot in self.plots.items():
                line = pg.InfiniteLine(
                    pos=a.step, angle=90, movable=False,
                    pen=pg.mkPen(ALARM_COLOURS.get(a.severity, ALARM_COLOURS["warning"]),
                                 width=2, style=Qt.PenStyle.DashLine),
                    label=a.title if name == "loss" else None,
                    labelOpts={"position": 0.92, "color": (200, 80, 20), "anchors": [(0, 0),
                                                                                     (0, 0)]})
                line.alarm_kind = a.kind  # for tests and hover
                plot.addItem(line, ignoreBounds=True)
                self._alarm_lines.append((plot, line))

    def show_step(self, step: int) -> None:
        """Bring ``step`` into view in the plots and point at it (the banner's link)."""
        self.flush()
        steps = self.history.column("step")
        span = float(steps[-1] - steps[0]) if len(steps) > 1 else 1000.0
        half = max(100.0, 0.15 * span)
        self.plots["loss"].setXRange(step - half, step + half, padding=0)
        for line in self._cursors.values():
            line.setPos(step)
            line.setVisible(True)
        self._readout_at(step)

    def clear(self) -> None:
        self.quality = History(("step",))
        self.mark_alarms([])
        self.history.clear()
        self.smoothed.clear()
        self._smoothers = {k: EmaSmoother(SMOOTHING) for k in SMOOTHED}
        self.throttle.stop()
        self._updates_on()  # a redraw stopped half-way leaves none off
        self._redraw()
        self.readout.setText(" ")

    def _begin_redraw(self) -> None:
        """A redraw begins: every plot's updates off until its turn, the loss plot's data."""
        for name in PLOT_ORDER:
            self.plots[name].setUpdatesEnabled(False)
        self._redraw_plot(PLOT_ORDER[0], paint=False)

    def _redraw_plot(self, name: str, paint: bool = True) -> None:
        """One plot's part of a redraw (ThrottledRedraw paints it right after)."""
        self._redraw(only=name)
        if paint:
            self.plots[name].setUpdatesEnabled(True)

    def _x_moved(self, *_) -> None:
        if not self.plots[PLOT_ORDER[0]].getPlotItem().getViewBox().autoRangeEnabled()[0]:
            self.throttle.request()

    def _updates_on(self) -> None:
        for plot in self.plots.values():
            plot.setUpdatesEnabled(True)

    def _redraw(self, only: str | None = None) -> None:
        """Give the curves of one plot (or of all) the data received so far."""
        x = self.history.column("step")
        xs = self.smoothed.column("step")
        self.extent.set_extent(*((x[0], x[-1]) if len(x) else (None, None)))
        lead = self.plots[PLOT_ORDER[0]].getPlotItem().getViewBox()  # drives the x axis
        # thinned to the steps in view: all of them unless someone zoomed in
        x0 = x1 = None
        if not lead.autoRangeEnabled()[0]:
            x0, x1 = lead.viewRange()[0]
        for key, name, _, plot in SERIES:
            if only is not None and plot != only:
                continue
            pixels = max(100, int(self.plots[plot].getPlotItem().getViewBox().width()))
            y = self.history.column(key)
            self.curves[name].set_points(x, y, thin(x, y, x0, x1, pixels))
            if key in SMOOTHED:
                ys = self.smoothed.column(key)
                self.curves[name + " (smoothed)"].set_points(xs, ys,
                                                             thin(xs, ys, x0, x1, pixels))

        if only is None or only == "quality":
            qx = self.quality.column("step")
            for key, _, scale in self._quality_spec:
                if key in self.quality.names:
                    y = scale * self.quality.column(key)
                    kept = np.isfinite(y)  # a number measured less often joins its points
                    self.quality_curves[key].setData(qx[kept], y[kept])

    def curve(self, name: str) -> pg.PlotDataItem:
        return self.curves[name]

    # --- hover --------------------------------------------------------------------------------
    def _hover(self, plot: pg.PlotWidget, pos) -> None:
        vb = plot.getPlotItem().getViewBox()
        if not plot.sceneBoundingRect().contains(pos) or not len(self.history):
            return
        self._readout_at(vb.mapSceneToView(pos).x())

    def _readout_at(self, x: float) -> None:
        steps = self.history.column("step")
        if not len(steps):
            return
        i = int(np.clip(np.searchsorted(steps, x), 0, len(steps) - 1))
        if i > 0 and abs(steps[i - 1] - x) < abs(steps[i] - x):
            i -= 1
        for line in self._cursors.values():
            line.setPos(steps[i])
            line.setVisible(True)
        parts = [f"step {int(steps[i]):,}"]
        for key, name, *_ in SERIES:
            parts.append(f"{name} {self.history.column(key)[i]:.4g}")
        q = self.quality.column("step")
        if len(q) and self._quality_spec:  # the measurement nearest the step
            j = int(np.argmin(np.abs(q - steps[i])))
            key, name, scale = self._quality_spec[0]
            if key in self.quality.names:
                parts.append(f"{name} {scale * self.quality.column(key)[j]:.4g} "
                             f"(step {int(q[j]):,})")
        self.readout.setText("   ".join(parts))

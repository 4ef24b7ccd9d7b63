"""A/B: another run's curves over this one's. "Compare with a run folder..." (File menu, and the
plots' right-click menu) reads that folder's metrics.csv in the background with the core's
``training/run_folder.py`` and draws its smoothed losses and its quality measurements dashed,
named "... (B: its folder)", on the plots; "Remove the comparison" takes them away. They stay
while this window's runs come and go: the point is to compare.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFileDialog

# (record key, curve name, colour, plot) of the other run
B_SERIES = (("d_loss", "D loss", "#d62728", "loss"), ("g_loss", "G loss", "#1f77b4", "loss"))
B_QUALITY = (("hq", "samples on target (%)", 1.0), ("classifier_fd", "FD", 1.0),
             ("density_js", "JS", 1.0))
SMOOTHING = 0.02  # as the live plots' smoothed curves
THIN_TO = 1500  # pixel columns' worth of points kept of the other run's curves


def read_run(folder: Path) -> dict:
    """The other run's numbers as columns: {"step", "d_loss", ..., "quality": [(step,
    values)]} (off the UI thread; a big metrics.csv is read in pieces)."""
    from ganstudio.training.history import EmaSmoother
    from ganstudio.training.run_folder import RunFolder

    run = RunFolder(folder)
    records, quality = [], []
    while True:
        update = run.poll()
        if update.restarted:
            records, quality = [], []
        records += update.records
        quality += update.quality
        if not update.more:
            break
    out: dict = {"step": np.array([r["step"] for r in records], dtype=np.float64),
                 "quality": quality, "name": run.name}
    for key, *_ in B_SERIES:
        values = np.array([r.get(key, np.nan) for r in records], dtype=np.float64)
        out[key] = EmaSmoother(SMOOTHING)(values)
    return out


class RunComparison(QObject):
    """The other run drawn on ``plots`` (a MetricsPlots)."""

    compared = Signal(str)  # the folder's name, once its curves are drawn
    error = Signal(str, str)  # (title, message)

    def __init__(self, plots, jobs, parent_widget, last_dir=lambda: ""):
        super().__init__(parent_widget)
        self.plots = plots
        self.jobs = jobs
        self.parent_widget = parent_widget
        self.last_dir = last_dir
        self.folder: Path | None = None
        self.curves: list[tuple[object, pg.PlotDataItem]] = []  # (plot, curve)
        self.compare_action = QAction("Compare with a run folder...", parent_widget)
        self.compare_action.setToolTip("Draw another run's losses and quality over this one's "
                                       "(A/B), from its folder's metrics.csv")
        self.compare_action.triggered.connect(lambda _=False: self.choose_folder())
        self.remove_action = QAction("Remove the comparison", parent_widget)
        self.remove_action.triggered.connect(lambda _=False: self.remove())
        self.remove_action.setEnabled(False)
        for plot in plots.plots.values():  # the plots' right-click menu
            menu = plot.getPlotItem().getViewBox().menu
            menu.addSeparator()
            menu.addAction(self.compare_action)
            menu.addAction(self.remove_action)

    def choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self.parent_widget, "Compare with a run folder",
                                                  str(self.last_dir() or ""))
        if folder:
            self.compare(folder)

    def compare(self, folder) -> None:
        """Read ``folder``'s metrics in the background, then draw them."""
        folder = Path(folder)
        self.jobs.submit("compare", lambda _progress: read_run(folder),
                         done=lambda result: self._show(folder, result),
                         failed=lambda m: self.error.emit("Cannot compare with that folder", m))

    def _show(self, folder: Path, data: dict) -> None:
        self.remove()
        self.folder = folder
        tag = f"(B: {data['name']})"
        x = data["step"]
        for key, name, colour, plot in B_SERIES:
            self._add(plot, f"{name} {tag}", x, data[key], colour)
        if data["quality"]:
            keys = set().union(*(set(v) for _, v in data["quality"]))
            for key, name, scale in B_QUALITY:
                if key in keys:
                    qx = np.array([s for s, v in data["quality"] if key in v], dtype=np.float64)
                    qy = np.array([scale * v[key] for _, v in data["quality"] if key in v])
                    self._add("quality", f"{name} {tag}", qx, qy, "#7a4fd0")
                    break
        self.remove_action.setEnabled(True)
        self.compared.emit(data["name"])

    def _add(self, plot_name: str, name: str, x, y, colour) -> None:
        from ganstudio.gui.training_view.plotpaint import thin

        plot = self.plots.plots[plot_name]
        # thinned once (the data never changes): no downsampling per paint, whose moving
        # bounds can keep an auto-ranged axis changing (plotpaint.XExtent)
        x, y = thin(np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64), None,
                    None, THIN_TO)
        curve = pg.PlotDataItem(x, y, name=name,
                                pen=pg.mkPen(colour, width=1.5, style=Qt.PenStyle.DashLine))
        curve.setDownsampling(auto=False)
        curve.setClipToView(False)
        curve.compared = True  # for tests and tools
        plot.addItem(curve)
        self.curves.append((plot, curve))

    def remove(self) -> None:
        for plot, curve in self.curves:
            plot.removeItem(curve)
            legend = plot.getPlotItem().legend
            if legend is not None:
                legend.removeItem(curve)
        self.curves = []
        self.folder = None
        self.remove_action.setEnabled(False)

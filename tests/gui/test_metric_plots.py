"""The window's live plots draw each step number the table (training/step_metrics.py) gives a
plot, under its title, with a moving average where the entry asks for one."""

import numpy as np

from ganstudio.gui.training_view.plots import MetricsPlots
from ganstudio.training.step_metrics import STEP_METRICS


def test_each_plotted_number_gets_its_curve_under_its_title(qtbot):
    plots = MetricsPlots()
    qtbot.addWidget(plots)
    records = [{name: float(i) * (k + 1) for k, name in enumerate(STEP_METRICS)}
               | {"step": float(i)} for i in range(1, 21)]
    plots.append(records)
    plots.flush()
    plotted = [m for m in STEP_METRICS.values() if m.plot]
    assert len(plotted) >= 6
    for m in plotted:
        curve = plots.curve(m.title)
        assert curve in plots.plots[m.plot].getPlotItem().items, m.name
        # the data given to the curve (what it draws is clipped to the plot's view)
        assert np.array_equal(curve.xData, np.arange(1, 21)), m.name
        assert np.array_equal(curve.yData, [r[m.name] for r in records]), m.name
        if m.smoothed:
            smooth = plots.curve(m.title + " (smoothed)")
            assert len(smooth.yData) == 20 and np.all(np.isfinite(smooth.yData)), m.name
    plots.show_step(10)
    for m in plotted:  # the hover readout names each one
        assert m.title in plots.readout.text()

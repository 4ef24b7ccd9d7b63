"""The live views keep the window answering while training runs: each redraw is cut into
short pieces, one per turn of the event loop, and the 2-D picture comes coloured from the
training thread."""

import numpy as np
from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QApplication

from ganstudio.gui.training_view.plots import MetricsPlots


def records(first, n):
    return [dict(step=i, d_loss=np.sin(i / 50), g_loss=1.0, d_real=0.5, d_fake=0.5,
                 d_grad_norm=1.0, g_grad_norm=1.0) for i in range(first, first + n)]


def test_a_redraw_paints_one_plot_per_turn_of_the_event_loop(qtbot):
    """All four plots painted in one UI event kept the window from answering for 30-70 ms
    while training ran; now no turn paints more than one of them, and each is painted once."""
    plots = MetricsPlots()
    qtbot.addWidget(plots)
    plots.resize(500, 700)
    plots.show()
    qtbot.waitExposed(plots)
    plots.append(records(1, 3000))
    plots.flush()
    QApplication.processEvents()
    painted = []

    class CountPaints(QObject):
        def eventFilter(self, obj, event):
            if event.type() == QEvent.Type.Paint:
                for name, plot in plots.plots.items():
                    if obj is plot.viewport():
                        painted.append(name)
            return False

    counter = CountPaints()
    for plot in plots.plots.values():
        plot.viewport().installEventFilter(counter)
    plots.append(records(3001, 500))  # the x axis moves: every plot needs painting
    plots.throttle.stop()
    plots.throttle._begin()  # what the timer runs: the first piece
    turns = [list(painted)]
    while plots.throttle._next is not None:
        painted.clear()
        plots.throttle._draw_next()  # what each later turn of the loop runs
        turns.append(list(painted))
    assert all(len(t) <= 1 for t in turns), turns
    assert sorted(sum(turns, [])) == sorted(plots.plots), turns
    assert all(p.updatesEnabled() for p in plots.plots.values())


def test_clearing_mid_redraw_leaves_every_plot_drawing(qtbot):
    plots = MetricsPlots()
    qtbot.addWidget(plots)
    plots.show()
    plots.append(records(1, 100))
    plots.throttle.stop()
    plots.throttle._begin()  # a redraw under way: the later plots wait with updates off
    plots.clear()
    assert all(p.updatesEnabled() for p in plots.plots.values())


def test_the_heat_map_is_drawn_as_the_training_thread_coloured_it(qtbot):
    from ganstudio.gui.training_view.plane import PlaneWidget
    from ganstudio.training import visuals

    view = PlaneWidget()
    qtbot.addWidget(view)
    heat = np.zeros((4, 4), dtype=np.float32)
    heat[0, :] = 1.0  # row 0 is the bottom of the plane: "real" there
    picture = visuals.PlaneView((-1, 1, -1, 1), (-1, 1, -1, 1), np.zeros((3, 2)),
                                np.zeros((3, 2)), heat, None, None, 7, visuals.heat_rgb32(heat))
    view.show_view(picture)
    image = view.heat.image()
    assert image is not None and (image.width(), image.height()) == (4, 4)
    green, purple = visuals.HEAT_COLOURS[2], visuals.HEAT_COLOURS[0]
    assert image.pixelColor(0, 0).getRgb()[:3] == green
    assert image.pixelColor(0, 3).getRgb()[:3] == purple

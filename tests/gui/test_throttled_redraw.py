"""Live views redraw on a timer, one view per turn of the event loop, never all in one go."""

from PySide6.QtWidgets import QApplication, QWidget

from ganstudio.gui.widgets import ThrottledRedraw


def make(qtbot, n=3, interval=0.05):
    host = QWidget()
    qtbot.addWidget(host)
    drawn = []
    parts = [(lambda i=i: drawn.append(i), None) for i in range(n)]
    throttle = ThrottledRedraw(host, parts, min_interval=interval)
    throttle.host = host  # the timers live as long as their view
    return throttle, drawn


def test_requests_are_gathered_into_one_redraw(qtbot):
    throttle, drawn = make(qtbot)
    for _ in range(20):  # data arriving fast
        throttle.request()
    qtbot.waitUntil(lambda: len(drawn) == 3, timeout=2000)
    qtbot.wait(150)
    assert drawn == [0, 1, 2]  # once, in order, not 20 times


def test_each_part_is_drawn_in_its_own_turn_of_the_event_loop(qtbot):
    throttle, drawn = make(qtbot)
    throttle._begin()  # what the timer runs
    # the first part ran inside one event; the next waits for another turn of the loop
    assert drawn == [0]
    QApplication.processEvents()
    qtbot.waitUntil(lambda: drawn == [0, 1, 2], timeout=2000)


def test_data_arriving_mid_redraw_gets_another_redraw(qtbot):
    throttle, drawn = make(qtbot)
    throttle._begin()  # the timer's moment: the first part is drawn, two are still to come
    assert drawn == [0]
    throttle.request()  # new data while parts 1 and 2 are still to come
    qtbot.waitUntil(lambda: drawn == [0, 1, 2, 0, 1, 2], timeout=2000)


def test_flush_draws_everything_at_once_and_stop_cancels(qtbot):
    throttle, drawn = make(qtbot)
    throttle.flush()
    assert drawn == [0, 1, 2]
    throttle.request()
    throttle.stop()
    qtbot.wait(200)
    assert drawn == [0, 1, 2]

"""A GAN Studio window in a process of its own, training a small ring run, for the tests that
signal a real window process (tests/gui/test_window_signals.py). Prints "training" once the run
is past step 20, and "closed" when the window has closed."""

import os
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", ".."))

from PySide6.QtCore import QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from ganstudio.gui.app import _end_cleanly_on_signals  # noqa: E402
from tests.conftest import tiny_config  # noqa: E402


def main() -> int:
    app = QApplication([])
    from ganstudio.gui.main_window import MainWindow

    window = MainWindow()
    _end_cleanly_on_signals(app, window)
    window.show()
    said = []

    def watch():
        if window.engine_ready and not window.controller.running and not said:
            cfg = tiny_config("ring", training__steps=0)
            window.set_config(cfg)
            window.train()
            said.append("started")
        if window.last_step > 20 and len(said) == 1:
            print("training", flush=True)
            said.append("training")

    timer = QTimer()
    timer.timeout.connect(watch)
    timer.start(50)
    code = app.exec()
    print("closed", flush=True)
    return code


if __name__ == "__main__":
    sys.exit(main())

"""The desktop bundle's entry point: the ganstudio command (no command opens the window).

GANSTUDIO_QUIT_AFTER=SECONDS is for measuring the bundle (packaging/README.md), not for users:
once the main window is shown it prints "window shown at EPOCH" (and "engine loaded at EPOCH"
once torch is in) to stderr, then closes the window SECONDS later, as a person would.
"""

import os
import sys
import time


def _close_after_shown(seconds: float) -> None:
    # the window's own start-up code reuses this QApplication (QApplication.instance())
    from PySide6.QtCore import QEvent, QObject, QTimer
    from PySide6.QtWidgets import QApplication, QMainWindow

    app = QApplication(sys.argv[:1])

    def say(what: str) -> None:
        print(f"{what} at {time.time():.3f}", file=sys.stderr, flush=True)

    class ShownWatcher(QObject):
        def eventFilter(self, obj, event):
            if event.type() == QEvent.Type.Show and isinstance(obj, QMainWindow):
                app.removeEventFilter(self)
                # the next turn of the event loop: the window has been laid out and painted
                QTimer.singleShot(0, lambda: say("window shown"))
                loaded = getattr(obj, "engine_loaded", None)
                if loaded is not None:
                    loaded.connect(lambda: say("engine loaded"))
                QTimer.singleShot(int(seconds * 1000), obj.close)
            return False

    watcher = ShownWatcher(app)
    app.installEventFilter(watcher)
    app._ganstudio_shown_watcher = watcher  # kept alive as long as the app


if __name__ == "__main__":
    quit_after = os.environ.get("GANSTUDIO_QUIT_AFTER")
    if quit_after:
        _close_after_shown(float(quit_after))
    from ganstudio.cli import main

    sys.exit(main())

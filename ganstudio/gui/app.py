"""Starting the window: ``ganstudio`` with no command (or ``ganstudio gui`` / ``explore``)."""

from __future__ import annotations

import os
import sys


def display_available() -> bool:
    """Whether Qt can open a window here (Linux needs X11 or Wayland; offscreen counts)."""
    if os.environ.get("QT_QPA_PLATFORM"):
        return True
    if sys.platform.startswith("linux"):
        return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    return True


def _end_cleanly_on_signals(app, window) -> None:
    """SIGTERM (what a logout or `kill` sends) and SIGHUP end the window as closing it does,
    without a question: the run is saved between two steps and stopped, then the window closes.
    A logout through the session manager does the same. Python runs signal handlers only when
    it gets control, so a short timer gives it control while Qt's event loop waits."""
    import signal

    from PySide6.QtCore import QTimer

    def handler(signum, frame):
        QTimer.singleShot(0, window.save_and_quit)

    for sig in (signal.SIGTERM, getattr(signal, "SIGHUP", None)):
        if sig is not None:
            signal.signal(sig, handler)
    tick = QTimer(window)
    tick.timeout.connect(lambda: None)
    tick.start(200)
    app.commitDataRequest.connect(window.save_and_quit)


def name_application(app) -> None:
    """The names the system shows, and that place the app's files (main_window.data_dir)."""
    app.setApplicationName("GAN Studio")
    app.setOrganizationName("GAN Studio")
    app.setApplicationDisplayName("GAN Studio")


def main(checkpoint: str | None = None, explore: bool = False) -> int:
    if not display_available():
        print("ganstudio: no display found to open the window; to train without it, run: "
              "ganstudio train --preset ring", file=sys.stderr)
        return 2
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(sys.argv[:1])
    name_application(app)

    from ganstudio.gui.main_window import MainWindow, app_settings
    from ganstudio.gui.theme import apply_theme

    settings = app_settings()
    apply_theme(app, str(settings.value("theme", "light")))
    window = MainWindow(settings=settings)
    _end_cleanly_on_signals(app, window)
    window.show()
    if checkpoint:
        if explore:
            window.view_tabs.setCurrentWidget(window.explorer)
        # once the engine is loaded, so the window appears first; `explore` opens it for
        # exploring only, `gui CKPT` restores the run ready to continue
        window.engine_loaded.connect(
            lambda: window.open_checkpoint(checkpoint, resume=not explore))
    return app.exec()

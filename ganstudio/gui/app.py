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


def main(checkpoint: str | None = None, explore: bool = False) -> int:
    if not display_available():
        print("ganstudio: no display found to open the window; to train without it, run: "
              "ganstudio train --preset ring", file=sys.stderr)
        return 2
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("GAN Studio")
    app.setOrganizationName("GAN Studio")
    app.setApplicationDisplayName("GAN Studio")

    from ganstudio.gui.main_window import MainWindow, app_settings
    from ganstudio.gui.theme import apply_theme

    settings = app_settings()
    apply_theme(app, str(settings.value("theme", "light")))
    window = MainWindow(settings=settings)
    window.show()
    if checkpoint:
        if explore:
            window.view_tabs.setCurrentWidget(window.explorer)
        # once the engine is loaded, so the window appears first; `explore` opens it for
        # exploring only, `gui CKPT` restores the run ready to continue
        window.engine_loaded.connect(
            lambda: window.open_checkpoint(checkpoint, resume=not explore))
    return app.exec()

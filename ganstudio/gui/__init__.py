"""The GAN Studio window (PySide6). ``MainWindow()`` builds it without showing it."""

from ganstudio.gui.main_window import MainWindow

__all__ = ["MainWindow"]

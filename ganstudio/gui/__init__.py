"""The GAN Studio window (PySide6). ``MainWindow()`` builds it without showing it."""

import os

# Qt's raster engine splits each large fill (a plot's background, a big picture) across a pool
# of helper threads and waits for them. While training keeps every core busy, each split wakes
# threads that must push training's threads off a core: ~320 wake-ups a second here while the
# window trains the ring preset, none without the pool; the window's fills are small and cost
# the UI thread no more done in place (measured: training in the window 0.951 -> 0.954 of
# detached, within the benchmark's noise). Set before any painting; a user's own value wins.
os.environ.setdefault("QT_NO_GUI_THREADPOOL", "1")

from ganstudio.gui.main_window import MainWindow  # noqa: E402

__all__ = ["MainWindow"]

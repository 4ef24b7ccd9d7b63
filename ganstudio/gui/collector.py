"""Python's cycle collector runs only in the UI thread while the window is open.

Left to itself, the collector runs in whichever thread happens to allocate enough objects, and
frees every unreachable cycle there, Qt objects included. Run in the training thread, it
destroyed widgets left over from a closed window: Qt's destructor took a Qt lock and waited for
the GIL, while the UI thread held the GIL and waited for that lock. Both stopped for good (seen
in CI: the test run hung until killed after 90 minutes). pyqtgraph's GarbageCollector turns the
automatic collector off and collects on a timer in the thread that created it instead.

A full collection walks every object: with torch loaded, ~234,000 of them, 118 ms here, a
visible stall of the UI. Once the engine is loaded, ``freeze_loaded_modules()`` moves what
exists then (modules, classes, functions: kept for good anyway) out of the collector's sight
(gc.freeze), and full collections take well under a millisecond.
"""

from __future__ import annotations

import threading

_collector = None


def collect_in_ui_thread() -> None:
    """Call from the UI thread once a QApplication exists; later calls do nothing."""
    global _collector
    if _collector is not None:
        return
    if threading.current_thread() is not threading.main_thread():
        raise RuntimeError("the garbage collector must be started from the UI thread")
    from pyqtgraph.util.garbage_collector import GarbageCollector

    _collector = GarbageCollector(interval=1.0)


def freeze_loaded_modules() -> None:
    """Call once the heavy imports are done (the engine is loaded), from the UI thread."""
    import gc

    gc.collect()
    gc.freeze()

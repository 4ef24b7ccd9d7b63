"""Rendering generator outputs off the UI thread, newest request first.

At most one render is in flight; a request made meanwhile replaces any older waiting one, so a
dragged slider never builds a queue and the picture shown is always of the latest position
(the pattern of stylegan3's async renderer).
"""

from __future__ import annotations

from typing import Any, Callable

from PySide6.QtCore import QObject, QThread, Signal, Slot


class _RenderWorker(QObject):
    done = Signal(int, object)
    failed = Signal(int, str)

    @Slot(int, object)
    def render(self, stamp: int, fn: Callable[[], Any]) -> None:
        from ganstudio.gui.jobs import _single_threaded_torch

        _single_threaded_torch()
        try:
            result = fn()
        except Exception as e:  # a broken model must not take the window down
            self.failed.emit(stamp, f"{type(e).__name__}: {e}")
            return
        self.done.emit(stamp, result)


class AsyncRenderer(QObject):
    """``request(fn)``: run ``fn()`` in the render thread; ``rendered(result)`` in the UI
    thread, only for the newest request."""

    rendered = Signal(object)
    failed = Signal(str)
    _go = Signal(int, object)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.thread = QThread()
        self.thread.setObjectName("render")
        self.worker = _RenderWorker()
        self.worker.moveToThread(self.thread)
        self._go.connect(self.worker.render)
        self.worker.done.connect(self._done)
        self.worker.failed.connect(self._failed)
        self.thread.start()
        self._stamp = 0
        self._in_flight = False
        self._waiting: Callable | None = None

    def request(self, fn: Callable[[], Any]) -> None:
        if self._in_flight:
            self._waiting = fn  # replaces an older waiting request
            return
        self._send(fn)

    def _send(self, fn: Callable) -> None:
        self._stamp += 1
        self._in_flight = True
        self._go.emit(self._stamp, fn)

    def _next(self) -> None:
        self._in_flight = False
        if self._waiting is not None:
            fn, self._waiting = self._waiting, None
            self._send(fn)

    def _done(self, stamp: int, result) -> None:
        newest = self._waiting is None and stamp == self._stamp
        self._next()
        if newest:
            self.rendered.emit(result)

    def _failed(self, stamp: int, message: str) -> None:
        self._next()
        self.failed.emit(message)

    @property
    def idle(self) -> bool:
        return not self._in_flight and self._waiting is None

    def shutdown(self, timeout_ms: int = 3000) -> bool:
        self._waiting = None
        self.thread.quit()
        return bool(self.thread.wait(timeout_ms))

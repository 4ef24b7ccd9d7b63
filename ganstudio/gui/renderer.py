"""Rendering generator outputs off the UI thread, newest request first.

At most one render is in flight; a request made meanwhile replaces any older waiting request of
the same kind ("picture", "strip"...), so a dragged slider never builds a queue and the picture
shown is always of the latest position (the pattern of stylegan3's async renderer), while a
request of another kind still gets its turn.
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
    """``request(fn, kind)``: run ``fn()`` in the render thread; ``rendered(result)`` in the UI
    thread, only for the newest request of each kind."""

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
        self._in_flight: str | None = None  # the kind being rendered
        self._waiting: dict[str, Callable] = {}  # newest waiting request of each kind

    def request(self, fn: Callable[[], Any], kind: str = "picture") -> None:
        if self._in_flight is not None:
            self._waiting.pop(kind, None)
            self._waiting[kind] = fn  # replaces an older waiting request of this kind
            return
        self._send(kind, fn)

    def _send(self, kind: str, fn: Callable) -> None:
        self._stamp += 1
        self._in_flight = kind
        self._go.emit(self._stamp, fn)

    def _next(self) -> None:
        self._in_flight = None
        if self._waiting:
            kind = next(iter(self._waiting))
            self._send(kind, self._waiting.pop(kind))

    def _done(self, stamp: int, result) -> None:
        kind = self._in_flight
        stale = kind in self._waiting  # a newer request of this kind is waiting
        self._next()
        if not stale:
            self.rendered.emit(result)

    def _failed(self, stamp: int, message: str) -> None:
        self._next()
        self.failed.emit(message)

    @property
    def idle(self) -> bool:
        return self._in_flight is None and not self._waiting

    def shutdown(self, timeout_ms: int = 3000) -> bool:
        self._waiting = {}
        self.thread.quit()
        return bool(self.thread.wait(timeout_ms))

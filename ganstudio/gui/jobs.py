"""Background jobs for the UI: loading the engine, reading data for the preview, counting weights.

One job at a time runs in a QThread. Each job has a kind ("data", "counts"...); submitting a new job
of a kind makes older ones of that kind stale: a stale job is skipped if it has not started, and
its result is dropped if it has (the pattern of stylegan3's async renderer).
"""

from __future__ import annotations

from typing import Any, Callable

from PySide6.QtCore import QObject, QThread, Signal, Slot

from ganstudio.errors import user_message

# a job: fn(progress) -> result, where progress(done, total, what)
Job = Callable[[Callable[[int, int, str], None]], Any]


class _JobWorker(QObject):
    progress = Signal(str, int, int, int, str)
    done = Signal(str, int, object)
    failed = Signal(str, int, str)

    def __init__(self, runner: "JobRunner"):
        super().__init__()
        self.runner = runner

    @Slot(str, int, object)
    def run(self, kind: str, stamp: int, fn: Job) -> None:
        if self.runner.latest.get(kind) != stamp:
            return  # superseded before it started
        _single_threaded_torch()
        try:
            result = fn(lambda done, total, what: self.progress.emit(kind, stamp, done, total,
                                                                   what))
        except Exception as e:
            self.failed.emit(kind, stamp, user_message(e))
            return
        self.done.emit(kind, stamp, result)


def _single_threaded_torch() -> None:
    """Helper threads use one torch thread, leaving the cores to training: once a thread has
    run torch's parallel code, its idle pool slows other threads' torch work (measured here:
    126 -> 60 steps/s for training beside it). See training/threads.py."""
    import sys

    if "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(1)


class JobRunner(QObject):
    """``submit(kind, fn)``; ``done(kind, result)`` / ``failed(kind, message)`` /
    ``progress(kind, done, total, what)`` arrive in the UI thread for current jobs only."""

    progress = Signal(str, int, int, str)
    done = Signal(str, object)
    failed = Signal(str, str)
    _submit = Signal(str, int, object)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.latest: dict[str, int] = {}
        self._stamp = 0
        self.thread = QThread()
        self.thread.setObjectName("jobs")
        self.worker = _JobWorker(self)
        self.worker.moveToThread(self.thread)
        self._submit.connect(self.worker.run)
        self.worker.progress.connect(self._on_progress)
        self.worker.done.connect(self._on_done)
        self.worker.failed.connect(self._on_failed)
        self.thread.start()

    def submit(self, kind: str, fn: Job) -> int:
        self._stamp += 1
        self.latest[kind] = self._stamp
        self._submit.emit(kind, self._stamp, fn)
        return self._stamp

    def cancel(self, kind: str) -> None:
        """Make any queued or running job of this kind stale."""
        self.latest[kind] = 0

    def busy(self, kind: str) -> bool:
        return self.latest.get(kind, 0) > 0

    def _current(self, kind: str, stamp: int) -> bool:
        return self.latest.get(kind) == stamp

    def _on_progress(self, kind, stamp, done, total, what) -> None:
        if self._current(kind, stamp):
            self.progress.emit(kind, done, total, what)

    def _on_done(self, kind, stamp, result) -> None:
        if self._current(kind, stamp):
            self.latest[kind] = 0
            self.done.emit(kind, result)

    def _on_failed(self, kind, stamp, message) -> None:
        if self._current(kind, stamp):
            self.latest[kind] = 0
            self.failed.emit(kind, message)

    def shutdown(self, timeout_ms: int = 5000) -> bool:
        for k in list(self.latest):
            self.cancel(k)
        self.thread.quit()
        return bool(self.thread.wait(timeout_ms))

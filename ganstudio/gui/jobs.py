"""Background jobs for the window: loading the engine, reading data for the preview, counting
weights, exports. A ``TaskThread`` (gui/tasks.py) named "jobs": ``submit(kind, fn, done=...,
failed=..., progress=...)`` runs ``fn(progress)``; a newer job of a kind makes older ones stale.

Without callbacks a job answers through the signals ``done(kind, result)``, ``failed(kind,
message)`` and ``progress(kind, done, total, what)``.
"""

from __future__ import annotations

from typing import Any, Callable

from PySide6.QtCore import QObject, Signal

from ganstudio.gui.tasks import TaskThread

# a job: fn(progress) -> result, where progress(done, total, what)
Job = Callable[[Callable[[int, int, str], None]], Any]


class JobRunner(TaskThread):
    progress = Signal(str, int, int, str)
    done = Signal(str, object)
    failed = Signal(str, str)

    def __init__(self, parent: QObject | None = None):
        super().__init__("jobs", parent)

    def submit(self, kind: str, fn: Job, *, done: Callable[[Any], None] | None = None,
               failed: Callable[[str], None] | None = None,
               progress: Callable[[int, int, str], None] | None = None) -> int:
        return super().submit(
            fn, kind=kind,
            done=done or (lambda result: self.done.emit(kind, result)),
            failed=failed or (lambda message: self.failed.emit(kind, message)),
            progress=progress or (lambda d, t, w: self.progress.emit(kind, d, t, w)))

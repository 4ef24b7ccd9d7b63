"""The window's one thread helper: a named thread that runs functions and answers in the UI
thread.

``TaskThread.submit(fn, kind=..., done=..., failed=..., progress=...)`` runs ``fn`` in the thread,
one task at a time, in order; ``done(result)`` / ``failed(message)`` / ``progress(done, total,
what)`` are called in the UI thread. Tasks of a *kind* ("data", "picture"...) replace each other:
submitting one makes older ones of that kind stale, so a stale task that has not started is
skipped and one that has is answered by nobody. A dragged slider never builds a queue, and the
picture shown is always of the latest position (the pattern of stylegan3's async renderer).

Every background thread of the window is one of these: loading the engine and data
(``jobs``), rendering the explorer's pictures (``render``), and training (``training``), whose
one long task is the session loop. ``call_in_ui(fn, *args)`` runs ``fn`` in the UI thread from
any thread (how the training thread answers requests between two steps).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Any, Callable

from PySide6.QtCore import QObject, QThread, Signal, Slot

from ganstudio.errors import user_message


def single_threaded_torch() -> None:
    """Helper threads use one torch thread, leaving the cores to training: once a thread has
    run torch's parallel code, its idle pool slows other threads' torch work (measured here:
    126 -> 60 steps/s for training beside it). See training/threads.py."""
    if "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(1)


@dataclass
class _Task:
    ticket: int
    kind: str | None
    fn: Callable
    done: Callable[[Any], None] | None
    failed: Callable[[str], None] | None
    progress: Callable[[int, int, str], None] | None


class _Worker(QObject):
    """Lives in the thread; runs tasks and hands every answer to the owner's UI-thread slot."""

    deliver = Signal(object, object)  # (fn, args): run fn(*args) in the UI thread

    def __init__(self, owner: "TaskThread", one_torch_thread: bool):
        super().__init__()
        self.owner = owner
        self.one_torch_thread = one_torch_thread

    @Slot(object)
    def run(self, task: _Task) -> None:
        owner = self.owner
        if not owner.is_current(task):  # superseded before it started
            owner.call_in_ui(owner._finished, task, None, None)
            return
        if self.one_torch_thread:
            single_threaded_torch()
        try:
            if task.progress is not None:
                result = task.fn(lambda done, total, what: owner.call_in_ui(
                    owner._progress, task, done, total, what))
            else:
                result = task.fn()
        except Exception as e:  # shown in words; a broken task must not take the window down
            owner.call_in_ui(owner._finished, task, None, user_message(e))
            return
        owner.call_in_ui(owner._finished, task, result, None)


class TaskThread(QObject):
    _run = Signal(object)

    def __init__(self, name: str, parent: QObject | None = None, *,
                 one_torch_thread: bool = True):
        super().__init__(parent)
        self.thread = QThread()
        self.thread.setObjectName(name)
        self._worker = _Worker(self, one_torch_thread)
        self._worker.moveToThread(self.thread)
        self._run.connect(self._worker.run)
        # answers go out through the worker's signal (it outlives a closed window's objects)
        # and arrive queued in the UI thread, where this object lives
        self._worker.deliver.connect(self._on_deliver)
        self._latest: dict[str, int] = {}
        self._ticket = 0
        self._outstanding = 0  # submitted, not yet answered (or skipped)
        self.thread.start()

    # --- from the UI thread ----------------------------------------------------------------------
    def submit(self, fn: Callable, *, kind: str | None = None,
               done: Callable[[Any], None] | None = None,
               failed: Callable[[str], None] | None = None,
               progress: Callable[[int, int, str], None] | None = None) -> int:
        """Run ``fn()`` in the thread (``fn(report)`` when ``progress`` is given, with
        ``report(done, total, what)``)."""
        self._ticket += 1
        if kind is not None:
            self._latest[kind] = self._ticket
        self._outstanding += 1
        self._run.emit(_Task(self._ticket, kind, fn, done, failed, progress))
        return self._ticket

    def cancel(self, kind: str) -> None:
        """Make any queued or running task of this kind stale."""
        self._latest[kind] = 0

    def busy(self, kind: str) -> bool:
        return self._latest.get(kind, 0) > 0

    @property
    def idle(self) -> bool:
        """Nothing queued or running."""
        return self._outstanding == 0

    def is_current(self, task: _Task) -> bool:
        return task.kind is None or self._latest.get(task.kind) == task.ticket

    def shutdown(self, timeout_ms: int = 5000) -> bool:
        """Stop taking tasks and end the thread (at exit: bounded)."""
        for k in list(self._latest):
            self.cancel(k)
        self.thread.quit()
        return bool(self.thread.wait(timeout_ms))

    # --- from any thread -------------------------------------------------------------------------
    def call_in_ui(self, fn: Callable, *args) -> None:
        """Run ``fn(*args)`` in the UI thread, soon (never waits). Once the window is gone, an
        answer has nobody to go to and is dropped."""
        try:
            self._worker.deliver.emit(fn, args)
        except RuntimeError:  # the objects were deleted with the window
            pass

    # --- in the UI thread ------------------------------------------------------------------------
    def _on_deliver(self, fn, args) -> None:
        fn(*args)

    def _progress(self, task: _Task, done: int, total: int, what: str) -> None:
        if self.is_current(task) and task.progress is not None:
            task.progress(done, total, what)

    def _finished(self, task: _Task, result, message: str | None) -> None:
        self._outstanding -= 1
        if not self.is_current(task):
            return
        if task.kind is not None:
            self._latest[task.kind] = 0
        if message is None:
            if task.done is not None:
                task.done(result)
        elif task.failed is not None:
            task.failed(message)

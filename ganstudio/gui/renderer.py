"""Rendering generator outputs off the UI thread, newest request first: a ``TaskThread``
(gui/tasks.py) named "render".

``request(fn, kind)`` runs ``fn()`` there; ``rendered(result)`` arrives in the UI thread only for
the newest request of each kind ("picture", "strip"...), so a dragged slider never builds a queue
and the picture shown is always of the latest position, while a request of another kind still
gets its turn.
"""

from __future__ import annotations

from typing import Any, Callable

from PySide6.QtCore import QObject, Signal

from ganstudio.gui.tasks import TaskThread


class AsyncRenderer(TaskThread):
    rendered = Signal(object)
    failed = Signal(str)

    def __init__(self, parent: QObject | None = None):
        super().__init__("render", parent)

    def request(self, fn: Callable[[], Any], kind: str = "picture") -> None:
        self.submit(fn, kind=kind, done=self.rendered.emit, failed=self.failed.emit)

    def shutdown(self, timeout_ms: int = 3000) -> bool:
        return super().shutdown(timeout_ms)

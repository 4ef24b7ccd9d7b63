"""Training off the UI thread: a QObject worker on a QThread, and its UI-side controller.

The worker builds the Trainer (reading the data with progress) and runs a core TrainingSession in
its thread; the session's callbacks become Qt signals, which reach the UI thread queued. The
session limits them to 3 metric batches and 2.5 pictures per second.

The UI thread never waits: Pause, Resume, Step and Stop set thread-safe flags on the session, and
requests that need the trainer (save a checkpoint, snapshot the generator) are queued to run in
the training thread between two steps, answering with a signal.
"""

from __future__ import annotations

import traceback
from typing import Any, Callable

from PySide6.QtCore import QObject, QThread, Signal, Slot

from ganstudio.errors import user_message


# metric batches reach the window 3 times a second: the plots redraw once a second, the
# status bar's step count still ticks, and each batch wakes the UI thread, which on two cores
# stalls training's thread team (measured: 100 extra wake-ups a second cost training 2-5% here)
METRICS_INTERVAL = 0.33
# pictures (the 2-D view, sample grids) 2.5 times a second at most: drawing one costs training
# about twice its own UI time (the UI thread takes a core from training's thread team), and
# the 2-D view's ~3 a second cost training ~4% here (ring: picture 1.5%, drawing 2.3%)
PICTURE_INTERVAL = 0.4


def _one_line(e: BaseException) -> str:
    return "".join(traceback.format_exception_only(type(e), e)).strip().splitlines()[-1]


class TrainingWorker(QObject):
    """Lives in the training thread."""

    # (done, total, what) while the data is read or drawn
    loading = Signal(int, int, str)
    # (trainer facts) once the run is built: parameter counts, descriptions, history so far
    ready = Signal(dict)
    metrics = Signal(list)  # a batch of per-step records
    picture = Signal(object)  # numpy sample grid or visuals.PlaneView
    state = Signal(str, str)  # (state, message)
    failed = Signal(str)  # the run could not start or broke: plain words
    answered = Signal(object, object)  # (request id, result) for call()
    finished = Signal()

    def __init__(self):
        super().__init__()
        self.session = None
        self.trainer = None
        self.cancelled = False  # Stop pressed while the run was still being built
        # what the window shows, for the session still to be built (set from the UI thread)
        self.plane_layers: dict | None = None
        self.pictures = True

    @Slot(object, object, object, bool)
    def start(self, config, source, checkpoint, paused: bool) -> None:
        """Build a trainer (from a checkpoint when given) and run a session until stopped."""
        from ganstudio.training import Trainer
        from ganstudio.training.session import TrainingSession

        try:
            progress = lambda done, total, what: self.loading.emit(done, total, what)  # noqa
            trainer = Trainer(config, source=source, progress=progress)
            if checkpoint is not None:
                trainer.load_state(checkpoint)
        except Exception as e:  # data, device or checkpoint problems, in words
            self.failed.emit(_user_message(e))
            self.finished.emit()
            return
        self.trainer = trainer
        if self.cancelled:
            self.state.emit("stopped", "")
            self.finished.emit()
            return
        g, d = trainer.parameter_counts
        self.ready.emit(dict(g_params=g, d_params=d, spec=trainer.spec,
                             data=trainer.source.describe(), device=str(trainer.device),
                             steps_done=trainer.steps_done, history=trainer.history.to_arrays(),
                             elapsed=trainer.elapsed, target=trainer.config.training.steps))
        self.session = TrainingSession(
            trainer, on_metrics=self.metrics.emit, on_picture=self.picture.emit,
            on_state=self.state.emit, start_paused=paused, metrics_interval=METRICS_INTERVAL,
            picture_interval=PICTURE_INTERVAL,
            picture_ack=True,  # the window says when it has drawn one: none rendered in vain
            plane_layers=self.plane_layers, pictures=self.pictures)
        self.session.set_pictures(self.pictures)  # in case the window changed it meanwhile
        try:
            self.session.run()
        finally:
            self.finished.emit()

    @Slot(object, object)
    def call(self, request_id, fn: Callable) -> None:
        """Run ``fn(trainer)`` here once no session is running (e.g. after Stop)."""
        self.answered.emit(request_id, _guarded(fn, self.trainer))


def _user_message(e: BaseException) -> str:
    return user_message(e, context="The run could not start")


class Failure:
    """The result of a request that raised: its message in plain words."""

    def __init__(self, message: str):
        self.message = message


def _guarded(fn: Callable, trainer) -> Any:
    try:
        return fn(trainer)
    except Exception as e:
        return Failure(_user_message(e) if trainer is not None else _one_line(e))


class TrainingController(QObject):
    """The UI thread's handle on training. Owns the thread; forwards the worker's signals."""

    loading = Signal(int, int, str)
    ready = Signal(dict)
    metrics = Signal(list)
    picture = Signal(object)
    state = Signal(str, str)
    failed = Signal(str)
    finished = Signal()
    _start = Signal(object, object, object, bool)
    _call = Signal(object, object)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.thread = QThread()
        self.thread.setObjectName("training")
        self.worker = TrainingWorker()
        self.worker.moveToThread(self.thread)
        for name in ("loading", "ready", "metrics", "picture", "state", "failed"):
            getattr(self.worker, name).connect(getattr(self, name))
        self.worker.finished.connect(self._on_finished)
        self.worker.answered.connect(self._on_answer)
        self._start.connect(self.worker.start)
        self._call.connect(self.worker.call)
        self.thread.start()
        self.running = False  # a session is live (running or paused)
        self._callbacks: dict[int, Callable] = {}
        self._next_id = 0

    @property
    def session(self):
        return self.worker.session if self.running else None

    @property
    def trainer(self):
        return self.worker.trainer

    def start(self, config, source=None, checkpoint=None, paused: bool = False) -> None:
        if self.running:
            raise RuntimeError("a run is already live")
        self.running = True
        self.worker.session = None
        self.worker.cancelled = False
        self._start.emit(config, source, checkpoint, paused)

    def _on_finished(self) -> None:
        self.running = False
        self.finished.emit()

    # --- control (never blocks) -----------------------------------------------------------
    def _with_session(self, fn: Callable) -> None:
        s = self.worker.session
        if self.running and s is not None:
            fn(s)

    def pause(self) -> None:
        self._with_session(lambda s: s.pause())

    def resume(self) -> None:
        self._with_session(lambda s: s.resume())

    def step(self) -> None:
        self._with_session(lambda s: s.step_once())

    def set_plane_layers(self, layers: dict) -> None:
        """The layers of the 2-D view the window shows: training computes only those."""
        self.worker.plane_layers = dict(layers)  # for a session still to be built
        self._with_session(lambda s: s.set_plane_layers(layers))

    def set_pictures(self, on: bool) -> None:
        """Pictures while the window can show them; none while it cannot (another tab is in
        front, or it is minimised): each costs training time."""
        self.worker.pictures = on
        self._with_session(lambda s: s.set_pictures(on))

    def picture_shown(self) -> None:
        """The window has drawn the last picture: the session may render the next."""
        self._with_session(lambda s: s.picture_shown())

    def stop(self) -> None:
        if self.running and self.worker.session is None:
            self.worker.cancelled = True  # still building: end as soon as it is built
        self._with_session(lambda s: s.stop())

    def request(self, fn: Callable, on_result: Callable[[Any], None]) -> None:
        """Run ``fn(trainer)`` in the training thread; ``on_result`` gets its return value (or a
        Failure) in the UI thread."""
        self._next_id += 1
        rid = self._next_id
        self._callbacks[rid] = on_result
        s = self.worker.session
        if self.running and s is not None:
            s.call_soon(lambda tr: self.worker.answered.emit(rid, _guarded(fn, tr)))
        else:
            self._call.emit(rid, fn)

    def _on_answer(self, rid, result) -> None:
        cb = self._callbacks.pop(rid, None)
        if cb is not None:
            cb(result)

    # --- shutdown -------------------------------------------------------------------------
    def shutdown(self, timeout_ms: int = 5000) -> bool:
        """Stop the run and the thread (only at exit: the one place that waits, bounded)."""
        self.stop()
        self.thread.quit()
        ok = self.thread.wait(timeout_ms)
        return bool(ok)

"""Training off the UI thread: the UI-side controller of a ``TaskThread`` named "training".

Its one long task builds the Trainer (reading the data with progress) and runs a core
TrainingSession; the session's callbacks emit this controller's signals from the training thread,
and Qt delivers them queued in the UI thread. The session limits them to 3 metric batches and 2.5
pictures per second.

The UI thread never waits: Pause, Resume, Step and Stop set thread-safe flags on the session, and
requests that need the trainer (save a checkpoint, snapshot the generator) are queued to run in
the training thread between two steps, answering in the UI thread.
"""

from __future__ import annotations

import threading
from typing import Any, Callable

from PySide6.QtCore import QObject, Signal

from ganstudio.errors import user_message
from ganstudio.gui.tasks import TaskThread

# metric batches reach the window 3 times a second: the plots redraw once a second, the
# status bar's step count still ticks, and each batch wakes the UI thread, which on two cores
# stalls training's thread team (measured: 100 extra wake-ups a second cost training 2-5% here)
METRICS_INTERVAL = 0.33
# pictures (the 2-D view, sample grids) 2.5 times a second at most: drawing one costs training
# about twice its own UI time (the UI thread takes a core from training's thread team), and
# the 2-D view's ~3 a second cost training ~4% here (ring: picture 1.5%, drawing 2.3%)
PICTURE_INTERVAL = 0.4


class Failure:
    """The result of a request that raised: its message in plain words."""

    def __init__(self, message: str):
        self.message = message


def _guarded(fn: Callable, trainer) -> Any:
    try:
        return fn(trainer)
    except Exception as e:
        return Failure(user_message(e))


class TrainingController(QObject):
    """The UI thread's handle on training. Owns the training thread."""

    # (done, total, what) while the data is read or drawn
    loading = Signal(int, int, str)
    # (trainer facts) once the run is built: parameter counts, descriptions, history so far
    ready = Signal(dict)
    # a batch of per-step records with the RunStatus after them (one signal: every signal wakes
    # the UI thread, and each wake-up costs training time on two cores)
    metrics = Signal(list, object)
    status = Signal(object)  # a RunStatus on its own (a state change): step, time, steps/s
    picture = Signal(object)  # numpy sample grid or visuals.PlaneView
    state = Signal(str, str)  # (state, message)
    failed = Signal(str)  # the run could not start: plain words
    autosaved = Signal(object, str)  # (path or None, what went wrong in words or "")
    # a live quality measurement (training/quality.py QualityPoint), every few hundred steps
    quality = Signal(object)
    # the health alarms now active, and those that just started (training/health.py Alarms)
    health = Signal(list, list)
    note = Signal(str)  # something for the status bar: where the TensorBoard logs go
    # a setting changed mid-run (ganstudio/changes.py Change): an edit, a branch's settings, or
    # an experiment's [[changes]] due
    change = Signal(object)
    finished = Signal()

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.tasks = TaskThread("training", self, one_torch_thread=False)
        self.thread = self.tasks.thread
        self.running = False  # a session is live (being built, running or paused)
        self.trainer = None
        self.run = None  # the training.run.Run of the live (or last) run: its folder
        self._session = None
        # held while a request is queued into the session and while the ended loop lets go
        # of it, so no request lands in a session that will never serve it
        self._session_lock = threading.Lock()
        self._cancelled = False  # Stop pressed while the run was still being built
        # what the window shows, for the session still to be built
        self._plane_layers: dict | None = None
        self._pictures = True
        self._pace = 0.0  # slow motion: steps per second at most (0: full speed)

    @property
    def session(self):
        return self._session if self.running else None

    def start(self, config, source=None, checkpoint=None, paused: bool = False,
              autosave=None, edits=()) -> None:
        """Build and run a session; ``autosave``: a training.autosave.Autosaver. ``edits``:
        (field, value) changes made once the run is built, before its first step, and recorded
        as changes (a branch's other settings)."""
        if self.running:
            raise RuntimeError("a run is already live")
        self.running = True
        self._session = None
        self._cancelled = False
        edits = list(edits)
        self.tasks.submit(lambda: self._run(config, source, checkpoint, paused, autosave,
                                            edits),
                          done=lambda _: self._on_finished(),
                          failed=lambda message: self._on_finished())

    # --- in the training thread ------------------------------------------------------------
    def _run(self, config, source, checkpoint, paused: bool, autosave, edits=()) -> None:
        """Build the run (from a checkpoint when given) and run its session until stopped: the
        same Run as ``ganstudio train``, writing into the autosave folder."""
        from ganstudio.training.run import Run

        run = Run(config, source=source, checkpoint=checkpoint, autosave=autosave,
                  folder=autosave.folder if autosave is not None else None,
                  title=autosave.title if autosave is not None else "",
                  progress=lambda done, total, what: self.loading.emit(done, total, what),
                  say=self.note.emit)
        try:
            self.trainer = run.build()
            self.run = run
            for field, value in edits:  # a branch's settings: recorded at its first step
                self.change.emit(run.edit_now(field, value))
        except Exception as e:  # data, device or checkpoint problems, in words
            run.close()
            self.failed.emit(user_message(e, context="The run could not start"))
            return
        if self._cancelled:
            run.close()
            self.state.emit("stopped", "")
            return
        self.ready.emit(run.facts())
        if config.training.tensorboard and autosave is None:
            self.note.emit("No TensorBoard logs: this run has no folder")
        batch: list = []

        def status(st) -> None:  # the session tells the status right after each batch
            if batch:
                self.metrics.emit(batch.pop(), st)
            else:
                self.status.emit(st)

        session = run.start_session(
            on_metrics=batch.append, on_picture=self.picture.emit,
            on_state=lambda state, message: self.state.emit(str(state), message),
            on_status=status, start_paused=paused, metrics_interval=METRICS_INTERVAL,
            picture_interval=PICTURE_INTERVAL,
            picture_ack=True,  # the window says when it has drawn one: none rendered in vain
            plane_layers=self._plane_layers, pictures=self._pictures,
            on_autosave=self.autosaved.emit, on_quality=self.quality.emit,
            on_health=lambda active, new: self.health.emit(list(active), list(new)),
            on_change=self.change.emit)
        session.set_pace(self._pace)
        self._session = session
        session.set_pictures(self._pictures)  # in case the window changed it meanwhile
        if self._cancelled:
            session.stop()
        try:
            session.run()
        finally:
            with self._session_lock:  # requests from now on queue behind this task...
                self._session = None
            session.serve_calls()  # ...and any that reached the ended session are answered
            run.close()

    # --- in the UI thread ------------------------------------------------------------------
    def _on_finished(self) -> None:
        self.running = False
        self.finished.emit()

    def _with_session(self, fn: Callable) -> None:
        s = self._session
        if self.running and s is not None:
            fn(s)

    def pause(self) -> None:
        self._with_session(lambda s: s.pause())

    def resume(self) -> None:
        self._with_session(lambda s: s.resume())

    def step(self) -> None:
        self._with_session(lambda s: s.step_once())

    def set_pace(self, steps_per_second: float) -> None:
        """Slow motion: at most this many steps a second, a picture after each (0: full
        speed); kept for the runs to come."""
        self._pace = max(0.0, float(steps_per_second))
        self._with_session(lambda s: s.set_pace(self._pace))

    def edit(self, field: str, value, on_done: Callable[[Any, str], None]) -> None:
        """Change a setting of the live run between two steps; ``on_done(change, "")`` or
        ``on_done(None, why)`` in the UI thread (refused: the run goes on untouched)."""
        with self._session_lock:  # as request: never into a session that will not serve it
            s = self._session
            if self.running and s is not None:
                s.edit(field, value, lambda change, error: self.tasks.call_in_ui(
                    on_done, change, error))
                return
        on_done(None, "no run is training")

    def set_plane_layers(self, layers: dict) -> None:
        """The layers of the 2-D view the window shows: training computes only those."""
        self._plane_layers = dict(layers)  # for a session still to be built
        self._with_session(lambda s: s.set_plane_layers(layers))

    def set_pictures(self, on: bool) -> None:
        """Pictures while the window can show them; none while it cannot (another tab is in
        front, or it is minimised): each costs training time."""
        self._pictures = on
        self._with_session(lambda s: s.set_pictures(on))

    def picture_shown(self) -> None:
        """The window has drawn the last picture: the session may render the next."""
        self._with_session(lambda s: s.picture_shown())

    def stop(self) -> None:
        if self.running and self._session is None:
            self._cancelled = True  # still building: end as soon as it is built
        self._with_session(lambda s: s.stop())

    def request(self, fn: Callable, on_result: Callable[[Any], None]) -> None:
        """Run ``fn(trainer)`` in the training thread; ``on_result`` gets its return value (or a
        Failure) in the UI thread."""
        with self._session_lock:  # not between the loop's end and its last serve_calls()
            s = self._session
            if self.running and s is not None:
                s.call_soon(lambda tr: self.tasks.call_in_ui(on_result, _guarded(fn, tr)))
                return
        # no session (built, or after Stop): a task of its own, after any run ends
        self.tasks.submit(lambda: _guarded(fn, self.trainer), done=on_result)

    # --- shutdown -------------------------------------------------------------------------
    def shutdown(self, timeout_ms: int = 5000) -> bool:
        """Stop the run and the thread (only at exit: the one place that waits, bounded)."""
        self.stop()
        return self.tasks.shutdown(timeout_ms)

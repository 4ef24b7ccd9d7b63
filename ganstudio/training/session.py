"""A training session: the loop a user drives with Train / Pause / Step / Stop, GUI-free.

It runs a Trainer in the calling thread (the GUI gives it a QThread) and reports through plain
callbacks, rate-limited so that a fast loop cannot flood a user interface:

- ``on_metrics(records)``: the per-step records since the last call, at most every
  ``metrics_interval`` seconds (20 per second by default), however fast training runs;
- ``on_picture(picture)``: a sample grid (uint8 H x W x 3) or a ``visuals.PlaneView``, rendered here
  in the training thread at most every ``picture_interval`` seconds, and less often if rendering
  would cost more than ~4% of the time. With ``picture_ack``, the next picture also waits until
  the viewer calls ``picture_shown()``: a window that draws less often than pictures come costs
  training no picture it never shows. ``set_plane_layers()`` names the layers of a 2-D
  picture the viewer shows (only those are computed), ``set_pictures(False)`` stops pictures
  while nobody can see them (both from any thread);
- ``on_state(state, message)``: a ``RunState`` ("running", "paused", "finished", "stopped",
  "diverged", "error") and a message in words;
- ``on_status(status)``: a ``RunStatus`` (state, step, budget, time spent, steps/s, time left)
  with every metric batch and state change: what a status bar shows, computed here; during a
  long measurement (the live KID) its ``busy`` says how far it is, at most every
  ``BUSY_INTERVAL`` seconds, and a Pause or Stop abandons that measurement at once;
- ``on_quality(point)``, ``on_alarm(alarm)``, ``on_health(active, new)``: live quality
  measurements and health alarms (training/quality.py, training/health.py).

Control from any thread: ``pause()``, ``resume()``, ``step_once()``, ``stop()``, and
``call_soon(fn)`` to run ``fn(trainer)`` between two steps (saving a checkpoint, taking a
snapshot), so nothing outside this thread ever waits for a step to finish. Each is a command the
loop applies between two steps by moving ``state`` (a ``RunState``): the run's one truth.

Reaching the step budget holds the session ("finished") instead of ending it: Step and Resume
still work, and requests are still served. Only ``stop()`` ends it. With ``until`` (headless runs:
``train()``) the session ends instead when that step is reached (``until=0``: no end but
``stop()``), and a divergence ends it too; an unexpected error is raised, not reported. This is
the one training loop of the program; ``training/run.py`` puts a run's files around it.
"""

from __future__ import annotations

import queue
import threading
import time
import traceback
from typing import Any, Callable

from ganstudio import catalog
from ganstudio.training import steering, visuals
from ganstudio.training.run_state import RateMeter, RunState, RunStatus
from ganstudio.training.trainer import StepRefused, Trainer, TrainingDiverged

RENDER_SHARE = 0.04  # at most this share of the time goes to drawing pictures
# with picture_ack, a picture the viewer never acknowledged is replaced after this long anyway
# (a lost acknowledgement must not stop the pictures for good)
ACK_TIMEOUT = 2.0
# what a 2-D picture holds unless the viewer says otherwise (the window's default switches)
PLANE_LAYERS = {k: layer.shown for k, layer in catalog.PLANE_LAYERS.items() if layer.computed}
BUSY_INTERVAL = 0.5  # seconds between two progress reports of a long measurement


class TrainingSession:
    def __init__(self, trainer: Trainer, *,
                 on_metrics: Callable[[list[dict]], None] = lambda records: None,
                 on_picture: Callable[[Any], None] = lambda picture: None,
                 on_state: Callable[[str, str], None] = lambda state, message: None,
                 on_status: Callable[[RunStatus], None] | None = None,
                 metrics_interval: float = 0.05, picture_interval: float = 0.3,
                 start_paused: bool = False, picture_ack: bool = False,
                 plane_layers: dict | None = None, pictures: bool = True,
                 until: int | None = None, autosave=None,
                 on_autosave: Callable[[Any, str], None] = lambda path, error: None,
                 on_quality: Callable[[Any], None] = lambda point: None,
                 on_health: Callable[[list, list], None] = lambda active, new: None,
                 on_alarm: Callable[[Any], None] = lambda alarm: None,
                 on_change: Callable[[Any], None] = lambda change: None):
        self.trainer = trainer
        self.on_metrics = on_metrics
        self.on_picture = on_picture
        self.on_state = on_state
        self.on_status = on_status
        self.until = until
        self.autosave = autosave  # a training.autosave.Autosaver, or None
        self.on_autosave = on_autosave
        self.on_quality = on_quality
        self.on_health = on_health
        self.on_alarm = on_alarm  # each new health Alarm, once
        self.on_change = on_change  # each setting changed mid-run (ganstudio/changes.py)
        self.pace = 0.0  # steps per second at most (slow motion); 0 = as fast as it goes
        self._last_step_at = 0.0
        self.judge = None  # training/quality.py LiveQuality, set up when the loop starts
        self.health = None  # training/health.py HealthMonitor
        self.quality_error = ""  # why live quality was switched off, if it was
        self._rate = RateMeter()
        self.status = RunStatus(state=RunState.READY, step=trainer.steps_done,
                                target=trainer.config.training.steps, elapsed=trainer.elapsed)
        self.metrics_interval = metrics_interval
        self.picture_interval = picture_interval
        self.picture_ack = picture_ack
        self._shown = threading.Event()  # the viewer drew the last picture
        self._shown.set()
        self._start_paused = start_paused
        self._wake = threading.Event()
        self._commands: queue.SimpleQueue = queue.SimpleQueue()  # controls and call_soon
        self._steps_requested = 0  # Step presses not yet done (only touched in the loop)
        self._stop_asked = False  # under torchrun: a stop to agree on in the next step
        # a Pause or Stop was asked since the loop last served the controls: a long measurement
        # between two steps looks at it and gives up (the command itself then applies)
        self._interrupt = threading.Event()
        self._last_busy = 0.0
        self._pending: list[dict] = []
        self._last_flush = 0.0
        self._last_picture = 0.0
        self._render_cost = 0.0
        self.state = RunState.READY  # set only in the training thread (see _command)
        self.message = ""  # what the last state change said (why it diverged...)
        self._plane_z = None
        # the layers of a 2-D picture to compute (visuals.plane_view's switches); the viewer
        # replaces the whole dict from its thread, which is atomic
        self.plane_layers = {**PLANE_LAYERS, **(plane_layers or {})}
        self._pictures_on = pictures
        self._picture_wanted = False  # a picture is asked for now (set_plane_layers)

    # --- control, from any thread ------------------------------------------------------------
    # Each control is a command queued for the loop, which applies it between two steps by
    # moving ``self.state``: the state is the one truth of what the run does, set only in the
    # training thread.
    def _command(self, fn: Callable[[], None]) -> None:
        self._commands.put(fn)
        self._wake.set()

    def pause(self) -> None:
        self._command(self._do_pause)
        self._interrupt.set()

    def resume(self) -> None:
        """Continue; after the step budget was reached, keep training with no budget."""
        self._command(self._do_resume)

    def step_once(self, n: int = 1) -> None:
        """Run ``n`` steps while paused (the Step button)."""
        self._command(lambda: self._do_step(n))

    def stop(self) -> None:
        """End the run before its next step (also from a signal handler: a SimpleQueue's put is
        safe there). Under torchrun every process stops after the next step, the same one,
        whichever process was asked."""
        self._command(self._do_stop)
        self._interrupt.set()

    def call_soon(self, fn: Callable[[Trainer], Any]) -> None:
        """Run ``fn(trainer)`` in the training thread between two steps."""
        self._command(lambda: fn(self.trainer))

    def edit(self, field: str, value: Any,
             on_done: Callable[[Any, str], None] = lambda change, error: None) -> None:
        """Change a setting between two steps (training/steering.py); ``on_done(change, "")``
        after, or ``on_done(None, why)`` when refused (the run goes on untouched)."""
        self._command(lambda: self._do_edit(field, value, on_done))

    def set_pace(self, steps_per_second: float) -> None:
        """Slow motion: at most this many steps a second, with a picture after each when it
        can be drawn in time (0: full speed)."""
        self.pace = max(0.0, float(steps_per_second))
        self._wake.set()

    def set_plane_layers(self, layers: dict) -> None:
        """Compute these layers of 2-D pictures from now on, and draw one with them soon (also
        while paused: a switch turned on shows its layer at once)."""
        self.plane_layers = {**PLANE_LAYERS, **layers}
        self._picture_wanted = True
        self._wake.set()

    def set_pictures(self, on: bool) -> None:
        """Render pictures (True), or none while nobody can see them (False: the window shows
        another tab or is minimised). Turned back on, one comes at once."""
        if on and not self._pictures_on:
            self._picture_wanted = True
            self._wake.set()
        self._pictures_on = on

    def picture_shown(self) -> None:
        """The viewer has drawn the last picture (with ``picture_ack``): render the next."""
        self._shown.set()

    @property
    def paused(self) -> bool:
        """Held: paused, or waiting after its budget or a divergence (Step and Resume apply)."""
        return self.state.can_resume

    # --- the loop ----------------------------------------------------------------------------
    def _set_state(self, state: RunState, message: str = "") -> None:
        if state != self.state or message:
            self.state = state
            self.message = message
            if state != RunState.RUNNING:
                self._rate.reset()
            self._publish_status(message)
            self.on_state(state, message)

    def _publish_status(self, message: str | None = None) -> None:
        tr = self.trainer
        self.status = self.status.replace(
            state=self.state, step=tr.steps_done, target=tr.config.training.steps,
            elapsed=tr.elapsed, rate=self._rate.rate if self.state == RunState.RUNNING else 0.0,
            message=self.status.message if message is None else message)
        if self.on_status is not None:
            self.on_status(self.status)

    def serve_calls(self) -> None:
        """Apply the queued controls and run the ``call_soon`` requests now, in order (in the
        thread that runs the session)."""
        self._interrupt.clear()  # before: a request queued from now on sets it again
        while True:
            try:
                fn = self._commands.get_nowait()
            except queue.Empty:
                return
            fn()

    # --- what the controls do, in the training thread ----------------------------------------
    def _do_pause(self) -> None:
        if self.state == RunState.RUNNING:
            self._set_state(RunState.PAUSED)

    def _do_resume(self) -> None:
        t = self.trainer.config.training
        if self.state == RunState.FINISHED and t.steps and self.trainer.steps_done >= t.steps:
            t.steps = 0  # past the budget: on with no budget
        if self.state.can_resume or self.state == RunState.READY:
            self._set_state(RunState.RUNNING)

    def _do_step(self, n: int) -> None:
        self._steps_requested += n

    def _do_edit(self, field: str, value: Any, on_done: Callable[[Any, str], None]) -> None:
        from ganstudio.config import ConfigError

        try:
            change = steering.apply_edit(self.trainer, field, value)
        except ConfigError as e:
            on_done(None, str(e))
            return
        self._changed(change)
        on_done(change, "")

    def _changed(self, change) -> None:
        self.on_change(change)
        self._publish_status()  # the budget may have moved

    def _apply_scheduled(self) -> None:
        """The experiment's ``[[changes]]`` due before the next step (a replay)."""
        for entry in steering.due_changes(self.trainer):
            self._changed(steering.apply_edit(self.trainer, entry["field"], entry["value"]))

    def _do_stop(self) -> None:
        if self.trainer.world is not None and self.state == RunState.RUNNING:
            self._stop_asked = True  # stopping alone would leave the others waiting for it
        elif self.state != RunState.STOPPED:  # also a run held after running out of memory
            self._set_state(RunState.STOPPED)

    def _flush(self) -> None:
        now = time.monotonic()
        if self._pending:
            records, self._pending = self._pending, []
            if self.state == RunState.RUNNING:
                self._rate.update(now, self.trainer.steps_done, len(records))
            self.on_metrics(records)
            if self.on_status is not None:
                self._publish_status()
            if self.health is not None:
                self._health_news(self.health.observe(records))
        self._last_flush = now

    def render_picture(self) -> None:
        t0 = time.monotonic()
        tr = self.trainer
        if tr.spec.kind == "2d":
            if self._plane_z is None:
                import torch

                self._plane_z = torch.randn(visuals.FAKE_POINTS, tr.spec.latent_dim,
                                            generator=torch.Generator().manual_seed(5))
                self._plane_real = tr.source.preview(visuals.REAL_POINTS)[0].numpy()
            picture = visuals.plane_view(tr, self._plane_z, self._plane_real,
                                         **self.plane_layers)
        else:
            picture = visuals.sample_grid(tr)
        self._shown.clear()  # before sending: the answer may come back at once
        self.on_picture(picture)
        now = time.monotonic()
        self._render_cost = now - t0
        self._last_picture = now

    def _picture_due(self, now: float) -> bool:
        if self.pace > 0:  # slow motion: a picture after every step the viewer keeps up with
            return (not self.picture_ack or self._shown.is_set()
                    or now - self._last_picture >= ACK_TIMEOUT)
        interval = max(self.picture_interval, self._render_cost / RENDER_SHARE)
        if self.picture_ack and not self._shown.is_set():
            interval = max(interval, ACK_TIMEOUT)
        return now - self._last_picture >= interval

    # --- live quality and health -------------------------------------------------------------
    def _start_watching(self) -> None:
        from ganstudio.training.health import monitor_for

        tr = self.trainer
        self.judge = tr.live_quality()
        if self.judge is None:
            return
        self.health = monitor_for(tr, self.judge.measures, self.judge.floors)
        # a resumed run: its measurements so far, without raising their alarms again
        for point in tr.quality_history:
            self.health.observe_quality(point)
        self.health.raised = list(tr.alarms)
        if tr.quality_history:
            self.judge.last_step = tr.quality_history[-1].step

    def measure_quality(self) -> None:
        """Measure the generator now (in this thread, between steps) and check its health."""
        tr = self.trainer
        try:
            point = self.judge.measure(self.measuring)
        except Exception as e:  # a measurement must never cost the run: switch it off
            if self.until is not None:
                raise
            self.quality_error = f"Live quality was switched off after an error: {e}"
            self.judge = None
            return
        finally:
            self.measuring_done()
        tr.quality_history.append(point)
        self.on_quality(point)
        self._health_news(self.health.observe_quality(point))

    def measuring(self, text: str) -> bool:
        """Between two parts of a long measurement: shows ``text`` (rate-limited) and says
        whether to go on: not once a Pause or Stop was asked (it applies right after)."""
        if self._interrupt.is_set():
            return False
        now = time.monotonic()
        if now - self._last_busy >= BUSY_INTERVAL or not self.status.busy:
            self._last_busy = now
            self._say_busy(text)
        return True

    def measuring_done(self) -> None:
        self._say_busy("")

    def _say_busy(self, text: str) -> None:
        if text != self.status.busy:
            self.status = self.status.replace(busy=text)
            self._publish_status()

    def _health_news(self, new: list) -> None:
        active = list(self.health.active.values())
        if not new and active == getattr(self, "_active_shown", []):
            return
        self._active_shown = active
        tr = self.trainer
        for alarm in new:
            tr.alarms.append(alarm)
            self.on_alarm(alarm)
            # under torchrun only rank 0 measures: ending there alone would leave the others
            # waiting, so the notice is all it gives
            if alarm.kind == "flat" and tr.config.training.stop_when_flat and tr.world is None:
                self._flush()
                self._set_state(RunState.FINISHED, f"Finished at step {tr.steps_done:,}: no "
                                "longer improving (training.stop_when_flat).")
        self.on_health(active, new)

    def save_autosave(self):
        """Save the run now (in this thread, between steps) with the session's autosaver; the
        path, or None when the save failed (``on_autosave`` is told either way)."""
        path = self.autosave.save(self.trainer)
        self.on_autosave(path, self.autosave.last_error)
        return path

    def _budget(self) -> int:
        """The step at which the budget is reached (0: none)."""
        return self.until if self.until is not None else self.trainer.config.training.steps

    def run(self) -> RunState:
        """Loop until stopped; returns the final state: "stopped", "diverged" or "error" (and
        "finished" with ``until``)."""
        from ganstudio.training.threads import thread_policy

        tr = self.trainer
        target = self._budget()
        if target and tr.steps_done >= target:
            self._set_state(RunState.FINISHED)
            if self.until is not None:
                return self.state
        else:
            self._set_state(RunState.PAUSED if self._start_paused else RunState.RUNNING)
        self.tuner = thread_policy(tr.config.training.threads)
        self._start_watching()
        try:
            if self._pictures_on:
                self.render_picture()
            while True:
                self.serve_calls()
                if self.state == RunState.STOPPED or (self.until is not None and self.state in (
                        RunState.FINISHED, RunState.DIVERGED, RunState.ERROR)):
                    break
                if self._picture_wanted:
                    self._picture_wanted = False
                    if self._pictures_on:
                        self.render_picture()
                if self.state == RunState.RUNNING:
                    if self._slowed():
                        continue
                    self._step(stepping=False)
                elif self._steps_requested > 0:  # Step while held: stays held for the UI
                    self._steps_requested -= 1
                    self._step(stepping=True)
                else:
                    self._flush()
                    self._wake.wait(0.1)
                    self._wake.clear()
        except Exception as e:  # a bug or a broken device: report it, never kill the app
            self._flush()
            detail = "".join(traceback.format_exception_only(type(e), e)).strip()
            self._set_state(RunState.ERROR, f"Training stopped because of an error: {detail}")
            if self.until is not None:
                raise  # headless: a bug is a traceback for whoever runs the code
            return self.state
        self._flush()
        return self.state

    def _slowed(self) -> bool:
        """In slow motion, wait (awake to the controls) until the next step is due."""
        if self.pace <= 0:
            return False
        wait = self._last_step_at + 1.0 / self.pace - time.monotonic()
        if wait <= 0:
            return False
        self._flush()
        self._wake.wait(min(wait, 0.1))
        self._wake.clear()
        return True

    def _step(self, stepping: bool) -> None:
        """One training step and what is due before it (scheduled changes) and after it:
        autosave, quality, metrics, a picture, and the end of the budget."""
        tr = self.trainer
        if tr.config.changes:
            self._apply_scheduled()
        self._last_step_at = time.monotonic()
        try:
            # (under torchrun a stop asked here is agreed on in the step's own exchange)
            record = tr.step(stop=True) if self._stop_asked else tr.step()
        except StepRefused as e:  # diverged, or out of memory: the last good state is kept
            self._flush()
            self._set_state(RunState.DIVERGED if isinstance(e, TrainingDiverged)
                            else RunState.ERROR, str(e))
            # held, not ended (in the window): requests are still served, so the last good
            # state can be saved; after a divergence Resume or Step tries again
            return
        self._pending.append(record)
        if self.state == RunState.DIVERGED:  # a Step after a divergence went through
            self._set_state(RunState.PAUSED)
        if tr.stop_agreed:  # under torchrun: every process stops after this same step
            self._stop_asked = False
            self._flush()
            self._set_state(RunState.STOPPED)
            return
        if self.tuner is not None:
            self.tuner.after_step(record["step_time"])
        if self.autosave is not None and self.autosave.due():
            self.save_autosave()
        if self.judge is not None and self.judge.due():
            self.measure_quality()
            if self.state == RunState.FINISHED:  # no longer improving: stop_when_flat
                return
        now = time.monotonic()
        slow = self.pace > 0
        if stepping or slow or now - self._last_flush >= self.metrics_interval:
            self._flush()
        if self._pictures_on and (stepping or self._picture_due(now)):
            self.render_picture()
        target = self._budget()
        if target and tr.steps_done >= target and self.state == RunState.RUNNING:
            # the window's run ends on a measurement of its last step, as the command line's
            # does (Run.measure_last_step): the figure its badge and checkpoint keep
            if self.until is None and self.judge is not None and \
                    self.judge.last_step != tr.steps_done:
                self.measure_quality()
                if self.state != RunState.RUNNING:  # ended by it (stop_when_flat)
                    return
            self._flush()
            if self._pictures_on:
                self.render_picture()
            self._set_state(RunState.FINISHED)


def train(trainer: Trainer, steps: int | None = None, *, autosave=None,
          on_autosave: Callable[[Any, str], None] = lambda path, error: None,
          on_quality: Callable[[Any], None] = lambda point: None,
          on_alarm: Callable[[Any], None] = lambda alarm: None,
          on_session: Callable[[TrainingSession], None] = lambda session: None) -> RunState:
    """Train ``steps`` more steps headless, or up to training.steps (forever when that is 0),
    in the session's loop; ``on_session`` gets the session before it starts (to stop it from
    elsewhere). Returns the final state: "finished", "stopped", "diverged" or (out of memory)
    "error"; a bug is raised."""
    until = trainer.steps_done + steps if steps is not None else trainer.target_steps
    session = TrainingSession(trainer, pictures=False, until=until, autosave=autosave,
                              on_autosave=on_autosave, on_quality=on_quality,
                              on_alarm=on_alarm)
    on_session(session)
    return session.run()

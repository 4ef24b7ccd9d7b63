"""One run, one way: config -> Trainer -> restore -> the run's files -> session.

``ganstudio train`` (also under torchrun) and the window both run a ``Run``; they differ only in
what they show. A run with a folder writes there: ``config.toml``, ``metrics.csv`` (one line per
step, quality in ``q_`` columns), ``samples/`` every ``training.sample_every`` steps, a
checkpoint every ``training.checkpoint_every`` steps, autosaves and ``run.json``
(training/autosave.py), snapshots for the timeline (training/snapshots.py), every setting
changed mid-run in ``changes.csv`` (and config.toml rewritten to replay them: the settings the
run started with plus ``[[changes]]``), and TensorBoard logs when ``training.tensorboard`` is on. Under torchrun
only the main process writes (``main``). ``finish()`` ends a run as the command line does: a
last quality measurement, ``samples/final.png``, ``checkpoint.safetensors`` and run.json
"ended" (or "interrupted"); the window keeps its run open after Stop and only ``close()``-s it.

Failed writes (a full disk, a read-only folder) are said in one line through ``say`` and the run
goes on: nothing is lost that was saved before.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from ganstudio.config import ExperimentConfig
from ganstudio.errors import UserError, user_message
from ganstudio.training import autosave as autosaving
from ganstudio.training.metrics_log import MetricsLog
from ganstudio.training.run_state import RunState
from ganstudio.training.session import TrainingSession
from ganstudio.training.snapshots import SnapshotKeeper
from ganstudio.training.snapshots import due as snapshot_due
from ganstudio.training.trainer import Trainer

CHECKPOINT_NAME = "checkpoint.safetensors"


def _chain(*fns: Callable | None) -> Callable:
    """One callback that calls each given one in turn."""
    fns = tuple(f for f in fns if f is not None)

    def call(*args) -> None:
        for f in fns:
            f(*args)
    return call


def run_title(folder: Path | None, fallback: str) -> str:
    """What a run is called in run.json and the recovery offer: the title its folder already
    has (a resumed run keeps its name), else ``fallback``."""
    if folder is not None:
        record = autosaving.read_run(folder)
        if record is not None and record.title:
            return record.title
    return fallback


class Run:
    def __init__(self, config: ExperimentConfig, *, folder: str | Path | None = None,
                 title: str = "", checkpoint=None, source=None, progress=None,
                 main: bool = True, autosave: autosaving.Autosaver | None = None,
                 say: Callable[[str], None] = lambda line: None):
        """``checkpoint``: a loaded checkpoint (training/checkpoint.py) to continue from.
        ``autosave``: an Autosaver made by the caller (the window's recovery); by default one is
        made in ``folder`` from ``training.autosave_minutes``. ``say``: one line for a person
        (a save that failed, where TensorBoard logs go)."""
        self.config = config
        self.folder = Path(folder).expanduser() if folder is not None else None
        self.title = title or config.source_info.title
        self.checkpoint = checkpoint
        self.source = source
        self.progress = progress
        self.main = main
        self.say = say
        self.writes = main and self.folder is not None
        self.autosaver = autosave
        self.trainer: Trainer | None = None
        self.session: TrainingSession | None = None
        self.judge = None
        self.log: MetricsLog | None = None
        self.tensorboard = None
        self.snapshots = None  # training/snapshots.py SnapshotKeeper
        self._closed = False

    # --- building -----------------------------------------------------------------------------
    def build(self) -> Trainer:
        """Read the data, build the networks, restore the checkpoint and open the run's files.
        Raises UserError (the data, the device, the checkpoint) in words."""
        trainer = Trainer(self.config, source=self.source, progress=self.progress)
        if self.checkpoint is not None:
            trainer.load_state(self.checkpoint)
        self.trainer = trainer
        self.judge = trainer.live_quality()  # None on the processes other than rank 0
        if trainer.fitted and self.checkpoint is None:  # 'My pictures': what was chosen
            from ganstudio.folder_recipe import describe

            self.say(describe(trainer.fitted, trainer.source.count or self.config.data.size,
                              trainer.source.image_size))
        for note in self.judge.notes if self.judge else ():
            self.say(note)  # once (the live KID without Inception weights)
        if self.writes:
            self._open_files()
        return trainer

    def _open_files(self) -> None:
        tr, folder, t = self.trainer, self.folder, self.config.training
        try:
            (folder / "samples").mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise UserError(f"cannot write to {folder}: {e.strerror or e}") from None
        self._save_replay_config()
        resumed = self.checkpoint is not None
        self.log = MetricsLog(folder / "metrics.csv", tr.steps_done if resumed else None,
                              [m.key for m in self.judge.measures] if self.judge else ())
        if self.autosaver is None:
            self.autosaver = autosaving.Autosaver(folder, t.autosave_minutes, title=self.title)
        autosaving.mark_run(folder, "running", title=self.title, step=tr.steps_done)
        if t.snapshot_mb > 0:
            self.snapshots = SnapshotKeeper(folder, t.snapshot_mb)
        tr.callbacks += [self.log, self._periodic]
        if t.tensorboard:
            self._open_tensorboard()

    def _open_tensorboard(self) -> None:
        from ganstudio.training.tensorboard_log import TensorBoardLog

        try:
            self.tensorboard = TensorBoardLog(self.folder, self.trainer)
        except Exception as e:  # the package missing, an unwritable folder: said, not fatal
            self.say(f"No TensorBoard logs: {user_message(e)}")
            return
        self.trainer.callbacks.append(self.tensorboard)
        self.say(f"TensorBoard logs in {self.tensorboard.folder}")

    def _periodic(self, record: dict) -> None:
        """After each step: the sample picture and checkpoint due at this step."""
        s, t = record["step"], self.trainer.config.training
        if t.sample_every and s % t.sample_every == 0:
            self._save_or_say("samples", lambda: self.save_samples(f"step-{s:07d}.png"))
        if t.checkpoint_every and s % t.checkpoint_every == 0:
            self._save_or_say(CHECKPOINT_NAME, self.save_checkpoint)
        if self.snapshots is not None and snapshot_due(s):
            self._save_or_say("snapshot", lambda: self.snapshots.take(self.trainer))

    def _record_change(self, change) -> None:
        """A setting changed mid-run: a row of changes.csv, config.toml made to replay the run
        so far, a text in TensorBoard."""
        import csv

        from ganstudio.changes import value_text

        path = self.folder / "changes.csv"

        def append() -> Path:
            new = not path.exists()
            with open(path, "a", newline="", encoding="utf-8") as f:
                w = csv.writer(f)
                if new:
                    w.writerow(["step", "setting", "old", "new"])
                w.writerow([change.step, change.field, value_text(change.old),
                            value_text(change.new)])
            return path

        self._save_or_say("changes.csv", append)
        self._save_replay_config()
        if self.tensorboard is not None:
            self.tensorboard.add_change(change.step, change.text())

    def _save_replay_config(self) -> None:
        """config.toml: the settings the run started with and, as ``[[changes]]``, every change
        made so far (a resumed steered run too), so ``ganstudio train --config`` replays it."""
        from ganstudio.training.steering import schedule_of, start_of

        tr = self.trainer
        replay = schedule_of(start_of(tr.config, tr.changes), tr.changes)
        self._save_or_say("config.toml", lambda: replay.save(self.folder / "config.toml"))

    def facts(self) -> dict:
        """What a view shows once the run is built: sizes, where it computes, history so far."""
        from ganstudio.training.device import describe_device

        tr = self.trainer
        g, d = tr.parameter_counts
        return dict(measures=list(self.judge.measures) if self.judge else [],
                    quality=list(tr.quality_history), alarms=list(tr.alarms),
                    g_params=g, d_params=d, spec=tr.spec, data=tr.source.describe(),
                    device=describe_device(tr.device, self.config.training.threads),
                    precision=tr.precision.label, steps_done=tr.steps_done,
                    history=tr.history.to_arrays(), elapsed=tr.elapsed,
                    target=tr.config.training.steps, ema=tr.ema is not None,
                    changes=list(tr.changes),
                    fitted={f.field: f.value for f in tr.fitted})

    # --- running ------------------------------------------------------------------------------
    def start_session(self, *, on_state: Callable[[str, str], None] | None = None,
                      on_quality: Callable | None = None, on_alarm: Callable | None = None,
                      on_autosave: Callable | None = None, on_change: Callable | None = None,
                      **options: Any) -> TrainingSession:
        """The session that runs this run's trainer, with the run's files told of every
        quality measurement, alarm and state; ``options`` as TrainingSession's."""
        if self.trainer is None:
            self.build()
        log, tb = self.log, self.tensorboard

        def state_written(state, message) -> None:
            if tb is not None and str(state) != RunState.RUNNING:
                tb.write_pending()  # held or ended: everything on disk now

        def autosaved(path, error) -> None:
            if error:
                self.say(error)

        self.session = TrainingSession(
            self.trainer, autosave=self.autosaver if self.writes else None,
            on_state=_chain(state_written, on_state),
            on_quality=_chain(log.quality if log else None,
                              (lambda p: tb.add_quality(p.step, p.values)) if tb else None,
                              on_quality),
            on_alarm=_chain(on_alarm), on_autosave=on_autosave or autosaved,
            on_change=_chain(self._record_change if self.writes else None, on_change),
            **options)
        return self.session

    def edit_now(self, field: str, value: Any):
        """Change a setting before the session starts (a branch's other settings), recorded
        as a change at this step; raises ConfigError naming the field."""
        from ganstudio.training.steering import apply_edit

        change = apply_edit(self.trainer, field, value)
        if self.writes:
            self._record_change(change)
        return change

    def train(self, steps: int | None = None, **session_options: Any) -> RunState:
        """Run headless: ``steps`` more steps, or up to training.steps (forever when 0)."""
        if self.trainer is None:
            self.build()
        tr = self.trainer
        until = tr.steps_done + steps if steps is not None else tr.target_steps
        session = self.start_session(pictures=False, until=until, **session_options)
        return session.run()

    def stop(self) -> None:
        """Stop before the next step, from any thread or a signal handler."""
        if self.session is not None:
            self.session.stop()

    # --- saving and ending ------------------------------------------------------------------
    def save_samples(self, name: str) -> Path:
        from ganstudio.export import save_pil, upscale
        from ganstudio.training.visuals import sample_picture

        return save_pil(upscale(sample_picture(self.trainer), min_side=512),
                        self.folder / "samples" / name)

    def save_checkpoint(self) -> Path:
        return self.trainer.save_checkpoint(self.folder / CHECKPOINT_NAME)

    def _save_or_say(self, what: str, save: Callable[[], Path]) -> Path | None:
        """Run ``save()``; a full disk or a read-only folder is said in one line."""
        try:
            return save()
        except OSError as e:
            self.say(autosaving.save_failure(Path(getattr(e, "filename", None) or what), e))
            return None

    def measure_last_step(self, state: RunState) -> None:
        """A last live measurement at the final step (the checkpoint and the summary line hold
        it), unless one was just taken or the run ran out of memory. After a Stop it leaves the
        live KID out (minutes on a CPU); otherwise the session still shows its progress and a
        Stop (Ctrl-C) still abandons it."""
        tr, history = self.trainer, self.trainer.quality_history
        if self.judge is None or not tr.steps_done or state == RunState.ERROR or (history and
                                                       history[-1].step == tr.steps_done):
            return
        session = self.session
        try:
            point = self.judge.measure(session.measuring if session is not None else None,
                                       kid=state != RunState.STOPPED)
        finally:
            if session is not None:
                session.measuring_done()
        history.append(point)
        if self.session is not None:
            self.session.on_quality(point)

    def close(self) -> None:
        """Write out and close the run's logs (once)."""
        if self._closed:
            return
        self._closed = True
        if self.log is not None:
            self.log.close()
        if self.tensorboard is not None:
            self.trainer.callbacks.remove(self.tensorboard)
            self.tensorboard.close()

    def finish(self, state: RunState) -> Path | None:
        """End the run as the command line does: logs closed, final samples, the checkpoint,
        run.json "ended" (finished) or "interrupted" (stopped early: offered for resuming).
        Returns the checkpoint's path, or None when it could not be written."""
        self.close()
        if not self.writes:
            return None
        self._save_or_say("samples", lambda: self.save_samples("final.png"))
        path = self._save_or_say(CHECKPOINT_NAME, self.save_checkpoint)
        autosaving.mark_run(self.folder, "ended" if state == RunState.FINISHED
                            else "interrupted", title=self.title,
                            step=self.trainer.steps_done)
        return path

    def quality_line(self) -> str | None:
        """The run's last live quality measurement in words (for the 2-D mixtures the VEEGAN /
        PacGAN protocol: clusters found and the share of samples on target)."""
        from ganstudio.training.quality import point_text

        if not self.trainer.quality_history:
            return None
        point = self.trainer.quality_history[-1]
        judge = self.judge
        return f"at step {point.step:,}: {point_text(point, judge.measures if judge else ())}"

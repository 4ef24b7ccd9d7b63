"""``ganstudio train``: a run from the command line, and every way it can end.

A progress bar on stderr; config.toml, metrics.csv, samples/, autosaves and checkpoint.safetensors
in the run's folder; Ctrl-C, SIGTERM and SIGHUP stop between two steps and save; ``--resume``
continues a checkpoint, a run folder or the newest interrupted run. See cli.py for the exit codes.
Under torchrun every process trains (training/distributed.py) and only the main one writes files
and prints.
"""

from __future__ import annotations

import csv
import datetime
import os
import signal
import sys
import time
from pathlib import Path

from ganstudio.config import ExperimentConfig
from ganstudio.errors import UserError

EXIT_OK, EXIT_DIVERGED, EXIT_BAD_INPUT, EXIT_INTERRUPTED = 0, 1, 2, 130
RUNS_DIR = Path("runs")  # where runs go unless --out says otherwise


# --- train -------------------------------------------------------------------------------------
def _experiment(args) -> tuple[ExperimentConfig, str]:
    from ganstudio.presets import DEFAULT_PRESET, load_preset

    if args.config:
        cfg, name = ExperimentConfig.load(args.config), Path(args.config).stem
    else:
        name = args.preset or DEFAULT_PRESET
        cfg = load_preset(name)
    for assignment in args.set or []:
        cfg.set_text(assignment)
    if args.steps is not None:
        cfg.set("training.steps", args.steps)
    cfg.raise_problems()
    return cfg, name


class _Progress:
    """A tqdm bar on stderr: step, steps/s, ETA and the latest losses."""

    def __init__(self, trainer, quiet: bool):
        from tqdm import tqdm

        total = trainer.config.training.steps or None
        self.bar = tqdm(total=total, initial=trainer.steps_done, unit="step", dynamic_ncols=True,
                        disable=quiet, file=sys.stderr, mininterval=0.25, smoothing=0.05)
        self.last = 0.0

    def __call__(self, record: dict) -> None:
        self.bar.update(1)
        now = time.monotonic()
        if now - self.last > 0.25:  # the postfix costs more than the bar: refresh it 4 times/s
            self.last = now
            self.bar.set_postfix_str(f"D {record['d_loss']:.3f}  G {record['g_loss']:.3f}",
                                     refresh=False)

    def close(self) -> None:
        self.bar.close()


class _MetricsLog:
    """metrics.csv: one line per step, so a run can be plotted with any tool, with the live
    quality measurements in ``q_<key>`` columns on the steps they were taken (blank elsewhere).
    Written out at least once a second (a killed run loses at most that); a resumed run first
    drops the lines past the step it resumes from, so every step appears once."""

    FLUSH_SECONDS = 1.0
    QUALITY_PREFIX = "q_"

    def __init__(self, path: Path, resume_step: int | None, quality_keys=()):
        from ganstudio.training.history import METRICS

        self.names = list(METRICS) + [self.QUALITY_PREFIX + k for k in quality_keys]
        if resume_step is not None and path.exists():
            _keep_rows_up_to(path, resume_step)
            with open(path, newline="", encoding="utf-8") as f:
                header = next(csv.reader(f), None)
            if header:  # keep the columns the file has (a run begun by an older version)
                self.names = header
            self.file = open(path, "a", newline="", encoding="utf-8")
            self.writer = csv.writer(self.file)
        else:
            self.file = open(path, "w", newline="", encoding="utf-8")
            self.writer = csv.writer(self.file)
            self.writer.writerow(self.names)
        self.last_flush = time.monotonic()
        # the newest row waits for its step's quality measurement (taken right after the step)
        self.pending: dict | None = None

    def _write(self, row: dict) -> None:
        cells = []
        for k in self.names:
            v = row.get(k)
            cells.append("" if v is None else f"{v:.6g}")
        self.writer.writerow(cells)

    def __call__(self, record: dict) -> None:
        if self.pending is not None:
            self._write(self.pending)
        self.pending = dict(record)
        now = time.monotonic()
        if now - self.last_flush >= self.FLUSH_SECONDS:
            self.file.flush()
            self.last_flush = now

    def quality(self, point) -> None:
        row = {self.QUALITY_PREFIX + k: v for k, v in point.values.items()}
        if self.pending is not None and int(self.pending["step"]) == point.step:
            self.pending.update(row)
        else:  # measured at a step already written (a resumed run's first)
            self._write({"step": point.step, **row})

    def close(self) -> None:
        if self.pending is not None:
            self._write(self.pending)
            self.pending = None
        self.file.close()


def _keep_rows_up_to(path: Path, step: int) -> None:
    """Drop the rows of steps after ``step`` (written after the checkpoint a run resumes from),
    and a last line cut short by a kill."""
    from ganstudio.config import atomic_write_text

    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    kept = lines[:1]
    for line in lines[1:]:
        head = line.split(",", 1)[0]
        try:
            if not line.endswith("\n") or float(head) > step:
                continue
        except ValueError:
            continue
        kept.append(line)
    atomic_write_text(path, "".join(kept))


def _save_samples(trainer, path: Path) -> Path:
    from ganstudio.export import save_pil, upscale
    from ganstudio.training.visuals import sample_picture

    return save_pil(upscale(sample_picture(trainer), min_side=512), path)


def _quality_line(trainer) -> str | None:
    """The run's last live quality measurement in words (for the 2-D mixtures the VEEGAN /
    PacGAN protocol: clusters found and the share of samples on target)."""
    from ganstudio.training.quality import point_text

    if not trainer.quality_history:
        return None
    point = trainer.quality_history[-1]
    judge = trainer.live_quality()
    return f"at step {point.step:,}: {point_text(point, judge.measures if judge else ())}"


def _measure_last_step(trainer, judge) -> None:
    """A last live measurement at the final step (the checkpoint and the summary line hold it),
    unless one was just taken."""
    history = trainer.quality_history
    if judge is None or not trainer.steps_done or (history and
                                                   history[-1].step == trainer.steps_done):
        return
    point = judge.measure()
    history.append(point)
    for cb in list(trainer.quality_callbacks):
        cb(point)


def _resume_target(value: str) -> Path:
    """What ``--resume`` names: a checkpoint, a run folder (its newest checkpoint), or nothing
    (the newest interrupted run under ./runs)."""
    from ganstudio.training.autosave import interrupted_runs, newest_checkpoint

    if value == "":
        runs = interrupted_runs(RUNS_DIR)
        if not runs:
            raise UserError(f"no interrupted run to resume in {RUNS_DIR}/ (give a checkpoint "
                            "or a run folder)")
        value = str(runs[0].folder)
    path = Path(value).expanduser()
    if path.is_dir():
        found = newest_checkpoint(path)
        if found is None:
            raise UserError(f"{path} holds no checkpoint to resume from")
        return found
    return path


def _stop_on_signals(trainer) -> dict:
    """Ctrl-C, SIGTERM (what a logout or `kill` sends) and SIGHUP (a closed terminal) stop the
    run between two steps, and it is saved; a second Ctrl-C stops at once. Returns the previous
    handlers and, once one came, ``"signal"``."""
    got: dict = {}

    def handler(signum, frame):
        if "signal" in got and signum == signal.SIGINT:
            raise KeyboardInterrupt
        got.setdefault("signal", signum)
        trainer.request_stop()

    for sig in (signal.SIGINT, signal.SIGTERM, getattr(signal, "SIGHUP", None)):
        if sig is not None:
            got[sig] = signal.signal(sig, handler)
    return got


def _restore_signals(got: dict) -> None:
    for sig, previous in got.items():
        if sig != "signal":
            signal.signal(sig, previous)


def _save_or_say(say, what: str, save) -> Path | None:
    """Run ``save()``; a full disk or a read-only folder is said in one line, not a traceback."""
    from ganstudio.training.autosave import save_failure

    try:
        return save()
    except OSError as e:
        say(save_failure(Path(getattr(e, "filename", None) or what), e))
        return None


def cmd_train(args) -> int:
    from ganstudio.training.distributed import launched, process_group

    with process_group():  # under torchrun: join the other processes for the run
        code = _train(args)
    if launched():
        # Everything is written, closed and the group left; end now, without the interpreter's
        # teardown. There, torch's background threads (gloo's workers, autograd's) can still
        # release tensors while Python is being torn down, which aborts the process (SIGABRT)
        # after a good run: seen once here on rank 1 of a 6,000-step run, and reported
        # upstream (pytorch/pytorch#190489, #179291). torchrun would call that a failure.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    return code


def _train(args) -> int:
    from ganstudio.training import Trainer
    from ganstudio.training.autosave import Autosaver, mark_run
    from ganstudio.training.device import describe_device
    from ganstudio.training.distributed import end_together, is_main

    resume = _resume_target(args.resume) if args.resume is not None else None
    if resume is not None:
        from ganstudio.training.checkpoint import load_checkpoint

        ckpt = load_checkpoint(resume)
        if ckpt.generator_only:  # said before any data is read
            raise UserError(f"{resume.name} holds only a generator (for exploring); it cannot "
                            "continue training")
        cfg, name = ckpt.config, resume.stem
        for assignment in args.set or []:
            cfg.set_text(assignment)
        if args.steps is not None:
            cfg.set("training.steps", args.steps)
        cfg.raise_problems()
    else:
        if args.config and args.preset:
            raise UserError("give --config or --preset, not both")
        cfg, name = _experiment(args)
    if args.threads:
        cfg.set("training.threads", args.threads)
    if args.autosave is not None:
        cfg.set("training.autosave_minutes", args.autosave)
    main = is_main()  # the one process that writes files and prints (all, without torchrun)
    if args.tensorboard:
        cfg.set("training.tensorboard", True)
    if cfg.training.tensorboard:  # a missing package is said before any data is read
        from ganstudio.training import tensorboard_log

        tensorboard_log.require()
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    out = Path(args.out).expanduser() if args.out else (RUNS_DIR / f"{name}-{stamp}")
    if resume is not None and not args.out:
        out = resume.expanduser().resolve().parent
    try:
        if main:
            (out / "samples").mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise UserError(f"cannot write to {out}: {e.strerror or e}") from None

    quiet = args.quiet or not main
    say = (lambda *a: None) if quiet else (lambda *a: print(*a, file=sys.stderr))

    def loading(done: int, total: int, what: str) -> None:
        if not quiet and (done == total or done % 2000 == 0):
            print(f"\r{what}: {done:,}/{total:,}", end="\n" if done == total else "",
                  file=sys.stderr, flush=True)

    trainer = Trainer(cfg, progress=loading)
    if resume is not None:
        trainer.load_state(ckpt)
    if main:
        _save_or_say(say, "config.toml", lambda: cfg.save(out / "config.toml"))
    g, d = trainer.parameter_counts
    say(f"{trainer.source.describe()}")
    say(f"{trainer.spec.describe()}: generator {g:,} weights, discriminator {d:,}; "
        f"on the {describe_device(trainer.device, cfg.training.threads)}, "
        f"{trainer.precision.label}")
    say(f"Writing to {out}")

    ckpt_path = out / "checkpoint.safetensors"
    t = cfg.training
    bar = _Progress(trainer, quiet)
    judge = trainer.live_quality()  # None on the processes other than rank 0
    if main:
        log = _MetricsLog(out / "metrics.csv", trainer.steps_done if resume is not None else None,
                          [m.key for m in judge.measures] if judge else ())
        autosaver = Autosaver(out, t.autosave_minutes, title=name)
        mark_run(out, "running", title=name, step=trainer.steps_done)

    def periodic(record: dict) -> None:
        s = record["step"]
        if t.sample_every and s % t.sample_every == 0:
            _save_or_say(say, "samples", lambda: _save_samples(
                trainer, out / "samples" / f"step-{s:07d}.png"))
        if t.checkpoint_every and s % t.checkpoint_every == 0:
            _save_or_say(say, ckpt_path.name, lambda: trainer.save_checkpoint(ckpt_path))

    def autosaved(path, error) -> None:
        if error:
            bar.bar.write(error, file=sys.stderr)

    def alarmed(alarm) -> None:
        bar.bar.write(f"{'Notice' if alarm.severity == 'notice' else 'Alarm'}: {alarm.text()}",
                      file=sys.stderr)

    trainer.callbacks += [bar, log, periodic] if main else [bar]
    if main:
        trainer.quality_callbacks.append(log.quality)
        trainer.alarm_callbacks.append(alarmed)
    tensorboard = (tensorboard_log.TensorBoardLog(out, trainer)
                   if t.tensorboard and main else None)
    if tensorboard is not None:
        trainer.callbacks.append(tensorboard)
        trainer.quality_callbacks.append(
            lambda point: tensorboard.add_quality(point.step, point.values))
    handlers = _stop_on_signals(trainer)
    try:
        state = trainer.run(autosave=autosaver if main else None, on_autosave=autosaved)
        if main:
            _measure_last_step(trainer, judge)
    finally:
        _restore_signals(handlers)
        bar.close()
        if main:
            log.close()
        if tensorboard is not None:
            tensorboard.close()
    if not main:  # the main process saves and reports; the others end as it does
        end_together(state)
        return _exit_code(state, handlers, say, trainer, out)
    _save_or_say(say, "samples", lambda: _save_samples(trainer, out / "samples" / "final.png"))
    path = _save_or_say(say, ckpt_path.name, lambda: trainer.save_checkpoint(ckpt_path))
    mark_run(out, "ended" if state == "finished" else "interrupted", title=name,
             step=trainer.steps_done)
    quality = _quality_line(trainer)
    if quality:
        say(f"Quality: {quality}")
    say(f"{trainer.steps_done:,} steps in {trainer.elapsed:.1f} s of training; samples in "
        f"{out / 'samples'}")
    end_together(state)
    if path is None:
        return EXIT_BAD_INPUT  # nothing new could be written: said above
    code = _exit_code(state, handlers, say, trainer, out)
    print(path)  # the last line on stdout: where the run is
    return code


def _exit_code(state, handlers: dict, say, trainer, out: Path) -> int:
    code = EXIT_OK
    signum = handlers.get("signal")
    if state in ("diverged", "error"):
        say(trainer.message)
        code = EXIT_DIVERGED
    elif state == "stopped":
        say(f"Stopped at step {trainer.steps_done:,}; the checkpoint is saved. Continue with: "
            f"ganstudio train --resume {out}")
        code = 128 + signum if signum not in (None, signal.SIGINT) else EXIT_INTERRUPTED
    return code




# --- the same run on another machine -----------------------------------------------------------
def torchrun_command(processes: int, config_file: str, out: str) -> str:
    """The command that runs an experiment file with ``processes`` processes (one per GPU) on
    a machine where GAN Studio is installed; each part quoted for a POSIX shell."""
    import shlex

    if processes < 1:
        raise UserError("the number of processes must be at least 1")
    return (f"torchrun --nproc_per_node {int(processes)} -m ganstudio train "
            f"--config {shlex.quote(config_file)} --out {shlex.quote(out)}")

"""``ganstudio train``: a run from the command line, and every way it can end.

A progress bar on stderr; config.toml, metrics.csv, samples/, autosaves and checkpoint.safetensors
in the run's folder; Ctrl-C, SIGTERM and SIGHUP stop between two steps and save; ``--resume``
continues a checkpoint, a run folder or the newest interrupted run. See cli.py for the exit codes.
Under torchrun every process trains (training/distributed.py) and only the main one writes files
and prints.
"""

from __future__ import annotations

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

    def status(self, status) -> None:
        """A long measurement between two steps says how far it is (RunStatus.busy)."""
        if status.busy:
            self.bar.set_postfix_str(status.busy)

    def close(self) -> None:
        self.bar.close()


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


def _stop_on_signals(run) -> dict:
    """Ctrl-C, SIGTERM (what a logout or `kill` sends) and SIGHUP (a closed terminal) stop the
    run between two steps, and it is saved; a second Ctrl-C stops at once. Returns the previous
    handlers and, once one came, ``"signal"``."""
    got: dict = {}

    def handler(signum, frame):
        if "signal" in got and signum == signal.SIGINT:
            raise KeyboardInterrupt
        got.setdefault("signal", signum)
        run.stop()

    for sig in (signal.SIGINT, signal.SIGTERM, getattr(signal, "SIGHUP", None)):
        if sig is not None:
            got[sig] = signal.signal(sig, handler)
    return got


def _restore_signals(got: dict) -> None:
    for sig, previous in got.items():
        if sig != "signal":
            signal.signal(sig, previous)


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
    from ganstudio.training.device import describe_device
    from ganstudio.training.distributed import end_together, is_main
    from ganstudio.training.run import Run, run_title

    cfg, name, ckpt, out, edits = _what_to_run(args)
    main = is_main()  # the one process that writes files and prints (all, without torchrun)
    quiet = args.quiet or not main
    say = (lambda *a: None) if quiet else (lambda *a: print(*a, file=sys.stderr))

    def loading(done: int, total: int, what: str) -> None:
        if not quiet and (done == total or done % 2000 == 0):
            print(f"\r{what}: {done:,}/{total:,}", end="\n" if done == total else "",
                  file=sys.stderr, flush=True)

    if main:  # said before any data is read
        try:
            out.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise UserError(f"cannot write to {out}: {e.strerror or e}") from None
    # a resumed run keeps the title its folder has (not the checkpoint's file name)
    title = run_title(out, cfg.source_info.title) if ckpt is not None else name
    if args.branch:
        title = name
    run = Run(cfg, folder=out, title=title, checkpoint=ckpt, progress=loading, main=main,
              say=say)
    trainer = run.build()
    for field, value in edits:  # a branch's other settings, recorded at its first step
        run.edit_now(field, value)
    g, d = trainer.parameter_counts
    say(f"{trainer.source.describe()}")
    say(f"{trainer.spec.describe()}: generator {g:,} weights, discriminator {d:,}; "
        f"on the {describe_device(trainer.device, cfg.training.threads)}, "
        f"{trainer.precision.label}")
    say(f"Writing to {out}")
    bar = _Progress(trainer, quiet)
    run.say = lambda line: bar.bar.write(line, file=sys.stderr) if not quiet else None
    trainer.callbacks.append(bar)

    def alarmed(alarm) -> None:
        run.say(f"{'Notice' if alarm.severity == 'notice' else 'Alarm'}: {alarm.text()}")

    handlers = _stop_on_signals(run)
    try:
        state = run.train(on_alarm=alarmed if main else None,
                          on_status=bar.status if main else None)
        run.measure_last_step(state)
    finally:
        _restore_signals(handlers)
        bar.close()
        run.say = say
        run.close()
    path = run.finish(state)
    if not main:  # the main process saves and reports; the others end as it does
        end_together(state)
        return _exit_code(state, handlers, say, run, out)
    quality = run.quality_line()
    if quality:
        say(f"Quality: {quality}")
    say(f"{trainer.steps_done:,} steps in {trainer.elapsed:.1f} s of training; samples in "
        f"{out / 'samples'}")
    end_together(state)
    if path is None:
        return EXIT_BAD_INPUT  # nothing new could be written: said above
    code = _exit_code(state, handlers, say, run, out)
    print(path)  # the last line on stdout: where the run is
    return code


def _what_to_run(args):
    """The experiment, its name, the checkpoint to continue (or None) and the run's folder,
    from the command line's arguments; bad ones are refused before any data is read."""
    resume = _resume_target(args.resume) if args.resume is not None else None
    ckpt, edits = None, []
    if args.branch:
        return _branch(args)
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
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    out = Path(args.out).expanduser() if args.out else (RUNS_DIR / f"{name}-{stamp}")
    if resume is not None and not args.out:
        out = resume.expanduser().resolve().parent
    _apply_run_options(cfg, args)
    return cfg, name, ckpt, out, edits


def _apply_run_options(cfg, args) -> None:
    """--threads, --autosave and --tensorboard (a missing package said before any data is
    read)."""
    if args.threads:
        cfg.set("training.threads", args.threads)
    if args.autosave is not None:
        cfg.set("training.autosave_minutes", args.autosave)
    if args.tensorboard:
        cfg.set("training.tensorboard", True)
    if cfg.training.tensorboard:
        from ganstudio.training import tensorboard_log

        tensorboard_log.require()


def _branch(args):
    """``--branch SNAPSHOT``: the snapshot's run continued in a new folder; the --set changes
    are made at its step as recorded changes (checked like changes made in the window)."""
    from ganstudio.config import FIELDS, ConfigError
    from ganstudio.training.autosave import read_run
    from ganstudio.training.checkpoint import load_checkpoint
    from ganstudio.training.snapshots import FOLDER

    path = Path(args.branch).expanduser()
    ckpt = load_checkpoint(path)
    if ckpt.generator_only:
        raise UserError(f"{path.name} holds only a generator (for exploring); it cannot "
                        "continue training")
    cfg, edits = ckpt.config, []
    for assignment in args.set or []:
        if "=" not in assignment:
            raise ConfigError(f"--set needs FIELD=VALUE, got {assignment!r}")
        field, text = (part.strip() for part in assignment.split("=", 1))
        if field not in FIELDS:
            raise ConfigError(f"no setting called {field!r}", field)
        edits.append((field, FIELDS[field].parse(text)))
    if args.steps is not None:
        cfg.set("training.steps", args.steps)
    _apply_run_options(cfg, args)
    origin = path.resolve().parent
    if origin.name == FOLDER:
        origin = origin.parent
    record = read_run(origin)
    base = record.title if record else cfg.source_info.title
    name = f"{base}, branched at step {ckpt.steps_done:,}"
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    out = Path(args.out).expanduser() if args.out else (
        RUNS_DIR / f"{origin.name}-branch-{ckpt.steps_done}-{stamp}")
    if out.resolve() == origin:
        raise UserError("a branch goes into a new folder: give another --out")
    return cfg, name, ckpt, out, edits


def _exit_code(state, handlers: dict, say, run, out: Path) -> int:
    code = EXIT_OK
    signum = handlers.get("signal")
    if state in ("diverged", "error"):
        say(run.session.message)
        code = EXIT_DIVERGED
    elif state == "stopped":
        say(f"Stopped at step {run.trainer.steps_done:,}; the checkpoint is saved. Continue with: "
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

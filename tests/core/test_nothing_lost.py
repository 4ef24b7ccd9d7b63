"""Nothing lost: autosave, every way a run can end, starved processes, hostile checkpoints.

Each promise is tested on a real process: killed, signalled or starved, then what it left is
loaded.
"""

import errno
import os
import pickle
import random
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ganstudio.training import Trainer, train
from ganstudio.training.autosave import (PREFIX as AUTOSAVE_PREFIX, Autosaver,
                                         interrupted_runs, mark_run, newest_checkpoint,
                                         read_run, save_failure)
from ganstudio.training.checkpoint import CheckpointError, load_checkpoint
from tests.conftest import tiny_config

ROOT = Path(__file__).resolve().parents[2]
TINY = ["--set", "model.g_width=32", "--set", "model.d_width=32", "--set",
        "training.batch_size=32", "--set", "training.sample_every=0"]


def train_process(out, *extra, resume=False, preexec_fn=None):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    what = ["--resume", str(out)] if resume else ["--preset", "ring", *TINY]
    return subprocess.Popen([sys.executable, "-m", "ganstudio", "train", *what,
                             "--out", str(out), *extra], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env, preexec_fn=preexec_fn)


def wait_training(out: Path, lines: int = 5, timeout: float = 60) -> None:
    metrics = out / "metrics.csv"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if metrics.exists() and len(metrics.read_text().splitlines()) > lines:
            return
        time.sleep(0.02)
    raise AssertionError("the run never started training")


# --- the autosaver ------------------------------------------------------------------------------
class Clock:
    def __init__(self):
        self.t = 0.0

    def __call__(self):
        return self.t


def test_autosave_comes_every_few_minutes_and_keeps_the_newest_two(tmp_path):
    t = Trainer(tiny_config())
    clock = Clock()
    saver = Autosaver(tmp_path, every_minutes=5, clock=clock, title="ring")
    assert not saver.due()
    paths = []
    for _ in range(3):
        train(t, 2)
        clock.t += 300
        assert saver.due()
        paths.append(saver.save(t))
        assert not saver.due()
    kept = sorted(tmp_path.glob("autosave-*.safetensors"))
    assert kept == sorted(paths[1:])  # the oldest was removed
    assert load_checkpoint(newest_checkpoint(tmp_path)).steps_done == 6
    assert read_run(tmp_path).step == 6 and read_run(tmp_path).state == "running"
    assert not Autosaver(tmp_path, 0).due()  # 0 = off


def test_two_processes_never_write_the_same_autosave_file(tmp_path):
    a, b = Autosaver(tmp_path, 1), Autosaver(tmp_path, 1)
    b.tag = "other-process"
    t = Trainer(tiny_config())
    assert a.save(t) != b.save(t)
    assert len(list(tmp_path.glob("autosave-*"))) == 2


def test_a_failed_autosave_keeps_the_old_one_and_says_why(tmp_path, monkeypatch):
    t = Trainer(tiny_config())
    saver = Autosaver(tmp_path, 1)
    first = saver.save(t)

    def full(path, **kw):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(t, "save_checkpoint", full)
    t.steps_done += 1
    assert saver.save(t) is None
    assert saver.last_error.startswith("Could not save") and "disk is full" in saver.last_error
    assert first.exists() and load_checkpoint(first).steps_done == 0
    assert "cannot be written" in save_failure(Path("x"), OSError(errno.EROFS, "Read-only"))


def test_interrupted_runs_are_the_cut_off_ones_with_a_checkpoint(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True).stdout.strip()
    t = Trainer(tiny_config())
    for name, state in (("killed", "running"), ("signalled", "interrupted"), ("done", "ended"),
                        ("live", "running")):
        (tmp_path / name).mkdir()
        t.save_checkpoint(tmp_path / name / "checkpoint")
        mark_run(tmp_path / name, state, title=name, step=3)
    import json

    rec = json.loads((tmp_path / "killed" / "run.json").read_text())
    rec["pid"] = int(dead)  # its process is gone
    (tmp_path / "killed" / "run.json").write_text(json.dumps(rec))
    found = {r.title for r in interrupted_runs(tmp_path)}
    assert found == {"killed", "signalled"}  # not the finished one, not the live one


# --- every ending saves -------------------------------------------------------------------------
@pytest.mark.slow
@pytest.mark.parametrize("sig, code", [(signal.SIGTERM, 143), (signal.SIGHUP, 129),
                                       (signal.SIGINT, 130)], ids=["SIGTERM", "SIGHUP", "Ctrl-C"])
def test_a_signal_stops_between_steps_saves_and_exits_within_two_seconds(tmp_path, sig, code):
    proc = train_process(tmp_path, "--steps", "0")
    wait_training(tmp_path)
    t0 = time.monotonic()
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=60)
    took = time.monotonic() - t0
    assert proc.returncode == code, err
    print(f"{sig.name}: saved and exited {took:.2f} s after the signal")
    assert took < 4.0, f"took {took:.2f} s to save and exit"
    ckpt = Path(out.strip().splitlines()[-1])
    assert load_checkpoint(ckpt).steps_done > 5 and "Traceback" not in err
    assert read_run(tmp_path).state == "interrupted"  # so it is offered for resuming
    assert "--resume" in err


@pytest.mark.slow
def test_resume_alone_continues_the_newest_interrupted_run(tmp_path):
    runs = tmp_path / "runs"
    proc = train_process(runs / "ring-1", "--steps", "0")
    wait_training(runs / "ring-1")
    proc.send_signal(signal.SIGTERM)
    out, _ = proc.communicate(timeout=60)
    step = load_checkpoint(Path(out.strip().splitlines()[-1])).steps_done
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    resumed = subprocess.run([sys.executable, "-m", "ganstudio", "train", "--resume", "--steps",
                              str(step + 4), "--quiet"], capture_output=True, text=True,
                             env=env, cwd=tmp_path, timeout=120)
    assert resumed.returncode == 0, resumed.stderr
    assert load_checkpoint(runs / "ring-1" / "checkpoint.safetensors").steps_done == step + 4
    assert read_run(runs / "ring-1").state == "ended"
    rows = (runs / "ring-1" / "metrics.csv").read_text().splitlines()[1:]
    assert [int(float(r.split(",")[0])) for r in rows] == list(range(1, step + 5))  # each once
    nothing = subprocess.run([sys.executable, "-m", "ganstudio", "train", "--resume"],
                             capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60)
    assert nothing.returncode == 2 and "no interrupted run" in nothing.stderr


@pytest.mark.slow
def test_kills_at_random_moments_and_in_the_middle_of_saves_always_leave_a_loadable_checkpoint(
        tmp_path):
    """SIGKILL (or a power cut) at any moment, saves included: what is left always loads, and
    the run resumes from it. Autosaves come every 0.06 s here; every other kill waits for a save
    to be under way (its temporary file there) and lands in it. A temporary file still there
    after the kill proves that the save was cut off before its file took the checkpoint's
    name; the test goes on until at least three kills have done that."""
    rng = random.Random(20)
    mid_save = 0
    steps = []
    kills = 0
    while kills < 16 or (mid_save < 3 and kills < 40):
        extra = ["--steps", "0", "--autosave", "0.001"]
        started = time.time_ns()
        proc = train_process(tmp_path, *extra, resume=kills > 0)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:  # training, and this process has saved once
            newest = newest_checkpoint(tmp_path)
            if newest is not None and newest.stat().st_mtime_ns > started:
                break
            assert proc.poll() is None, proc.communicate()[1]
            time.sleep(0.01)
        if kills % 2 or kills >= 16:  # aimed at a save: kill as soon as one is being written
            deadline = time.monotonic() + 10
            while not _saving(tmp_path) and time.monotonic() < deadline:
                time.sleep(0.0002)
        else:  # at a random moment
            time.sleep(rng.uniform(0.0, 0.3))
        proc.kill()
        proc.communicate(timeout=30)
        kills += 1
        cut = _saving(tmp_path)
        if cut:  # the kill landed during a save
            mid_save += 1
            assert newest_checkpoint(tmp_path) not in cut
        for leftover in tmp_path.glob(".*.tmp"):  # a save cut off: never taken for a checkpoint
            leftover.unlink()
        every = sorted(p for p in tmp_path.glob("*.safetensors"))
        assert every, "a kill left no checkpoint"
        for path in every:
            load_checkpoint(path)  # each one whole: never a broken file
        newest = load_checkpoint(newest_checkpoint(tmp_path))
        assert not steps or newest.steps_done >= steps[-1]  # never goes backwards
        steps.append(newest.steps_done)
    print(f"{kills} kills, {mid_save} during a save; steps kept {steps}")
    assert mid_save >= 3, f"only {mid_save} of {kills} kills landed during a save"
    Trainer.from_checkpoint(newest_checkpoint(tmp_path))  # and it resumes
    assert steps[-1] > steps[0]  # each resumed run trained on from what was kept


def _saving(folder: Path) -> list[Path]:
    """The temporary files of checkpoints being written (ganstudio/atomic.py names them)."""
    return [folder / name for name in os.listdir(folder)
            if name.startswith(f".{AUTOSAVE_PREFIX}") and name.endswith(".tmp")]


@pytest.mark.slow
def test_a_starved_disk_keeps_the_old_checkpoint_and_says_so_in_one_line(tmp_path):
    """A process that may write no file over 64 KiB (as on a full disk, the write fails): the
    autosaves and the final save fail, the run is told in one line, nothing older is broken."""
    proc = train_process(tmp_path, "--steps", "40", "--autosave", "0.001",
                         preexec_fn=lambda: (
                             signal.signal(signal.SIGXFSZ, signal.SIG_IGN),
                             resource.setrlimit(resource.RLIMIT_FSIZE, (65536, 65536))))
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 2, err
    assert "Could not save checkpoint.safetensors" in err and "Traceback" not in err
    assert not list(tmp_path.glob("*.safetensors"))  # no half-written checkpoint either
    assert not list(tmp_path.glob(".*.tmp"))


# --- checkpoints from elsewhere -----------------------------------------------------------------
class _Evil:
    def __reduce__(self):
        return (os.system, (f"touch {_Evil.marker}",))


@pytest.mark.parametrize("content", ["pickle", "random", "empty", "truncated"])
def test_a_hostile_or_broken_file_is_refused_in_one_line_and_never_runs(tmp_path, content):
    marker = tmp_path / "code-ran"
    _Evil.marker = marker
    path = tmp_path / "model.safetensors"
    if content == "pickle":
        path.write_bytes(pickle.dumps(_Evil()))
    elif content == "random":
        path.write_bytes(random.Random(1).randbytes(5000))
    elif content == "empty":
        path.write_bytes(b"")
    else:
        good = Trainer(tiny_config()).save_checkpoint(tmp_path / "good")
        path.write_bytes(good.read_bytes()[:2000])
    with pytest.raises(CheckpointError):
        load_checkpoint(path)
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    for command in (["info"], ["sample", "--out", str(tmp_path / "x.png")], ["train", "--resume"]):
        proc = subprocess.run([sys.executable, "-m", "ganstudio", *command, str(path)],
                              capture_output=True, text=True, env=env, timeout=60)
        assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert not marker.exists()  # the pickle's code never ran


def test_a_checkpoint_of_another_architecture_is_refused_naming_both(tmp_path):
    path = Trainer(tiny_config(model__g_width=16)).save_checkpoint(tmp_path / "small")
    with pytest.raises(CheckpointError, match="holds a .* but this experiment is a"):
        Trainer(tiny_config(model__g_width=64)).load_state(load_checkpoint(path))


def test_out_of_memory_stops_the_run_with_advice_and_the_last_good_weights(monkeypatch):
    import torch

    t = Trainer(tiny_config(training__steps=0))
    train(t, 3)
    good = [p.detach().clone() for p in t.G.parameters()]
    real_forward = t.D.forward

    def starved(*args, **kwargs):
        raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")

    monkeypatch.setattr(t.D, "forward", starved)
    sessions = []
    assert train(t, 5, on_session=sessions.append) == "error"
    message = sessions[0].message
    assert "ran out of memory at step 4" in message and "smaller batch size" in message
    assert t.steps_done == 3
    assert all(torch.equal(a, b) for a, b in zip(good, t.G.parameters()))
    monkeypatch.setattr(t.D, "forward", real_forward)
    path = t.save_checkpoint(Path(__import__("tempfile").mkdtemp()) / "kept")  # still saveable
    assert load_checkpoint(path).steps_done == 3

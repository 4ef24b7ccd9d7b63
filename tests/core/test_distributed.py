"""Training over several processes (torchrun, DistributedDataParallel), on the processor (gloo).

The process tests start ``python -m torch.distributed.run --standalone --nproc_per_node 2`` on
tests/core/ddp_worker.py, which runs the real ``ganstudio train`` and reports what each process
holds at the end; a run that hangs is killed and fails the test.
"""

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from ganstudio.training import distributed

ROOT = Path(__file__).resolve().parents[2]
WORKER = Path(__file__).with_name("ddp_worker.py")
HANG = 120  # seconds: far more than a run here takes; past it the run is killed
RING = ["--preset", "ring", "--set", "model.g_width=64", "--set", "model.d_width=64",
        "--set", "training.batch_size=64", "--set", "training.threads=1"]
# the digits preset (a DCGAN with batch norm in G and D), shrunk
DIGITS = ["--preset", "digits", "--set", "data.size=200", "--set", "data.image_size=32",
          "--set", "model.g_width=8", "--set", "model.d_width=8", "--set", "model.latent_dim=8",
          "--set", "training.batch_size=16", "--set", "training.threads=1",
          "--set", "training.precision=fp32"]


def _env(**extra) -> dict:
    env = dict(os.environ, PYTHONPATH=str(ROOT), OMP_NUM_THREADS="1")
    for k in ("WORLD_SIZE", "RANK", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT"):
        env.pop(k, None)
    env.update(extra)
    return env


def _start(cwd: Path, *args: str, report: Path, **extra) -> subprocess.Popen:
    report.mkdir(exist_ok=True)
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node",
           "2", str(WORKER), "train", *args]
    return subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True,
                            env=_env(GANSTUDIO_TEST_REPORT=str(report), **extra))


def _finish(proc: subprocess.Popen, timeout: float = HANG) -> tuple[str, str]:
    try:
        return proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)  # torchrun and its two processes
        out, err = proc.communicate()
        pytest.fail(f"the two processes hung:\n{err[-3000:]}")


def _torchrun(cwd: Path, *args: str, report: Path) -> tuple[int, str, str]:
    proc = _start(cwd, *args, report=report)
    out, err = _finish(proc)
    return proc.returncode, out, err


def _ganstudio(*args: str) -> int:
    """``ganstudio ARGS`` in this process (one process, no torchrun; no interpreter to start)."""
    from ganstudio import cli

    return cli.main(list(args))


def _no_traceback_of_ours(err: str) -> None:
    # torchrun prints its own traceback when a process ends with an error code (130 and 143
    # for a stopped run): none may come from GAN Studio's code
    assert f'File "{ROOT / "ganstudio"}' not in err and "ddp_worker.py\", line" not in err, err


def _reports(folder: Path) -> tuple[dict, dict]:
    return tuple(json.loads((folder / f"rank{r}.json").read_text()) for r in (0, 1))


def _metric_steps(run: Path) -> list[int]:
    lines = (run / "metrics.csv").read_text().splitlines()
    assert lines[0].startswith("step,")
    return [int(float(line.split(",", 1)[0])) for line in lines[1:]]


def _files(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()}


def _weights_digest(module_state: dict, names: set[str]) -> str:
    h = hashlib.sha256()
    for k, v in sorted(module_state.items()):
        if k in names:
            h.update(v.contiguous().numpy().tobytes())
    return h.hexdigest()


# --- the pieces, in this process ------------------------------------------------------------------
def test_a_run_without_torchrun_has_no_process_group_and_no_wrappers(make_config, monkeypatch):
    from ganstudio.training import Trainer

    monkeypatch.delenv("WORLD_SIZE", raising=False)
    assert not distributed.launched() and distributed.current() is None
    with distributed.process_group() as world:
        assert world is None and not torch.distributed.is_initialized()
    tr = Trainer(make_config())
    assert tr.world is None and tr._g_train is tr.G and tr._d_train is tr.D
    assert distributed.rank_seed(7, None) == 7
    monkeypatch.setenv("WORLD_SIZE", "1")  # torchrun with one process: the same
    monkeypatch.setenv("RANK", "0")
    assert not distributed.launched()


def test_stored_pictures_are_shared_out_and_drawn_data_gets_its_own_seed(make_config):
    from ganstudio.data import build_source

    source = build_source(make_config("shapes", data__size=13))
    shares = [source.for_rank(r, 3, seed=99) for r in range(3)]
    for epoch in range(2):
        orders = [s._order(epoch) for s in shares]
        assert {len(o) for o in orders} == {5}  # 13 padded to 15: equal shares
        assert sorted(torch.cat(orders).unique().tolist()) == list(range(13))
        # one process's order dealt out like cards, the last round made up from its start
        whole = source._order(epoch)
        assert torch.equal(torch.stack(orders, 1).flatten(), torch.cat([whole, whole[:2]]))
    batches = [s.next_batch(4)[0] for s in shares]
    assert not torch.equal(batches[0], batches[1])
    assert source.for_rank(0, 1, seed=99) is source  # one process: untouched

    ring = build_source(make_config("ring"))
    world = distributed.World(rank=1, size=2, local_rank=1)
    other = ring.for_rank(1, 2, seed=distributed.rank_seed(ring.seed, world))
    assert other.seed != ring.seed
    assert not torch.equal(ring.next_batch(8)[0], other.next_batch(8)[0])
    main = distributed.World(rank=0, size=2, local_rank=0)
    assert distributed.rank_seed(ring.seed, main) == ring.seed  # rank 0 draws as one process
    assert ring.for_rank(0, 2, seed=ring.seed) is ring


# --- two processes ------------------------------------------------------------------------------
def test_two_processes_train_one_model_write_one_run_and_resume_in_one(tmp_path):
    steps = 30
    code, out, err = _torchrun(tmp_path, *RING, "--steps", str(steps), "--out", "run",
                               "--quiet", report=tmp_path / "report")
    assert code == 0, err[-3000:]
    _no_traceback_of_ours(err)
    r0, r1 = _reports(tmp_path / "report")
    assert r0["steps"] == r1["steps"] == steps
    for part in ("G", "D", "EMA", "optimisers"):  # R1 is on in this preset
        assert r0[part] == r1[part], f"{part} differs between the processes"
    assert r0["streams"] != r1["streams"]  # ... yet they drew different noise and points
    # and a D step with R1 (gradients at D's inputs) got the mean of the lone gradients
    assert r0["averaged_gradients"] and r1["averaged_gradients"]
    assert not any(k.startswith("module.") for k in r0["keys"])

    run = tmp_path / "run"
    # one set of files, written once: nothing from the other process, no second run folder
    assert {p.name for p in tmp_path.iterdir()} == {"run", "report"}
    assert _files(run) == {"config.toml", "metrics.csv", "run.json", "checkpoint.safetensors",
                           "samples/final.png", "snapshots/step-0000010.safetensors",
                           "snapshots/step-0000020.safetensors",
                           "snapshots/step-0000030.safetensors"}
    assert _metric_steps(run) == list(range(1, steps + 1))
    assert out.strip().splitlines() == [str(Path("run") / "checkpoint.safetensors")]
    from ganstudio.training.checkpoint import load_checkpoint

    ckpt = load_checkpoint(run / "checkpoint.safetensors")
    assert ckpt.steps_done == steps
    g = ckpt.section("G")
    assert g and not any(k.startswith("module.") for k in g)
    assert _weights_digest(g, set(g)) == r0["G"]  # an MLP: weights only, those trained

    assert _ganstudio("train", "--resume", str(run), "--steps", str(steps + 10), "--quiet") == 0
    assert load_checkpoint(run / "checkpoint.safetensors").steps_done == steps + 10
    assert _metric_steps(run) == list(range(1, steps + 11))


def test_a_dcgan_resumed_from_one_process_in_two_stops_in_both_at_a_signal_to_one(tmp_path):
    """Batch norm in G and D; the checkpoint of a one-process run; SIGTERM to rank 1 only."""
    assert _ganstudio("train", *DIGITS, "--steps", "3", "--out", str(tmp_path / "run"),
                      "--quiet") == 0
    started = tmp_path / "started"
    started.mkdir()
    proc = _start(tmp_path, "--resume", "run", "--steps", "0", "--quiet",
                  report=tmp_path / "report", GANSTUDIO_TEST_STARTED=str(started))
    deadline = time.monotonic() + HANG
    while not (started / "pid1").exists() and proc.poll() is None \
            and time.monotonic() < deadline:
        time.sleep(0.05)
    assert (started / "pid1").exists(), _finish(proc)[1][-3000:]
    os.kill(int((started / "pid1").read_text()), signal.SIGTERM)
    out, err = _finish(proc, timeout=60)
    _no_traceback_of_ours(err)
    r0, r1 = _reports(tmp_path / "report")
    stopped = r0["steps"]
    assert r1["steps"] == stopped >= 5  # the same step: rank 0 was told through the step's sum
    for part in ("G", "D", "EMA", "optimisers"):
        assert r0[part] == r1[part], f"{part} differs between the processes"
    assert r0["averaged_gradients"] and r1["averaged_gradients"]  # batch norm in D too
    # each process normalised its own pictures: batch-norm statistics of its own batches
    assert r0["G_buffers"] != r1["G_buffers"]
    assert r0["data"] == r1["data"]  # at the same place of the shared order
    run = tmp_path / "run"
    from ganstudio.training.checkpoint import load_checkpoint

    assert load_checkpoint(run / "checkpoint.safetensors").steps_done == stopped  # rank 0 saved
    assert json.loads((run / "run.json").read_text())["state"] == "interrupted"
    assert _metric_steps(run) == list(range(1, stopped + 1))

"""A run's timeline: snapshots kept as it trains, within a budget; branching from one into a new
folder with other settings, recorded; the run folder says what changed and replays it."""

import csv

import torch

from ganstudio import cli
from ganstudio.config import ExperimentConfig
from ganstudio.training import Run, Trainer, train
from ganstudio.training import snapshots
from ganstudio.training.checkpoint import load_checkpoint


def test_snapshots_are_dense_early_and_sparse_later():
    steps = [s for s in range(1, 6001) if snapshots.due(s)]
    assert steps[:3] == [10, 20, 30] and 500 in steps and 6000 in steps
    assert 5500 not in steps and len(steps) < 40


def test_the_snapshots_stay_within_their_budget_keeping_the_first_and_newest(tmp_path):
    from tests.conftest import tiny_config

    t = Trainer(tiny_config("ring", training__steps=0))
    train(t, 10)
    one = snapshots.SnapshotKeeper(tmp_path).take(t).stat().st_size
    keeper = snapshots.SnapshotKeeper(tmp_path, budget_mb=4.5 * one / 2**20)
    for _ in range(11):
        train(t, 10)
        keeper.take(t)
    kept = [s for s, _ in snapshots.listed(tmp_path)]
    assert 3 <= len(kept) <= 4 and kept[0] == 10 and kept[-1] == 120
    gaps = [b / a for a, b in zip(kept, kept[1:])]
    assert max(gaps) < 4  # spread over the run, not all dropped from one end
    assert snapshots.snapshot_step(snapshots.path_for(tmp_path, 70)) == 70


def test_no_snapshots_when_the_run_keeps_none(tmp_path):
    from tests.conftest import tiny_config

    cfg = tiny_config("ring", training__steps=0)
    cfg.training.snapshot_mb = 0
    run = Run(cfg, folder=tmp_path, title="ring")
    run.train(25)
    run.finish("finished")
    assert snapshots.listed(tmp_path) == [] and (tmp_path / "checkpoint.safetensors").exists()
    cfg.training.snapshot_mb = 50
    run = Run(cfg, folder=tmp_path / "kept", title="ring")
    run.train(25)
    assert [s for s, _ in snapshots.listed(tmp_path / "kept")] == [10, 20]


def test_a_branch_continues_a_snapshot_in_a_new_folder_with_its_changes_recorded(
        tmp_path, capsys):
    first = tmp_path / "first"
    assert cli.main(["train", "--preset", "ring", "--steps", "60", "--out", str(first),
                     "--threads", "1", "--quiet", "--set", "training.batch_size=32"]) == 0
    before = {p.name: p.stat().st_mtime_ns for p in first.rglob("*") if p.is_file()}
    snap = first / "snapshots" / "step-0000030.safetensors"
    branch = tmp_path / "branch"
    assert cli.main(["train", "--branch", str(snap), "--steps", "50", "--out", str(branch),
                     "--threads", "1", "--quiet", "--set", "loss.name=hinge"]) == 0
    # the original run is untouched
    assert {p.name: p.stat().st_mtime_ns for p in first.rglob("*") if p.is_file()} == before
    ckpt = load_checkpoint(branch / "checkpoint.safetensors")
    assert ckpt.steps_done == 50 and ckpt.config.loss.name == "hinge"
    assert [c.text() for c in ckpt.changes()] == ["step 30: loss.name nonsaturating -> hinge"]
    with open(branch / "changes.csv", newline="", encoding="utf-8") as f:
        assert list(csv.reader(f)) == [["step", "setting", "old", "new"],
                                       ["30", "loss.name", "nonsaturating", "hinge"]]
    # its config.toml replays it: the first run's settings, the change at step 30
    replay = ExperimentConfig.load(branch / "config.toml")
    assert replay.loss.name == "nonsaturating" and replay.changes == [
        {"step": 30, "field": "loss.name", "value": "hinge"}]
    capsys.readouterr()
    assert cli.main(["info", str(branch / "checkpoint.safetensors")]) == 0
    assert "step 30: loss.name nonsaturating -> hinge" in capsys.readouterr().out


def test_the_replay_file_of_a_steered_run_trains_to_the_same_weights(tmp_path):
    from tests.conftest import tiny_config

    cfg = tiny_config("ring", training__steps=0)
    cfg.training.threads = 1
    run = Run(cfg, folder=tmp_path / "steered", title="steered")
    run.build()
    run.train(8)
    run.edit_now("optimizer.lr_g", 3e-4)
    run.edit_now("training.update", "d")
    run.train(6)
    run.finish("finished")
    replayed = Trainer(ExperimentConfig.load(tmp_path / "steered" / "config.toml"))
    train(replayed, 14)
    assert all(torch.equal(a, b) for a, b in zip(run.trainer.G.parameters(),
                                                  replayed.G.parameters()))
    assert all(torch.equal(a, b) for a, b in zip(run.trainer.D.parameters(),
                                                  replayed.D.parameters()))


def test_a_resumed_steered_run_still_writes_the_file_that_replays_it(tmp_path):
    from tests.conftest import tiny_config

    cfg = tiny_config("ring", training__steps=0)
    cfg.training.threads = 1
    run = Run(cfg, folder=tmp_path / "a", title="a")
    run.build()
    run.train(5)
    run.edit_now("optimizer.lr_d", 2e-4)
    run.train(5)
    path = run.finish("stopped")
    ckpt = load_checkpoint(path)
    resumed = Run(ckpt.config, folder=tmp_path / "a", title="a", checkpoint=ckpt)
    resumed.build()
    resumed.train(4)
    resumed.finish("finished")
    replay = ExperimentConfig.load(tmp_path / "a" / "config.toml")
    assert replay.optimizer.lr_d == cfg.optimizer.lr_d  # the start, not the changed value
    assert replay.changes == [{"step": 5, "field": "optimizer.lr_d", "value": 2e-4}]
    replayed = Trainer(replay)
    train(replayed, 14)
    assert all(torch.equal(a, b) for a, b in zip(resumed.trainer.G.parameters(),
                                                  replayed.G.parameters()))

"""Steering a run while it trains: settings changed between two steps, recorded, replayed."""

import threading
import time

import pytest
import torch

from ganstudio.changes import Change, lock_reason
from ganstudio.config import ConfigError, ExperimentConfig
from ganstudio.training import Trainer, train
from ganstudio.training import steering
from ganstudio.training.checkpoint import load_checkpoint
from ganstudio.training.session import TrainingSession
from tests.conftest import tiny_config


def _params(m):
    return [p.detach().clone() for p in m.parameters()]


def _same(a, b):
    return all(torch.equal(x, y) for x, y in zip(a, b))


def ring(**overrides):
    cfg = tiny_config("ring", training__steps=0, **overrides)
    cfg.optimizer.lr_decay = "none"
    cfg.training.threads = 1
    return cfg


def test_a_learning_rate_changed_mid_run_reaches_the_optimiser_and_keeps_its_moments():
    t = Trainer(ring())
    train(t, 5)
    moments = [s["exp_avg"].clone() for s in t.opt_d.state.values()]
    change = steering.apply_edit(t, "optimizer.lr_d", 3e-5)
    assert change == Change(5, "optimizer.lr_d", 1e-3, 3e-5)
    assert change.text().startswith("step 5: optimizer.lr_d ") and change.text().endswith(
        "-> 3e-05")
    assert all(g["lr"] == 3e-5 for g in t.opt_d.param_groups)
    assert all(torch.equal(a, s["exp_avg"]) for a, s in zip(moments, t.opt_d.state.values()))
    assert t.changes == [change]


def test_locked_and_bad_edits_are_refused_with_the_reason_and_change_nothing():
    t = Trainer(ring())
    train(t, 2)
    before = t.config.to_dict()
    with pytest.raises(ConfigError, match="noise size is part of the networks") as e:
        steering.apply_edit(t, "model.latent_dim", 8)
    assert e.value.field == "model.latent_dim"
    with pytest.raises(ConfigError) as e:
        steering.apply_edit(t, "optimizer.lr_d", -1.0)
    assert e.value.field == "optimizer.lr_d"
    with pytest.raises(ConfigError, match="pictures only"):
        steering.apply_edit(t, "loss.diffaugment", ["color"])
    assert t.config.to_dict() == before and t.changes == []
    assert "start a new run, or branch" in lock_reason("model.latent_dim")
    assert lock_reason("optimizer.lr_g") == ""


def test_a_loss_that_needs_another_discriminator_is_refused():
    cfg = tiny_config("digits", training__steps=0)
    cfg.loss.r1_weight = cfg.loss.r2_weight = cfg.loss.gp_weight = 0.0
    t = Trainer(cfg)  # DCGAN without a penalty: batch norm in D
    assert t.spec.d_batchnorm
    with pytest.raises(ConfigError, match="another shape"):
        steering.apply_edit(t, "loss.name", "wgan-gp")
    steering.apply_edit(t, "loss.name", "hinge")  # fits the same D
    assert t.config.loss.name == "hinge"


def test_training_the_discriminator_alone_leaves_the_generator_unchanged():
    t = Trainer(ring())
    train(t, 3)
    g, ema, d = _params(t.G), _params(t.ema), _params(t.D)
    steering.apply_edit(t, "training.update", "d")
    train(t, 10)
    assert _same(g, t.G.parameters()) and _same(ema, t.ema.parameters())
    assert not _same(d, t.D.parameters())
    steering.apply_edit(t, "training.update", "g")
    d = _params(t.D)
    train(t, 5)
    assert _same(d, t.D.parameters()) and not _same(g, t.G.parameters())


def test_a_session_edits_between_steps_and_says_so():
    t = Trainer(ring())
    changes, answers = [], []
    s = TrainingSession(t, pictures=False, on_change=changes.append)
    worker = threading.Thread(target=s.run)
    worker.start()
    try:
        deadline = time.monotonic() + 20
        while t.steps_done < 3 and time.monotonic() < deadline:
            time.sleep(0.01)
        s.edit("optimizer.lr_g", 1e-5, lambda c, err: answers.append((c, err)))
        s.edit("training.n_critic", 0, lambda c, err: answers.append((c, err)))
        while len(answers) < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
    finally:
        s.stop()
        worker.join(10)
    (ok, no_error), (refused, why) = answers
    assert ok.field == "optimizer.lr_g" and ok.new == 1e-5 and no_error == ""
    assert refused is None and why
    assert changes == [ok] and t.config.training.n_critic == 1


def test_an_experiment_file_replays_a_run_steered_by_hand(tmp_path):
    steered = Trainer(ring())
    train(steered, 6)
    steering.apply_edit(steered, "optimizer.lr_d", 5e-4)
    steering.apply_edit(steered, "training.update", "d")
    train(steered, 4)
    steering.apply_edit(steered, "training.update", "both")
    steering.apply_edit(steered, "loss.name", "hinge")
    train(steered, 5)

    start = steering.start_of(steered.config, steered.changes)
    replay_file = steering.schedule_of(start, steered.changes)
    path = tmp_path / "replay.toml"
    replay_file.save(path)
    assert "changes" in path.read_text()
    replayed = Trainer(ExperimentConfig.load(path))
    train(replayed, 15)
    assert _same(_params(steered.G), replayed.G.parameters())
    assert _same(_params(steered.D), replayed.D.parameters())
    assert [c.text() for c in replayed.changes] == [c.text() for c in steered.changes]


def test_changes_are_kept_in_the_checkpoint(tmp_path):
    t = Trainer(ring())
    train(t, 4)
    steering.apply_edit(t, "optimizer.lr_d", 2e-4)
    path = t.save_checkpoint(tmp_path / "run.safetensors")
    assert [c.text() for c in load_checkpoint(path).changes()] == [t.changes[0].text()]
    resumed = Trainer.from_checkpoint(path)
    assert resumed.changes == t.changes


def test_slow_motion_paces_the_steps_and_draws_each():
    t = Trainer(ring())
    pictures = []
    s = TrainingSession(t, on_picture=pictures.append)
    s.set_pace(10)
    worker = threading.Thread(target=s.run)
    worker.start()
    time.sleep(1.5)
    s.stop()
    worker.join(10)
    assert 8 <= t.steps_done <= 17  # about 10 a second
    assert len(pictures) >= t.steps_done - 2  # a picture after (almost) every step

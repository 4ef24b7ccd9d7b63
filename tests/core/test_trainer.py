"""The Trainer: records, determinism, every loss and stabiliser, divergence, stop and pause."""

import math
import threading
import time

import pytest
import torch

from ganstudio import objectives
from ganstudio.config import ConfigError
from ganstudio.training import Trainer, TrainingDiverged, train
from ganstudio.training.session import TrainingSession
from ganstudio.training.history import METRICS
from tests.conftest import tiny_config


def _params(module):
    return [p.detach().clone() for p in module.parameters()]


def test_step_reports_every_metric_and_counts_steps():
    t = Trainer(tiny_config())
    seen = []
    t.callbacks.append(seen.append)
    rec = t.step()
    assert set(METRICS) <= set(rec)
    assert rec["step"] == 1 and t.steps_done == 1 and len(t.history) == 1
    assert seen == [rec]
    assert all(math.isfinite(rec[k]) for k in METRICS)
    assert 0 <= rec["d_real"] <= 1 and 0 <= rec["d_fake"] <= 1  # probabilities for this loss
    assert rec["samples_per_s"] > 0 and rec["step_time"] > 0


def test_same_seed_same_losses_other_seed_other_losses():
    runs = []
    for seed in (3, 3, 4):
        t = Trainer(tiny_config(training__seed=seed))
        train(t, 8)
        runs.append(t.history.column("d_loss").tolist() + t.history.column("g_loss").tolist())
    assert runs[0] == runs[1]
    assert runs[0] != runs[2]


@pytest.mark.parametrize("loss", objectives.LOSSES)
def test_every_loss_trains_with_finite_numbers_and_moves_both_networks(loss):
    cfg = tiny_config(loss__name=loss)
    t = Trainer(cfg)
    g0, d0 = _params(t.G), _params(t.D)
    assert train(t, 6) == "finished"
    hist = t.history
    assert len(hist) == 6
    assert all(math.isfinite(v) for v in hist.column("d_loss"))
    assert any(not torch.equal(a, b) for a, b in zip(g0, t.G.parameters()))
    assert any(not torch.equal(a, b) for a, b in zip(d0, t.D.parameters()))


def test_wgan_clips_every_critic_weight():
    t = Trainer(tiny_config(loss__name="wgan", loss__clip=0.005))
    train(t, 3)
    assert max(p.abs().max().item() for p in t.D.parameters()) <= 0.005 + 1e-9


@pytest.mark.parametrize("loss,field,value", [
    ("wgan-gp", "loss.gp_weight", 10.0),
    ("nonsaturating", "loss.r1_weight", 5.0),
])
def test_penalties_are_reported_and_change_the_discriminator_update(loss, field, value):
    base = tiny_config(loss__name=loss)
    base.set(field, 0.0)
    with_pen = tiny_config(loss__name=loss)
    with_pen.set(field, value)
    a, b = Trainer(base), Trainer(with_pen)
    ra, rb = a.step(), b.step()
    assert rb["penalty"] > 0
    assert rb["d_loss"] != ra["d_loss"]
    assert any(not torch.equal(p, q) for p, q in zip(a.D.parameters(), b.D.parameters()))


def test_a_lazy_r1_penalty_comes_every_n_updates_n_times_as_strong():
    lazy = Trainer(tiny_config(loss__r1_weight=1.0, loss__penalty_every=4))
    strong = Trainer(tiny_config(loss__r1_weight=4.0))  # 4x, at every update
    due = [len(objectives.penalties_due(lazy.config.loss, i)) for i in range(8)]
    assert due == [1, 0, 0, 0, 1, 0, 0, 0]
    # update 0 is due: the same maths as a 4 times stronger penalty at every update
    a, b = lazy.step(), strong.step()
    assert a["d_loss"] == b["d_loss"] and a["penalty"] > 0
    assert all(torch.equal(p, q) for p, q in zip(lazy.D.parameters(), strong.D.parameters()))
    # updates 1-3 skip it: another update, and the record keeps the last penalty computed
    a, b = lazy.step(), strong.step()
    assert a["d_loss"] != b["d_loss"]
    assert [lazy.step()["penalty"] for _ in range(2)] == [a["penalty"]] * 2
    assert lazy.step()["penalty"] != a["penalty"]  # update 4: computed again


def test_the_discriminator_step_applies_the_stabilisers_the_registry_lists(monkeypatch):
    # a made-up stabiliser: the slope on generated data (needs grad at D's fake inputs), added
    # with weight 0, and a hook after the update; the trainer knows it only through its entry
    seen = {}

    def penalty(step):
        seen.update(real=step.real_in.requires_grad, fake=step.fake_in.requires_grad)
        return objectives.r1_penalty(step.s_fake, step.fake_in)

    extra = objectives.Stabiliser(
        id="test", title="a test penalty", opt_in=True, penalty=penalty, weight=lambda lc: 0.0,
        setting=objectives.Setting("r1_weight", 0.5, "Test", "A test."), grad_of=("fake",),
        after_update=lambda params, lc: seen.setdefault("after", len(params)))
    monkeypatch.setattr(objectives, "STABILISERS", {"test": extra})
    t = Trainer(tiny_config(loss__r1_weight=1.0))
    rec = t.step()
    assert seen == dict(real=False, fake=True, after=len(list(t.D.parameters())))
    assert rec["penalty"] > 0
    plain = Trainer(tiny_config(loss__r1_weight=0.0))  # weight 0: the same update as without
    assert plain.step()["d_loss"] == rec["d_loss"]


def test_a_generator_loss_that_compares_gets_real_scores_paired_with_its_fakes(monkeypatch):
    from dataclasses import replace

    seen = []
    hinge = objectives.LOSSES["hinge"]

    def g_loss(fake, real):
        seen.append((fake.shape, None if real is None else (real.shape, real.requires_grad)))
        return hinge.g_loss(fake)

    monkeypatch.setitem(objectives.LOSSES, "hinge", replace(hinge, g_loss=g_loss,
                                                            g_needs_real=True))
    t = Trainer(tiny_config(loss__name="hinge"))
    t.step()
    assert seen == [(torch.Size([32]), (torch.Size([32]), False))]


@pytest.mark.parametrize("field,value", [
    ("loss.label_smoothing", 0.2),
    ("loss.instance_noise", 0.5),
])
def test_stabilisers_change_what_the_discriminator_learns(field, value):
    plain = Trainer(tiny_config())
    cfg = tiny_config()
    cfg.set(field, value)
    stab = Trainer(cfg)
    plain.step()
    stab.step()
    assert any(not torch.equal(p, q) for p, q in zip(plain.D.parameters(), stab.D.parameters()))


def test_diffaugment_alters_the_pictures_the_discriminator_sees():
    plain = Trainer(tiny_config("digits"))
    aug = Trainer(tiny_config("digits", loss__diffaugment=["color", "translation", "cutout"]))
    ra, rb = plain.step(), aug.step()
    assert ra["d_loss"] != rb["d_loss"]


def test_n_critic_updates_the_discriminator_n_times_per_step():
    t = Trainer(tiny_config(training__n_critic=3))
    t.step()
    d_steps = {float(s["step"]) for s in t.opt_d.state_dict()["state"].values()}
    g_steps = {float(s["step"]) for s in t.opt_g.state_dict()["state"].values()}
    assert d_steps == {3.0} and g_steps == {1.0}


def test_two_time_scale_learning_rates_reach_the_optimisers():
    t = Trainer(tiny_config(optimizer__lr_g=1e-4, optimizer__lr_d=4e-4))
    assert t.opt_g.param_groups[0]["lr"] == 1e-4
    assert t.opt_d.param_groups[0]["lr"] == 4e-4


@pytest.mark.parametrize("name,cls", [("adam", torch.optim.Adam), ("rmsprop", torch.optim.RMSprop),
                                      ("sgd", torch.optim.SGD)])
def test_optimiser_choice(name, cls):
    t = Trainer(tiny_config(optimizer__name=name))
    assert isinstance(t.opt_g, cls) and isinstance(t.opt_d, cls)
    train(t, 2)


def test_each_optimiser_gets_the_settings_it_declares():
    from ganstudio import catalog
    from ganstudio.config import FIELDS

    t = Trainer(tiny_config(optimizer__beta1=0.5, optimizer__beta2=0.9))
    assert t.opt_d.param_groups[0]["betas"] == (0.5, 0.9)
    t = Trainer(tiny_config(optimizer__name="sgd", optimizer__momentum=0.25))
    assert t.opt_g.param_groups[0]["momentum"] == 0.25
    for name, entry in catalog.OPTIMIZERS.items():  # the window shows only the fields it reads
        cfg = tiny_config(optimizer__name=name)
        for field in ("beta1", "beta2", "momentum"):
            assert FIELDS[f"optimizer.{field}"].applies_to(cfg) is (field in entry.settings)


def test_an_unknown_optimiser_is_refused_not_replaced_by_sgd():
    cfg = tiny_config()
    cfg.optimizer.name = "adamw"  # past the config's checks, as a program might
    with pytest.raises(ValueError, match="unknown optimiser 'adamw'"):
        Trainer(cfg)


def test_ema_generator_trails_the_generator():
    t = Trainer(tiny_config(training__ema=0.9))
    train(t, 5)
    g = torch.cat([p.flatten() for p in t.G.parameters()])
    e = torch.cat([p.flatten() for p in t.ema.parameters()])
    assert not torch.equal(g, e)
    assert (g - e).abs().max() < 1.0
    off = Trainer(tiny_config(training__ema=0.0))
    assert off.ema is None and off.sampling_generator() is off.G


def test_ema_update_follows_the_formula_after_warmup():
    """A training step leaves the average at 0.9 x itself + 0.1 x the generator it just made
    (0.9, not 0.5: a formula with the two weights swapped gives another answer)."""
    t = Trainer(tiny_config(training__ema=0.9))
    train(t, 3)
    t.steps_done = 1000  # past the warm-up: decay is the configured 0.9
    before = _params(t.ema)
    t.step()
    after_g, after_e = _params(t.G), _params(t.ema)
    # the average and the generator differ, so an average left alone cannot pass for one
    # that followed the formula
    assert max((g - b).abs().max().item() for b, g in zip(before, after_g)) > 1e-4
    for b, e, g in zip(before, after_e, after_g):
        assert torch.allclose(e, 0.9 * b + 0.1 * g, atol=1e-6, rtol=1e-5)


def test_a_nan_loss_stops_the_run_and_keeps_the_last_good_weights(monkeypatch):
    t = Trainer(tiny_config())
    train(t, 2)
    good_g, good_d = _params(t.G), _params(t.D)
    real_g_loss = objectives.g_loss
    monkeypatch.setattr(objectives, "g_loss", lambda *a: real_g_loss(*a) * float("nan"))
    sessions = []
    assert train(t, 5, on_session=sessions.append) == "diverged"
    assert "diverged at step 3" in sessions[0].message
    assert t.steps_done == 2
    # D was updated in step 3 before G's loss went bad; G keeps its weights of step 2
    assert all(torch.equal(a, b) for a, b in zip(good_g, t.G.parameters()))
    assert all(torch.isfinite(p).all() for p in t.D.parameters())
    with pytest.raises(TrainingDiverged):
        t.step()


def test_a_nan_discriminator_loss_refuses_its_update(monkeypatch):
    t = Trainer(tiny_config())
    t.step()
    good_d = _params(t.D)
    real_d_loss = objectives.d_loss
    monkeypatch.setattr(objectives, "d_loss", lambda *a, **k: real_d_loss(*a, **k) * float("inf"))
    with pytest.raises(TrainingDiverged, match="discriminator"):
        t.step()
    assert all(torch.equal(a, b) for a, b in zip(good_d, t.D.parameters()))


def test_stop_requested_from_another_thread_ends_the_run_between_steps():
    t = Trainer(tiny_config(training__steps=0))  # no budget: runs until stopped
    result, sessions = {}, []
    worker = threading.Thread(target=lambda: result.setdefault(
        "state", train(t, on_session=sessions.append)))
    worker.start()
    while t.steps_done < 3:
        time.sleep(0.01)
    sessions[0].stop()
    worker.join(timeout=10)
    assert not worker.is_alive()
    assert result["state"] == "stopped" and sessions[0].state == "stopped"


def test_pause_holds_the_run_and_resume_continues_it():
    t = Trainer(tiny_config(training__steps=0))
    session = TrainingSession(t, pictures=False, until=0, start_paused=True)
    worker = threading.Thread(target=session.run)
    worker.start()
    time.sleep(0.3)
    assert t.steps_done == 0 and session.state == "paused" and session.paused
    session.resume()
    deadline = time.monotonic() + 10
    while t.steps_done < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    session.pause()
    deadline = time.monotonic() + 10
    while session.state != "paused" and time.monotonic() < deadline:
        time.sleep(0.01)
    held = t.steps_done
    time.sleep(0.2)
    assert t.steps_done == held  # paused between two steps: no step more
    session.stop()
    worker.join(timeout=10)
    assert t.steps_done >= 2 and session.state == "stopped"


def test_run_without_n_stops_at_the_step_budget():
    t = Trainer(tiny_config(training__steps=4))
    assert train(t) == "finished" and t.steps_done == 4
    assert train(t, 2) == "finished" and t.steps_done == 6


def test_samples_have_the_data_shape_and_fixed_samples_repeat():
    t = Trainer(tiny_config("digits", model__conditional=True))
    t.step()
    x = t.fixed_samples()
    assert x.shape == (64, 1, 32, 32) and x.min() >= -1 and x.max() <= 1
    assert torch.equal(x, t.fixed_samples())
    z = torch.randn(10, t.spec.latent_dim)
    zeros = t.sample(z, torch.zeros(10, dtype=torch.long))
    sevens = t.sample(z, torch.full((10,), 7, dtype=torch.long))
    assert not torch.equal(zeros, sevens)  # the label matters


def test_snapshot_is_a_detached_copy():
    t = Trainer(tiny_config())
    snap = t.snapshot_generator()
    z = torch.randn(5, t.spec.latent_dim)
    before = snap(z)
    train(t, 3)
    assert torch.equal(before, snap(z))  # training did not touch the snapshot


def test_invalid_combination_is_refused_before_any_work():
    with pytest.raises(ConfigError, match="model.family"):
        Trainer(tiny_config(model__family="dcgan"))


def test_learning_rate_decay_lowers_both_rates_over_the_end_and_resumes_on_schedule(
        make_config, tmp_path):
    from ganstudio.training.schedule import lr_factor

    assert [lr_factor("linear", s, 100, 0.5) for s in (0, 50, 75, 100)] == [1, 1, 0.5, 0]
    assert lr_factor("cosine", 75, 100, 0.5) == pytest.approx(0.5)
    assert lr_factor("linear", 10**6, 0, 0.5) == 1.0  # no budget: constant
    cfg = make_config(optimizer__lr_decay="linear", optimizer__decay_start=0.5,
                      training__steps=40)
    t = Trainer(cfg)
    train(t, 30)
    lr_g = t.opt_g.param_groups[0]["lr"]
    assert lr_g == pytest.approx(cfg.optimizer.lr_g * (1 - 9 / 20))  # step 30's factor
    assert t.opt_d.param_groups[0]["lr"] == pytest.approx(cfg.optimizer.lr_d * (1 - 9 / 20))
    path = t.save_checkpoint(tmp_path / "half")
    train(t)
    assert t.steps_done == 40 and t.opt_g.param_groups[0]["lr"] == pytest.approx(
        cfg.optimizer.lr_g / 20)
    from ganstudio.training.checkpoint import load_checkpoint

    resumed = Trainer(cfg)
    resumed.load_state(load_checkpoint(path))
    train(resumed, 10)  # the same steps at the same rates: the same weights
    assert all(torch.equal(a, b) for a, b in zip(resumed.G.state_dict().values(),
                                                 t.G.state_dict().values()))

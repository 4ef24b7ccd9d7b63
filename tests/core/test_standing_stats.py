"""The averaged generator samples with batch-norm statistics measured for its own weights."""

import json

import torch
from safetensors.torch import load_file, safe_open, save_file

from ganstudio.training import Trainer, train
from ganstudio.training.checkpoint import load_generator
from tests.conftest import tiny_config


def _drift_the_average(t: Trainer) -> None:
    """Make the averaged weights far from G's (as after many steps of a fast-moving G): each
    transposed convolution before a batch norm scaled 3x, which batch statistics cancel."""
    with torch.no_grad():
        for m in t.ema.modules():
            if isinstance(m, torch.nn.ConvTranspose2d) and m.out_channels > 1:
                m.weight.mul_(3.0)
    train(t, 1)  # one step: the average moves by 0.1% towards G, its statistics are stale


def _max_gap_to_batch_statistics(G, spec, pictures) -> float:
    z = torch.randn(512, spec.latent_dim, generator=torch.Generator().manual_seed(3))
    y = torch.arange(512) % spec.num_classes if spec.num_classes else None
    with torch.no_grad():
        G.train()
        exact = G(z, y)  # what the weights draw with the statistics of this very batch
        G.eval()
    return (pictures(z, y) - exact).abs().max().item()


def test_samples_use_statistics_measured_for_the_averaged_weights():
    t = Trainer(tiny_config("digits", training__ema=0.999))
    train(t, 4)
    _drift_the_average(t)
    gap = _max_gap_to_batch_statistics(
        t.ema, t.spec, lambda z, y: t.sample(z, y))
    # with G's running statistics the 3x larger activations come out saturated: gaps near 1
    assert gap < 0.05


def test_checkpoints_keep_the_measured_statistics(tmp_path):
    t = Trainer(tiny_config("digits", training__ema=0.999))
    train(t, 4)
    _drift_the_average(t)
    G, ckpt = load_generator(t.save_checkpoint(tmp_path / "run"))
    assert _max_gap_to_batch_statistics(G, ckpt.spec, lambda z, y: G(z, y)) < 0.05


def test_checkpoints_from_before_get_statistics_measured_when_opened(tmp_path):
    """Checkpoints written before this (the bundled demos among them) hold G's statistics."""
    t = Trainer(tiny_config("digits", training__ema=0.999))
    train(t, 4)
    _drift_the_average(t)
    path = t.save_checkpoint(tmp_path / "run")
    tensors = load_file(path)
    with safe_open(path, "pt") as f:
        meta = f.metadata()
    info = json.loads(meta["trainer"])
    del info["ema_statistics"]
    meta["trainer"] = json.dumps(info)
    for k in list(tensors):  # the averaged generator's statistics as they used to be: G's
        if k.startswith("EMA.") and k.endswith(("running_mean", "running_var")):
            tensors[k] = tensors["G." + k[4:]].clone()
    old = tmp_path / "old.safetensors"
    save_file(tensors, old, metadata=meta)
    G, ckpt = load_generator(old)
    assert _max_gap_to_batch_statistics(G, ckpt.spec, lambda z, y: G(z, y)) < 0.05


def test_live_pictures_measure_cheaply_and_checkpoints_measure_in_full(tmp_path):
    from ganstudio.models import standing_stats
    from ganstudio.training import visuals

    t = Trainer(tiny_config("digits", training__ema=0.999))
    train(t, 4)
    visuals.sample_grid(t)  # a live picture: one small batch of noise
    assert t._ema_settled == (4, standing_stats.LIVE_PICTURES)
    visuals.sample_grid(t)
    train(t, 1)
    visuals.sample_grid(t)  # one step old: good enough for a live picture? not at step 5
    assert t._ema_settled == (5, standing_stats.LIVE_PICTURES)
    t.save_checkpoint(tmp_path / "run")  # the same step, but a file keeps the full measure
    assert t._ema_settled == (5, standing_stats.PICTURES)

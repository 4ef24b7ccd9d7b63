"""ONNX export: onnxruntime on the CPU draws the same samples as PyTorch, for any batch size."""

import numpy as np
import pytest
import torch

from ganstudio.cli import main
from ganstudio.explore import onnx_export
from ganstudio.training import Trainer, train
from ganstudio.training.checkpoint import load_generator
from tests.conftest import tiny_config

pytest.importorskip("onnxscript")
ort = pytest.importorskip("onnxruntime")


@pytest.fixture(scope="module")
def digits_ckpt(tmp_path_factory):
    """A conditional DCGAN with averaged weights, trained a few steps (batch norm's running
    statistics moved away from their start, so eval mode matters)."""
    t = Trainer(tiny_config("digits", model__conditional=True, training__ema=0.9))
    train(t, 3)
    # a few steps leave pictures near 0: give the averaged generator weights and batch-norm
    # statistics that draw pictures across [-1, 1], so the tolerance below means something
    gen = torch.Generator().manual_seed(3)
    with torch.no_grad():
        for name, v in t.ema.state_dict().items():
            if "running_var" in name:
                v.copy_(torch.rand(v.shape, generator=gen) + 0.5)
            elif v.is_floating_point():
                v.copy_(torch.randn(v.shape, generator=gen) * 0.3)
    return t.save_checkpoint(tmp_path_factory.mktemp("onnx") / "digits.safetensors")


def test_onnxruntime_gives_pytorchs_pictures_for_the_same_latents_and_labels(digits_ckpt,
                                                                            tmp_path, capsys):
    out = tmp_path / "g.onnx"
    assert main(["export", str(digits_ckpt), "--onnx", str(out)]) == 0
    assert capsys.readouterr().out.strip() == str(out)
    G, ckpt = load_generator(digits_ckpt)  # the averaged weights, as the explorer shows
    assert ckpt.has_ema and ckpt.spec.conditional
    session = ort.InferenceSession(str(out), providers=["CPUExecutionProvider"])
    assert [i.name for i in session.get_inputs()] == ["noise", "labels"]
    gen = torch.Generator().manual_seed(7)
    for n in (1, 5, 33):  # the batch size is free
        z = torch.randn(n, ckpt.spec.latent_dim, generator=gen)
        y = torch.randint(0, ckpt.spec.num_classes, (n,), generator=gen)
        with torch.no_grad():
            ref = G(z, y).numpy()
        got = session.run(["samples"], {"noise": z.numpy(), "labels": y.numpy()})[0]
        assert got.shape == ref.shape == (n, *ckpt.spec.sample_shape)
        assert np.abs(ref).max() > 0.5  # pictures, not a flat grey
        assert np.abs(got - ref).max() < 1e-5
    # the labels are used: another label, another picture
    z = np.zeros((1, ckpt.spec.latent_dim), np.float32)
    a = onnx_export.run_onnx(out, z, np.array([0]))
    b = onnx_export.run_onnx(out, z, np.array([1]))
    assert np.abs(a - b).max() > 0.1


def test_an_unconditional_generator_takes_noise_only(tmp_path):
    t = Trainer(tiny_config("ring"))
    train(t, 2)
    G = t.sampling_generator()
    path, diff = onnx_export.export_generator(G, t.spec, tmp_path / "ring")
    assert path.name == "ring.onnx" and diff is not None and diff < 1e-5
    z = torch.randn(100, t.spec.latent_dim)
    with torch.no_grad():
        ref = G.eval()(z).numpy()
    assert np.abs(onnx_export.run_onnx(path, z.numpy()) - ref).max() < 1e-5


def test_missing_packages_and_bad_checkpoints_are_one_line(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(onnx_export, "missing_packages", lambda check=False: ["onnxscript"])
    t = Trainer(tiny_config("ring"))
    with pytest.raises(onnx_export.OnnxUnavailable, match="pip install"):
        onnx_export.export_generator(t.G, t.spec, tmp_path / "x.onnx")
    monkeypatch.undo()
    (tmp_path / "junk.safetensors").write_bytes(b"not a checkpoint")
    assert main(["export", str(tmp_path / "junk.safetensors"), "--onnx",
                 str(tmp_path / "x.onnx")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "not a GAN Studio checkpoint" in err
    assert not (tmp_path / "x.onnx").exists()

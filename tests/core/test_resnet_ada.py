"""The residual (R3GAN-style) family, the relativistic pairing loss with R1/R2, and adaptive
augmentation (ADA): they build, train, reload, and do what their papers say."""

import pytest
import torch

from ganstudio import objectives
from ganstudio.config import ConfigError, ExperimentConfig
from ganstudio.models import ModelSpec, build_models
from ganstudio.models.resnet import Block
from ganstudio.training import Trainer, ada, train
from ganstudio.training.checkpoint import load_generator
from tests.conftest import tiny_config


def spec(**kw):
    base = dict(family="resnet", kind="image", latent_dim=8, g_width=8, d_width=8, layers=3,
                channels=1, image_size=32)
    base.update(kw)
    return ModelSpec(**base)


# --- the networks ------------------------------------------------------------------------------

@pytest.mark.parametrize("channels, size, classes", [(1, 32, 0), (3, 32, 4), (3, 64, 0),
                                                     (1, 8, 3)])
def test_residual_networks_make_pictures_of_the_asked_shape_within_minus_one_and_one(
        channels, size, classes):
    s = spec(channels=channels, image_size=size, num_classes=classes)
    G, D = build_models(s)
    y = torch.arange(5) % classes if classes else None
    x = G(torch.randn(5, 8) * 50, y)  # huge noise: the output still saturates at +-1
    assert x.shape == (5, channels, size, size)
    assert x.min() >= -1 and x.max() <= 1
    score = D(x, y)
    assert score.shape == (5,) and torch.isfinite(score).all()


def test_every_residual_block_starts_as_the_identity():
    """Fix-up initialisation: the last layer of each block is zero, so a fresh network's depth
    does not blow its outputs up."""
    G, D = build_models(spec(num_classes=2))
    blocks = [m for m in (*G.modules(), *D.modules()) if isinstance(m, Block)]
    assert len(blocks) == 8  # 4 sizes (4..32) in each network
    x = torch.randn(2, 16, 8, 8)
    for b in blocks:
        c = b.reduce.in_channels
        x = torch.randn(2, c, 8, 8)
        assert torch.equal(b(x), x)


def test_the_label_changes_the_residual_generators_picture_and_ds_score():
    torch.manual_seed(0)
    G, D = build_models(spec(num_classes=4))
    with torch.no_grad():  # trained blocks are not the identity any more
        for p in G.parameters():
            p.add_(torch.randn_like(p) * 0.05)
    z = torch.randn(1, 8).expand(4, 8)
    out = G(z, torch.arange(4))
    assert all(not torch.allclose(out[a], out[b]) for a in range(4) for b in range(a))
    scores = D(out[:1].expand(4, -1, -1, -1), torch.arange(4))
    assert len(set(scores.tolist())) == 4


def test_the_residual_family_refuses_points_in_the_plane_naming_the_field():
    cfg = ExperimentConfig()  # the ring: points
    cfg.model.family = "resnet"
    assert ("model.family" in dict(cfg.problems()))
    with pytest.raises(ConfigError) as e:
        cfg.raise_problems()
    assert e.value.field == "model.family"


def r3gan_config(**kw):
    overrides = dict(model__family="resnet", model__conditional=True, loss__name="rpgan",
                     loss__r1_weight=0.1, loss__r2_weight=0.1)
    overrides.update(kw)
    return tiny_config("digits", **overrides)


def test_the_residual_family_with_rpgan_r1_r2_trains_without_nan_and_reloads(tmp_path):
    t = Trainer(r3gan_config(loss__augment="adaptive", training__ema=0.9))
    train(t, 6)
    assert t.steps_done == 6  # no step refused as diverged
    for k in ("d_loss", "g_loss", "penalty"):
        assert torch.isfinite(torch.as_tensor(t.history.column(k))).all(), k
    t.ada.p = 0.25  # as if the run had raised it
    path = t.save_checkpoint(tmp_path / "r3.safetensors")
    back = Trainer.from_checkpoint(path)
    assert back.ada.p == 0.25  # adaptive augmentation goes on where it was
    for a, b in zip(t.G.state_dict().values(), back.G.state_dict().values()):
        assert torch.equal(a, b)
    G, ckpt = load_generator(path)  # what the explorer and export open
    assert ckpt.spec.family == "resnet"
    z = t.fixed_z[:4]
    assert torch.allclose(G(z, torch.arange(4)), t.sample(z, torch.arange(4)), atol=1e-6)


# --- the relativistic pairing loss and R2, on a case small enough to work out by hand ---------

def test_rpgan_and_r2_gradients_match_the_formulas_on_a_linear_discriminator():
    """D(x) = w . x. RpGAN's D loss is mean softplus(-(D(r) - D(f))); R2 = E ||grad_x D(f)||^2
    = ||w||^2 (weighted gamma / 2). Their gradients in w follow by hand."""
    torch.manual_seed(0)
    w = torch.randn(3, requires_grad=True)
    real, fake = torch.randn(4, 3), torch.randn(4, 3)
    fake_in = fake.clone().requires_grad_(True)
    s_real, s_fake = real @ w, fake_in @ w
    step = objectives.DStep(lambda x, y=None: x @ w, real, fake, None, None, real, fake_in,
                            s_real, s_fake, None)
    r2 = objectives.STABILISERS["r2"]
    gamma = 0.7
    loss = objectives.d_loss("rpgan", s_real, s_fake) + r2.weight(
        type("L", (), {"r2_weight": gamma})()) * r2.penalty(step)
    loss.backward()
    with torch.no_grad():
        d = s_real - s_fake
        sig = torch.sigmoid(-d)  # d/dd softplus(-d) = -sigmoid(-d)
        want = -(sig[:, None] * (real - fake)).mean(0) + gamma * w  # (gamma / 2) * 2 w
    assert torch.allclose(w.grad, want, atol=1e-6)
    # G's loss pushes its scores above the real ones it is paired with
    s_f = torch.zeros(4, requires_grad=True)
    objectives.g_loss("rpgan", s_f, torch.ones(4)).backward()
    assert (s_f.grad < 0).all()  # raising D(fake) lowers G's loss


def test_r2_penalises_the_slope_at_generated_pictures_only():
    D = torch.nn.Linear(3, 1)
    real, fake = torch.randn(5, 3), torch.randn(5, 3).requires_grad_(True)
    step = objectives.DStep(D, real, fake, None, None, real, fake, D(real).squeeze(1),
                            D(fake).squeeze(1), None)
    value = objectives.STABILISERS["r2"].penalty(step)
    assert value.item() == pytest.approx(D.weight.pow(2).sum().item(), rel=1e-5)


# --- adaptive augmentation ---------------------------------------------------------------------

def test_ada_p_rises_while_d_ranks_every_pair_right_and_falls_when_it_cannot():
    a = ada.AdaptiveAugment(["translation"], target=0.6)
    sure_real, sure_fake = torch.full((64,), 5.0), torch.full((64,), -5.0)
    for _ in range(200):  # 12,800 pictures: p up by a quarter
        a.observe(sure_real, sure_fake)
    risen = a.p
    assert 0.2 < risen < 0.3 and a.signal == 1.0
    gen = torch.Generator().manual_seed(0)
    for _ in range(200):  # D cannot tell: half the pairs either way
        a.observe(torch.randn(64, generator=gen), torch.randn(64, generator=gen))
    assert a.p < 0.01 and a.signal < 0.6  # back to none


def test_ada_p_climbs_when_d_learns_a_tiny_data_set_by_heart():
    cfg = tiny_config("digits", loss__augment="adaptive", data__size=16, training__batch_size=16)
    t = Trainer(cfg)
    train(t, 60)
    most = 60 * 16 / ada.SPEED_IMAGES  # p's climb if it rose at every adjustment
    assert t.ada.p > 0.8 * most, t.ada.state()
    assert t.ada.signal > 0.6


def test_ada_alters_only_a_share_p_of_the_pictures():
    x = torch.rand(400, 1, 8, 8) + 1  # no zero pixel, so a cut-out always shows
    a = ada.AdaptiveAugment(["cutout"], target=0.6, p=0.0)
    gen = torch.Generator().manual_seed(1)
    assert torch.equal(a.apply(x, gen), x)  # p = 0: untouched
    a.p = 0.3
    changed = (a.apply(x, gen) != x).flatten(1).any(1).float().mean().item()
    assert 0.22 < changed < 0.38


def test_adaptive_augmentation_on_points_is_refused_naming_the_field():
    cfg = ExperimentConfig()
    cfg.loss.augment = "adaptive"
    assert "loss.augment" in dict(cfg.problems())


def test_a_residual_generator_exports_to_onnx_with_the_same_pictures(tmp_path):
    pytest.importorskip("onnxscript")
    pytest.importorskip("onnxruntime")
    from ganstudio.explore import onnx_export

    t = Trainer(r3gan_config())
    train(t, 2)
    G = t.sampling_generator().eval()
    path, diff = onnx_export.export_generator(G, t.spec, tmp_path / "r3")
    assert diff is not None and diff < 1e-5
    z, y = torch.randn(3, t.spec.latent_dim), torch.tensor([0, 4, 9])
    with torch.no_grad():
        ref = G(z, y).numpy()
    got = onnx_export.run_onnx(path, z.numpy(), y.numpy())
    assert abs(got - ref).max() < 1e-5

"""The networks: shapes, output ranges, conditioning, spectral norm, DCGAN init, and the spec."""

import json
from types import SimpleNamespace

import pytest
import torch
from torch import nn
from torch.nn.utils import parametrize

from ganstudio.config import ExperimentConfig
from ganstudio.models import (DCGANDiscriminator, DCGANGenerator, MLPDiscriminator, MLPGenerator,
                              ModelSpec, build_models, count_parameters, make_spec)


def spec(family="mlp", kind="2d", **kw):
    base = dict(family=family, kind=kind, latent_dim=8, g_width=8, d_width=8, layers=2)
    if kind == "image":
        base.update(channels=1, image_size=32)
    base.update(kw)
    return ModelSpec(**base)


def noise(n, dim=8, seed=0):
    return torch.randn(n, dim, generator=torch.Generator().manual_seed(seed))


def labels(n, k):
    return torch.arange(n) % k


# --- shapes ------------------------------------------------------------------------------------

SHAPE_CASES = [
    dict(family="mlp", kind="2d"),
    dict(family="mlp", kind="image", channels=1, image_size=32),
    dict(family="mlp", kind="image", channels=3, image_size=32),
    dict(family="dcgan", kind="image", channels=1, image_size=32),
    dict(family="dcgan", kind="image", channels=3, image_size=32),
    dict(family="dcgan", kind="image", channels=3, image_size=64, g_width=4, d_width=4),
]


def _ids(case):
    return "-".join(str(v) for v in case.values())


@pytest.mark.parametrize("case", SHAPE_CASES, ids=_ids)
@pytest.mark.parametrize("num_classes", [0, 5])
def test_output_shapes(case, num_classes):
    s = spec(**dict(case, num_classes=num_classes))
    G, D = build_models(s)
    n = 3
    y = labels(n, num_classes) if num_classes else None
    x = G(noise(n), y)
    expected = (n, 2) if s.kind == "2d" else (n, s.channels, s.image_size, s.image_size)
    assert x.shape == expected == (n, *s.sample_shape)
    score = D(x, y)
    assert score.shape == (n,)
    assert torch.isfinite(score).all()


def test_build_models_picks_the_family():
    G, D = build_models(spec("mlp"))
    assert isinstance(G, MLPGenerator) and isinstance(D, MLPDiscriminator)
    G, D = build_models(spec("dcgan", "image"))
    assert isinstance(G, DCGANGenerator) and isinstance(D, DCGANDiscriminator)


def test_dcgan_for_points_is_refused():
    with pytest.raises(ValueError, match="DCGAN"):
        build_models(spec("dcgan", "2d"))


def test_unknown_family_is_refused():
    with pytest.raises(ValueError, match="unknown model family"):
        build_models(spec("transformer"))


@pytest.mark.parametrize("size", [4, 16 + 8, 48, 100])
def test_dcgan_refuses_a_picture_size_that_is_not_a_power_of_two(size):
    s = spec("dcgan", "image", image_size=size)
    with pytest.raises(ValueError, match="power-of-two"):
        DCGANGenerator(s)
    with pytest.raises(ValueError, match="power-of-two"):
        DCGANDiscriminator(s)


def test_dcgan_works_at_the_smallest_size():
    G, D = build_models(spec("dcgan", "image", image_size=8))
    assert G(noise(2)).shape == (2, 1, 8, 8)
    assert D(G(noise(2))).shape == (2,)


def test_mlp_layer_count_follows_the_spec():
    def linears(m):
        return sum(isinstance(x, nn.Linear) for x in m.modules())

    for layers in (1, 3):
        G, D = build_models(spec(layers=layers))
        assert linears(G) == layers + 1 and linears(D) == layers + 1


# --- output ranges -----------------------------------------------------------------------------

def test_mlp_generator_for_points_is_not_squashed():
    # the grid's modes sit at +-4: a tanh would make them unreachable
    G = MLPGenerator(spec())
    with torch.no_grad():
        G.out.weight.zero_()
        G.out.bias.copy_(torch.tensor([4.0, -7.5]))
    out = G(noise(5))
    assert torch.equal(out, torch.tensor([[4.0, -7.5]]).expand(5, 2))


@pytest.mark.parametrize("family, channels", [("mlp", 1), ("mlp", 3), ("dcgan", 1),
                                              ("dcgan", 3)])
def test_image_generators_stay_within_minus_one_and_one(family, channels):
    G, _ = build_models(spec(family, "image", channels=channels))
    with torch.no_grad():
        for p in G.parameters():  # make the raw output huge
            p.mul_(50.0)
        out = G(noise(4) * 100)
    assert out.min() >= -1.0 and out.max() <= 1.0
    assert out.abs().max() > 0.99  # really saturating, not just small


# --- conditional models ------------------------------------------------------------------------

@pytest.mark.parametrize("family, kind", [("mlp", "2d"), ("mlp", "image"), ("dcgan", "image")])
def test_the_label_changes_what_the_generator_makes(family, kind):
    torch.manual_seed(0)
    G, _ = build_models(spec(family, kind, num_classes=4))
    G.eval()
    z = noise(1).expand(4, 8)  # the same noise four times
    out = G(z, torch.arange(4))
    for a in range(4):
        for b in range(a + 1, 4):
            assert not torch.allclose(out[a], out[b]), (a, b)
    # same label, same noise: the same sample (up to rounding, which depends on the batch)
    assert torch.allclose(G(z[:1], torch.tensor([2])), out[2:3], atol=1e-6)


@pytest.mark.parametrize("family, kind", [("mlp", "2d"), ("mlp", "image"), ("dcgan", "image")])
def test_the_label_changes_the_discriminator_score(family, kind):
    torch.manual_seed(0)
    s = spec(family, kind, num_classes=3)
    _, D = build_models(s)
    D.eval()
    x = torch.rand(1, *s.sample_shape).expand(3, *s.sample_shape) * 2 - 1
    scores = D(x, torch.arange(3))
    assert len(set(scores.tolist())) == 3


@pytest.mark.parametrize("family, kind", [("mlp", "2d"), ("dcgan", "image")])
def test_a_missing_label_raises_value_error(family, kind):
    s = spec(family, kind, num_classes=3)
    G, D = build_models(s)
    with pytest.raises(ValueError, match="label"):
        G(noise(2))
    with pytest.raises(ValueError, match="label"):
        D(torch.zeros(2, *s.sample_shape))


def test_unconditional_models_ignore_no_label():
    G, D = build_models(spec())
    assert not G.spec.conditional
    assert D(G(noise(2))).shape == (2,)


# --- spectral norm -----------------------------------------------------------------------------

def _weighted(module):
    return [m for m in module.modules() if isinstance(m, (nn.Linear, nn.Conv2d, nn.Embedding))]


@pytest.mark.parametrize("family, kind", [("mlp", "2d"), ("dcgan", "image")])
def test_spectral_norm_makes_every_d_weight_have_largest_singular_value_1(family, kind):
    torch.manual_seed(0)
    s = spec(family, kind, spectral_norm=True, num_classes=3)
    G, D = build_models(s)
    layers = _weighted(D)
    assert len(layers) >= 3
    assert all(parametrize.is_parametrized(m, "weight") for m in layers)
    D.train()
    x, y = torch.randn(4, *s.sample_shape), labels(4, 3)
    for _ in range(30):  # each forward pass in train mode runs one power iteration
        D(x, y)
    with torch.no_grad():
        for m in layers:
            sigma = torch.linalg.matrix_norm(m.weight.flatten(1), ord=2)
            assert sigma == pytest.approx(1.0, abs=0.02), m
    # the generator is left alone
    assert not any(parametrize.is_parametrized(m) for m in G.modules())


def test_without_spectral_norm_no_layer_is_parametrized():
    _, D = build_models(spec("dcgan", "image"))
    assert not any(parametrize.is_parametrized(m) for m in D.modules())


def test_spectral_norm_is_stable_in_eval_mode():
    torch.manual_seed(0)
    s = spec(spectral_norm=True)
    _, D = build_models(s)
    x = torch.randn(4, 2)
    D.eval()
    a, b = D(x), D(x)
    assert torch.equal(a, b)


# --- DCGAN initialisation ----------------------------------------------------------------------

def test_dcgan_conv_weights_start_with_std_0_02():
    torch.manual_seed(0)
    s = spec("dcgan", "image", channels=3, g_width=32, d_width=32, latent_dim=64)
    G, D = build_models(s)
    convs = [m for m in list(G.modules()) + list(D.modules())
             if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d))]
    assert len(convs) >= 6
    for m in convs:
        w = m.weight.detach()
        assert w.mean().abs() < 0.005
        assert w.std() == pytest.approx(0.02, rel=0.15), m
        if m.bias is not None:
            assert torch.all(m.bias == 0)
    norms = [m for m in G.modules() if isinstance(m, nn.BatchNorm2d)]
    assert norms
    for m in norms:
        assert m.weight.detach().mean() == pytest.approx(1.0, abs=0.02)
        assert torch.all(m.bias == 0)


def test_mlp_keeps_pytorch_default_init():
    # the 0.02 rule is for DCGAN; an MLP's first layer of fan-in 2 starts much wider
    torch.manual_seed(0)
    _, D = build_models(spec(d_width=256))
    assert D.body[0].weight.std() > 0.1


# --- make_spec: the config plus the data's facts ------------------------------------------------

def source(kind="image", channels=3, image_size=32, num_classes=10, label_names=None):
    return SimpleNamespace(kind=kind, channels=channels, image_size=image_size,
                           num_classes=num_classes,
                           label_names=label_names or [str(i) for i in range(num_classes)])


def cfg(**values):
    c = ExperimentConfig()
    c.data.source = "shapes"
    c.loss.name, c.loss.r1_weight = "nonsaturating", 0.0  # no penalty unless a case adds one
    c.model.spectral_norm, c.model.d_norm = False, "auto"
    for path, value in values.items():
        c.set(path.replace("__", "."), value)
    return c


@pytest.mark.parametrize("values, batchnorm", [
    (dict(model__family="dcgan"), True),
    (dict(model__family="dcgan", loss__name="wgan-gp"), False),
    (dict(model__family="dcgan", loss__r1_weight=0.5), False),
    (dict(model__family="dcgan", model__spectral_norm=True), False),
    (dict(model__family="dcgan", loss__name="wgan"), True),
    (dict(model__family="dcgan", loss__name="hinge"), True),
    (dict(model__family="mlp"), False),
    (dict(model__family="dcgan", model__d_norm="batch"), True),
    (dict(model__family="dcgan", model__d_norm="batch", model__spectral_norm=True), True),
    (dict(model__family="dcgan", model__d_norm="none"), False),
    (dict(model__family="mlp", model__d_norm="batch"), False),
])
def test_make_spec_decides_batch_norm_in_d(values, batchnorm):
    assert make_spec(cfg(**values), source()).d_batchnorm is batchnorm


def test_d_batchnorm_really_puts_batch_norm_in_d():
    def has_bn(s):
        _, D = build_models(s)
        return any(isinstance(m, nn.BatchNorm2d) for m in D.modules())

    assert has_bn(spec("dcgan", "image", d_batchnorm=True))
    assert not has_bn(spec("dcgan", "image", d_batchnorm=False))


def test_make_spec_copies_the_model_fields_and_the_data_facts():
    c = cfg(model__family="dcgan", model__latent_dim=100, model__g_width=48,
            model__d_width=24, model__layers=5, model__spectral_norm=True)
    s = make_spec(c, source(channels=1, image_size=64, num_classes=0))
    assert (s.family, s.kind, s.latent_dim, s.g_width, s.d_width, s.layers) == \
        ("dcgan", "image", 100, 48, 24, 5)
    assert (s.channels, s.image_size, s.spectral_norm) == (1, 64, True)
    assert s.sample_shape == (1, 64, 64)


def test_make_spec_for_points_has_no_picture_facts():
    c = ExperimentConfig()
    s = make_spec(c, source(kind="2d", channels=0, image_size=0, num_classes=0))
    assert s.kind == "2d" and s.channels == 0 and s.image_size == 0
    assert s.sample_shape == (2,)


def test_make_spec_labels_only_when_asked_and_available():
    names = ["circle", "square", "triangle"]
    s = make_spec(cfg(model__conditional=True), source(num_classes=3, label_names=names))
    assert s.conditional and s.num_classes == 3 and s.label_names == tuple(names)
    s = make_spec(cfg(model__conditional=False), source(num_classes=3, label_names=names))
    assert not s.conditional and s.num_classes == 0 and s.label_names == ()
    # a folder without subfolders turns out to have no labels
    s = make_spec(cfg(model__conditional=True), source(num_classes=0))
    assert not s.conditional and s.num_classes == 0


def test_model_spec_survives_json():
    s = spec("dcgan", "image", channels=3, image_size=64, num_classes=3,
             label_names=("cat", "dog", "ship"), spectral_norm=True, d_batchnorm=False)
    again = ModelSpec.from_json(json.loads(json.dumps(s.to_json())))
    assert again == s
    assert isinstance(again.label_names, tuple)


def test_rebuilt_from_json_spec_loads_the_same_weights():
    torch.manual_seed(0)
    s = spec(num_classes=2, label_names=("a", "b"))
    G, _ = build_models(s)
    G2, _ = build_models(ModelSpec.from_json(json.loads(json.dumps(s.to_json()))))
    G2.load_state_dict(G.state_dict())
    z, y = noise(3), labels(3, 2)
    assert torch.equal(G(z, y), G2(z, y))


def test_describe_says_what_the_model_makes():
    text = spec("dcgan", "image", channels=3, image_size=64, num_classes=10).describe()
    assert "DCGAN" in text and "64 x 64" in text and "colour" in text and "10 labels" in text
    assert "points in the plane" in spec().describe()


# --- parameter count ---------------------------------------------------------------------------

def test_count_parameters_matches_a_hand_count():
    # latent 3, width 4, one hidden layer, points in the plane:
    # G: Linear(3, 4) = 3*4 + 4 = 16, Linear(4, 2) = 4*2 + 2 = 10 -> 26
    # D: Linear(2, 4) = 2*4 + 4 = 12, Linear(4, 1) = 4 + 1 = 5 -> 17
    s = spec(latent_dim=3, g_width=4, d_width=4, layers=1)
    G, D = build_models(s)
    assert count_parameters(G) == 26
    assert count_parameters(D) == 17


def test_count_parameters_with_labels_and_spectral_norm():
    # 5 labels: G's first layer reads 3 + 5 inputs: 8*4 + 4 = 36, + 10 -> 46
    # D gains a 5 x 4 label embedding: 17 + 20 = 37 (spectral norm adds buffers, not weights)
    s = spec(latent_dim=3, g_width=4, d_width=4, layers=1, num_classes=5, spectral_norm=True)
    G, D = build_models(s)
    assert count_parameters(G) == 46
    assert count_parameters(D) == 37

"""The registry of losses and stabilisers: the maths checked against values worked out by hand,
and what the entries tell the config, the catalogue, the model spec and the views."""

import math
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from torch import nn

from ganstudio import catalog, objectives as losses
from ganstudio.config import ExperimentConfig, field_specs
from ganstudio.objectives import LOSSES, STABILISERS, d_loss, displayed_score, g_loss
from ganstudio.training import train

LN2 = math.log(2.0)


def t(*values):
    return torch.tensor(values, dtype=torch.float64)


def close(a, b, tol=1e-12):
    a = a.detach() if torch.is_tensor(a) else a
    return abs(float(a) - float(b)) <= tol


# --- the probability losses --------------------------------------------------------------------

@pytest.mark.parametrize("name", ["minimax", "nonsaturating"])
def test_d_loss_at_zero_scores_is_two_ln2(name):
    # score 0 means D(x) = sigmoid(0) = 1/2 for real and fake alike:
    # -log(1/2) - log(1 - 1/2) = ln 2 + ln 2 = 2 ln 2 ~ 1.386
    assert close(d_loss(name, t(0.0, 0.0), t(0.0, 0.0, 0.0)), 2 * LN2)


def test_nonsaturating_g_loss_at_zero_is_ln2():
    # -log D(G(z)) = -log(1/2) = ln 2
    assert close(g_loss("nonsaturating", t(0.0, 0.0)), LN2)


def test_minimax_g_loss_at_zero_is_minus_ln2():
    # log(1 - D(G(z))) = log(1/2) = -ln 2
    assert close(g_loss("minimax", t(0.0, 0.0)), -LN2)


def test_probability_d_loss_on_known_scores():
    # real score ln 3: D = 3/4, -log(3/4) = ln(4/3)
    # fake score -ln 3: D = 1/4, -log(1 - 1/4) = ln(4/3)
    s = math.log(3.0)
    for name in ("minimax", "nonsaturating"):
        assert close(d_loss(name, t(s), t(-s)), 2 * math.log(4 / 3))


def test_nonsaturating_g_loss_on_a_known_score():
    # fake score ln 3: D(G(z)) = 3/4, -log(3/4) = ln(4/3); minimax: log(1 - 3/4) = -ln 4
    s = math.log(3.0)
    assert close(g_loss("nonsaturating", t(s)), math.log(4 / 3))
    assert close(g_loss("minimax", t(s)), -math.log(4.0))


def test_label_smoothing_aims_real_scores_at_0_9():
    # with target 0.9 the real part is 0.9 * -log D + 0.1 * -log(1 - D); it is smallest where
    # D = 0.9, i.e. at the score logit(0.9) = ln 9, where it equals the entropy
    # -(0.9 ln 0.9 + 0.1 ln 0.1) ~ 0.325. The fake part at score -50 is ~ 2e-22, i.e. 0.
    s = torch.tensor([math.log(9.0)], dtype=torch.float64, requires_grad=True)
    loss = d_loss("nonsaturating", s, t(-50.0), label_smoothing=0.1)
    entropy = -(0.9 * math.log(0.9) + 0.1 * math.log(0.1))
    assert close(loss, entropy)
    (grad,) = torch.autograd.grad(loss, s)
    assert abs(float(grad)) < 1e-12  # the optimum is at D = 0.9, not at D = 1


def test_without_label_smoothing_real_scores_are_aimed_at_1():
    # at score ln 9 (D = 0.9) the plain loss is -ln 0.9 ~ 0.105 and still pushes the score up
    s = torch.tensor([math.log(9.0)], dtype=torch.float64, requires_grad=True)
    loss = d_loss("nonsaturating", s, t(-50.0))
    assert close(loss, -math.log(0.9))
    (grad,) = torch.autograd.grad(loss, s)
    assert close(grad, -0.1)  # d/ds softplus(-s) = -(1 - sigmoid(s)) = -0.1


def test_label_smoothing_leaves_the_fake_target_at_0():
    # one-sided: only real targets move. Fake score 0: -log(1 - 1/2) = ln 2 with or without it
    # (real score 50 costs 0.9 * ~0 + 0.1 * softplus(50) = 0.1 * 50 = 5 with smoothing).
    plain = d_loss("minimax", t(50.0), t(0.0))
    smooth = d_loss("minimax", t(50.0), t(0.0), label_smoothing=0.1)
    assert close(plain, LN2, 1e-9)
    assert close(smooth, 0.1 * 50 + LN2, 1e-9)


# --- least squares -----------------------------------------------------------------------------

def test_lsgan_d_loss_is_zero_at_its_targets():
    # 1/2 (1 - 1)^2 + 1/2 (0 - 0)^2 = 0
    assert close(d_loss("lsgan", t(1.0, 1.0), t(0.0, 0.0)), 0.0)


def test_lsgan_d_loss_on_known_scores():
    # 1/2 mean((3 - 1)^2, (1 - 1)^2) + 1/2 mean(2^2, 0^2) = 1/2 * 2 + 1/2 * 2 = 2
    assert close(d_loss("lsgan", t(3.0, 1.0), t(2.0, 0.0)), 2.0)


def test_lsgan_g_loss_at_zero_is_one_half():
    # 1/2 (0 - 1)^2 = 0.5
    assert close(g_loss("lsgan", t(0.0, 0.0)), 0.5)
    assert close(g_loss("lsgan", t(1.0)), 0.0)


def test_lsgan_label_smoothing_moves_the_real_target():
    # target 0.9: 1/2 (0.9 - 0.9)^2 = 0; and a real score of 1 now costs 1/2 * 0.1^2 = 0.005
    assert close(d_loss("lsgan", t(0.9), t(0.0), label_smoothing=0.1), 0.0)
    assert close(d_loss("lsgan", t(1.0), t(0.0), label_smoothing=0.1), 0.005)


# --- Wasserstein and hinge ---------------------------------------------------------------------

@pytest.mark.parametrize("name", ["wgan", "wgan-gp"])
def test_wasserstein_d_loss_is_mean_fake_minus_mean_real(name):
    # mean(fake) - mean(real) = (1 + 2 + 6)/3 - (4 + 6)/2 = 3 - 5 = -2
    assert close(d_loss(name, t(4.0, 6.0), t(1.0, 2.0, 6.0)), -2.0)


@pytest.mark.parametrize("name", ["wgan", "wgan-gp", "hinge"])
def test_critic_g_loss_is_minus_mean_fake(name):
    # -(1 + 2 + 6)/3 = -3
    assert close(g_loss(name, t(1.0, 2.0, 6.0)), -3.0)


def test_hinge_d_loss_on_chosen_scores():
    # real: relu(1 - 2) = 0, relu(1 - 0.5) = 0.5 -> mean 0.25
    # fake: relu(1 + (-2)) = 0, relu(1 + 0.5) = 1.5 -> mean 0.75;  total 1.0
    assert close(d_loss("hinge", t(2.0, 0.5), t(-2.0, 0.5)), 1.0)


def test_hinge_d_loss_is_zero_beyond_the_margin():
    # real scores >= 1 and fake scores <= -1 cost nothing: relu(1 - 1) = relu(1 - 5) = 0, ...
    real = t(1.0, 5.0).requires_grad_(True)
    fake = t(-1.0, -7.0).requires_grad_(True)
    loss = d_loss("hinge", real, fake)
    assert close(loss, 0.0)
    loss.backward()
    assert torch.all(real.grad == 0) and torch.all(fake.grad == 0)  # nothing left to learn


def test_label_smoothing_does_not_change_critic_losses():
    for name in ("wgan", "wgan-gp", "hinge"):
        real, fake = t(0.3, -0.2), t(0.1, 0.7)
        assert close(d_loss(name, real, fake, label_smoothing=0.2), d_loss(name, real, fake))


def test_unknown_loss_name_raises():
    with pytest.raises(ValueError, match="unknown loss"):
        d_loss("wasserstein", t(0.0), t(0.0))
    with pytest.raises(ValueError, match="unknown loss"):
        g_loss("wasserstein", t(0.0))


def test_the_catalogue_lists_the_registry_s_losses():
    assert catalog.LOSSES is LOSSES
    assert all(key == entry.id for key, entry in LOSSES.items())


# --- what the user sees as D(x) ----------------------------------------------------------------

def test_displayed_score_is_a_probability_for_probability_losses():
    s = t(-2.0, 0.0, math.log(3.0))
    for name in ("minimax", "nonsaturating"):
        shown = displayed_score(name, s)
        assert torch.allclose(shown, t(1 / (1 + math.e ** 2), 0.5, 0.75))


@pytest.mark.parametrize("name", ["lsgan", "wgan", "wgan-gp", "hinge"])
def test_displayed_score_is_the_raw_score_otherwise(name):
    s = t(-2.0, 0.0, 3.5)
    assert torch.equal(displayed_score(name, s), s)


# --- penalties ---------------------------------------------------------------------------------

class LinearCritic(nn.Module):
    """D(x) = w . x, with no bias: its gradient is w everywhere."""

    def __init__(self, w):
        super().__init__()
        self.w = nn.Parameter(torch.tensor(w, dtype=torch.float64))

    def forward(self, x, y=None):
        return x.flatten(1) @ self.w


def test_r1_penalty_of_a_linear_d_is_the_squared_norm_of_w():
    # grad_x (w . x) = w, so ||grad||^2 = 3^2 + (-4)^2 + 1^2 = 26 for every sample
    D = LinearCritic([3.0, -4.0, 1.0])
    x = torch.randn(5, 3, dtype=torch.float64).requires_grad_(True)
    assert close(losses.r1_penalty(D(x), x), 26.0)


def test_r1_penalty_on_pictures_sums_over_every_pixel():
    # a 1 x 2 x 2 "picture" with weights 1, 2, 2, 4: ||w||^2 = 1 + 4 + 4 + 16 = 25
    D = LinearCritic([1.0, 2.0, 2.0, 4.0])
    x = torch.randn(3, 1, 2, 2, dtype=torch.float64).requires_grad_(True)
    assert close(losses.r1_penalty(D(x), x), 25.0)


def test_r1_penalty_can_be_trained_through():
    # d/dw ||w||^2 = 2w
    D = LinearCritic([3.0, -4.0])
    x = torch.randn(4, 2, dtype=torch.float64).requires_grad_(True)
    losses.r1_penalty(D(x), x).backward()
    assert torch.allclose(D.w.grad, t(6.0, -8.0))


def test_gradient_penalty_of_a_linear_critic_with_norm_2_is_1():
    # ||grad D|| = ||w|| = 2 at every point, so (2 - 1)^2 = 1
    D = LinearCritic([0.0, 2.0])
    gen = torch.Generator().manual_seed(0)
    real = torch.randn(8, 2, dtype=torch.float64)
    fake = torch.randn(8, 2, dtype=torch.float64)
    assert close(losses.gradient_penalty(D, real, fake, None, gen), 1.0, 1e-9)


def test_gradient_penalty_is_zero_for_a_critic_with_unit_slope():
    # w = (0.6, 0.8): ||w|| = 1, (1 - 1)^2 = 0
    D = LinearCritic([0.6, 0.8])
    gen = torch.Generator().manual_seed(0)
    real, fake = torch.randn(4, 2, dtype=torch.float64), torch.randn(4, 2, dtype=torch.float64)
    assert close(losses.gradient_penalty(D, real, fake, None, gen), 0.0, 1e-9)


def test_gradient_penalty_gradient_flows_into_the_critic_weights():
    # penalty (||w|| - 1)^2 with w = (0, 2): d/dw = 2 (||w|| - 1) w / ||w|| = 2 * 1 * (0, 1)
    D = LinearCritic([0.0, 2.0])
    gen = torch.Generator().manual_seed(1)
    real = torch.randn(6, 2, dtype=torch.float64)
    fake = torch.randn(6, 2, dtype=torch.float64, requires_grad=True)
    losses.gradient_penalty(D, real, fake, None, gen).backward()
    assert torch.allclose(D.w.grad, t(0.0, 2.0))
    assert fake.grad is None  # the penalty does not push the generator's samples


def test_gradient_penalty_reaches_every_layer_of_a_real_network():
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(2, 8), nn.LeakyReLU(0.2), nn.Linear(8, 1))

    def D(x, y=None):
        return net(x).squeeze(1)

    gen = torch.Generator().manual_seed(0)
    penalty = losses.gradient_penalty(D, torch.randn(16, 2), torch.randn(16, 2), None, gen)
    penalty.backward()
    for p in net.parameters():
        if p.ndim == 2:  # weights; the last bias cannot change a slope
            assert p.grad is not None and p.grad.abs().sum() > 0


def test_gradient_penalty_passes_the_labels_to_the_critic():
    seen = []

    def D(x, y):
        seen.append(y)
        return x.sum(1)

    y = torch.tensor([1, 0, 2])
    losses.gradient_penalty(D, torch.zeros(3, 2), torch.ones(3, 2), y,
                            torch.Generator().manual_seed(0))
    assert seen and seen[0] is y


def test_gradient_penalty_samples_between_real_and_fake():
    # D(x) = ||x||^2 / 2 has gradient x; with real = 0 and fake = 0, every point between is 0,
    # so the gradient norm is 0 and the penalty (0 - 1)^2 = 1
    def D(x, y=None):
        return 0.5 * (x ** 2).sum(1)

    z = torch.zeros(5, 3, dtype=torch.float64)
    assert close(losses.gradient_penalty(D, z, z, None, torch.Generator().manual_seed(0)),
                 1.0, 1e-5)


# --- numerical behaviour -----------------------------------------------------------------------

@pytest.mark.parametrize("name", LOSSES)
@pytest.mark.parametrize("sign", [1.0, -1.0])
def test_huge_scores_give_finite_losses_and_gradients(name, sign):
    real = torch.full((4,), sign * 1e4, requires_grad=True)
    fake = torch.full((4,), -sign * 1e4, requires_grad=True)
    dl = d_loss(name, real, fake, label_smoothing=0.1 if LOSSES[name].probability else 0.0)
    gl = g_loss(name, fake, real)
    assert torch.isfinite(dl) and torch.isfinite(gl)
    (dl + gl).backward()
    assert torch.isfinite(real.grad).all() and torch.isfinite(fake.grad).all()


def test_confident_wrong_d_costs_about_its_score():
    # -log sigmoid(-1e4) = softplus(1e4) = 1e4 (no overflow to inf)
    assert close(d_loss("nonsaturating", t(-1e4), t(-1e4)), 1e4, 1e-6)


def test_minimax_g_loss_saturates_when_d_rejects_fakes_but_nonsaturating_does_not():
    # D confidently rejects the fakes: score -10, D(G(z)) = sigmoid(-10) ~ 4.5e-5.
    # minimax: d/ds log(1 - sigmoid(s)) = -sigmoid(s) ~ -4.5e-5: G hears almost nothing.
    # non-saturating: d/ds -log sigmoid(s) = -(1 - sigmoid(s)) ~ -1: a full-strength signal.
    # (Goodfellow et al. 2014, section 3.) Both point the same way: raise the fake score.
    grads = {}
    for name in ("minimax", "nonsaturating"):
        s = torch.tensor([-10.0], dtype=torch.float64, requires_grad=True)
        (grads[name],) = torch.autograd.grad(g_loss(name, s), s)
    sig = 1 / (1 + math.exp(10))
    assert close(grads["minimax"], -sig, 1e-12)
    assert close(grads["nonsaturating"], -(1 - sig), 1e-12)
    assert abs(float(grads["minimax"])) < 1e-4 < 0.99 < abs(float(grads["nonsaturating"]))


def test_both_generator_losses_learn_equally_when_d_is_unsure():
    # at score 0 both slopes are -1/2: the difference shows only once D wins
    for name in ("minimax", "nonsaturating"):
        s = torch.zeros(1, dtype=torch.float64, requires_grad=True)
        (g,) = torch.autograd.grad(g_loss(name, s), s)
        assert close(g, -0.5)


# --- the registry: what each entry tells the rest of the program -------------------------------

ROOT = Path(__file__).resolve().parents[2]


def test_the_registry_config_and_catalogue_import_without_torch():
    # the window reads them before torch has loaded
    code = ("import sys; import ganstudio.objectives, ganstudio.config, ganstudio.catalog; "
            "sys.exit(1 if 'torch' in sys.modules else 0)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=dict(os.environ, PYTHONPATH=str(ROOT)), timeout=60)
    assert proc.returncode == 0, proc.stderr


def _loss_config(name, **weights):
    cfg = ExperimentConfig()
    cfg.loss.name = name
    for s in STABILISERS.values():  # every opt-in stabiliser off unless asked for
        if s.opt_in:
            setattr(cfg.loss, s.setting.name, 0.0)
    for field_name, value in weights.items():
        setattr(cfg.loss, field_name, value)
    return cfg


def test_every_stabiliser_declares_a_loss_field_of_the_config():
    specs = {s.name: s for s in field_specs("loss")}
    for s in STABILISERS.values():
        st = s.setting
        spec = specs[st.name]
        assert (spec.default, spec.title, spec.help) == (st.default, st.title, st.help)
        assert (spec.minimum, spec.maximum, spec.exclusive_minimum, spec.step) == (
            st.minimum, st.maximum, st.exclusive_minimum, st.step)
        assert spec.type is float
        assert getattr(ExperimentConfig().loss, st.name) == st.default


@pytest.mark.parametrize("name, weights, on", [
    ("nonsaturating", {}, []),
    ("nonsaturating", dict(r1_weight=0.5), ["r1"]),
    ("wgan-gp", {}, ["gradient-penalty"]),
    ("wgan-gp", dict(gp_weight=0.0), ["gradient-penalty"]),  # the loss always uses it
    ("wgan", dict(r1_weight=2.0), ["weight-clip", "r1"]),
    ("hinge", {}, []),
])
def test_the_stabilisers_on_follow_the_loss_and_the_weights(name, weights, on):
    lc = _loss_config(name, **weights).loss
    assert [s.id for s in losses.stabilisers_on(lc)] == on


def test_a_stabiliser_s_field_applies_where_the_stabiliser_can_be_on():
    for s in STABILISERS.values():
        spec = field_specs("loss")[[f.name for f in field_specs("loss")].index(s.setting.name)]
        for name, entry in LOSSES.items():
            expected = s.opt_in or s.id in entry.uses
            assert spec.applies_to(_loss_config(name)) is expected, (s.id, name)


def test_label_smoothing_applies_to_the_probability_losses_only():
    spec = [f for f in field_specs("loss") if f.name == "label_smoothing"][0]
    for name, entry in LOSSES.items():
        cfg = _loss_config(name)
        assert spec.applies_to(cfg) is entry.probability, name
        cfg.loss.label_smoothing = 0.1
        refused = [f for f, _ in cfg.problems()] == ["loss.label_smoothing"]
        assert refused is not entry.probability, name


@pytest.mark.parametrize("name, weights, breaker", [
    ("nonsaturating", {}, None),
    ("nonsaturating", dict(r1_weight=0.5), "r1"),
    ("wgan-gp", {}, "gradient-penalty"),
    ("wgan", {}, None),  # clipping works per weight, whatever the batch
])
def test_batch_norm_is_refused_with_a_per_sample_penalty(name, weights, breaker):
    cfg = _loss_config(name, **weights)
    found = losses.batchnorm_breaker(cfg.loss)
    assert (found.id if found else None) == breaker
    cfg.data.source, cfg.model.family, cfg.model.d_norm = "shapes", "dcgan", "batch"
    problems = dict(cfg.problems())
    if breaker is None:
        assert "model.d_norm" not in problems
    else:
        assert STABILISERS[breaker].title in problems["model.d_norm"]


def test_a_generator_loss_that_does_not_compare_ignores_the_real_scores():
    fake, real = t(0.5, -1.0), t(3.0, 2.0)
    for name, entry in LOSSES.items():
        if not entry.g_needs_real:
            assert torch.equal(g_loss(name, fake, real), g_loss(name, fake)), name


def test_unknown_names_raise_everywhere():
    for call in (lambda: displayed_score("nope", t(0.0)), lambda: losses.loss("nope")):
        with pytest.raises(ValueError, match="unknown loss 'nope'"):
            call()


# --- how scores read to a person ---------------------------------------------------------------

def test_the_original_losses_read_as_probabilities_the_others_as_scores():
    assert LOSSES["minimax"].scale is LOSSES["nonsaturating"].scale is losses.PROBABILITY
    assert losses.PROBABILITY.axis_label == "probability 'real'"
    for name in ("lsgan", "wgan", "wgan-gp", "hinge"):
        assert LOSSES[name].scale.axis_label == "score", name


def test_probability_heat_is_a_sharpened_probability():
    # sigmoid(3 * s): s = 0 -> 1/2; s = ln(3) / 3 -> sigmoid(ln 3) = 3/4
    heat = losses.PROBABILITY.heat(t(0.0, math.log(3.0) / 3))
    assert torch.allclose(heat, t(0.5, 0.75))


def test_least_squares_heat_centres_on_one_half_and_stays_in_0_1():
    # 0.5 + 3 (s - 0.5): 0.5 -> 0.5, 0.6 -> 0.8, 1 -> 2 (clamped to 1), 0 -> -1 (clamped to 0)
    heat = LOSSES["lsgan"].scale.heat(t(0.5, 0.6, 1.0, 0.0))
    assert torch.allclose(heat, t(0.5, 0.8, 1.0, 0.0))


def test_critic_heat_squashes_around_the_median_whatever_the_offset():
    # scores -2..2: median 0, 95% quantile of |s| = 2 (between the two 2s), so s -> sigmoid(s);
    # adding 100 to every critic value changes nothing (critic values have no fixed zero)
    s = t(-2.0, -1.0, 0.0, 1.0, 2.0)
    heat = LOSSES["wgan"].scale.heat(s)
    assert torch.allclose(heat, torch.sigmoid(s))
    assert torch.allclose(LOSSES["wgan"].scale.heat(s + 100.0), heat)


# --- relativistic pairing (RpGAN) --------------------------------------------------------------

def test_rpgan_d_loss_on_known_scores():
    # pairs (ln 3, 0) and (0, 0): softplus(-ln 3) = ln(1 + 1/3) = ln(4/3), softplus(0) = ln 2;
    # mean = (ln(4/3) + ln 2) / 2 = ln(8/3) / 2
    assert close(d_loss("rpgan", t(math.log(3.0), 0.0), t(0.0, 0.0)), math.log(8 / 3) / 2)


def test_rpgan_g_loss_on_known_scores():
    # fake - real = (-ln 3, 0): softplus(ln 3) = ln 4, softplus(0) = ln 2; mean = 3/2 ln 2
    assert close(g_loss("rpgan", t(0.0, 0.0), t(math.log(3.0), 0.0)), 1.5 * LN2)


def test_rpgan_compares_each_real_sample_with_its_pair_not_the_means():
    # real (1, -1), fake (-1, 1): both means are 0, but the pairs differ by 2 and -2:
    # (softplus(-2) + softplus(2)) / 2 = (2 + 2 softplus(-2)) / 2 = 1 + ln(1 + e^-2) ~ 1.127
    # (softplus(x) - softplus(-x) = x); comparing means would give softplus(0) = ln 2 ~ 0.693
    value = d_loss("rpgan", t(1.0, -1.0), t(-1.0, 1.0))
    assert close(value, 1 + math.log(1 + math.exp(-2.0)))


def test_rpgan_cares_only_about_score_differences():
    real, fake = t(0.3, -1.2, 2.0), t(0.1, 0.4, -0.5)
    for shift in (-7.0, 100.0):
        assert close(d_loss("rpgan", real + shift, fake + shift), d_loss("rpgan", real, fake))
        assert close(g_loss("rpgan", fake + shift, real + shift), g_loss("rpgan", fake, real))


def test_rpgan_generator_slope_at_a_tie_is_minus_one_half_per_sample():
    # d/ds_fake softplus(-(s_fake - s_real)) = -sigmoid(s_real - s_fake) = -1/2 at a tie,
    # divided by the 2 samples of the mean; the real scores get the opposite push from D's loss
    fake = torch.zeros(2, dtype=torch.float64, requires_grad=True)
    (grad,) = torch.autograd.grad(g_loss("rpgan", fake, t(0.0, 0.0)), fake)
    assert torch.allclose(grad, t(-0.25, -0.25))
    real = torch.zeros(2, dtype=torch.float64, requires_grad=True)
    (grad,) = torch.autograd.grad(d_loss("rpgan", real, t(0.0, 0.0)), real)
    assert torch.allclose(grad, t(-0.25, -0.25))


def test_rpgan_is_a_comparing_loss_read_as_raw_scores():
    entry = LOSSES["rpgan"]
    assert entry.g_needs_real and not entry.probability and entry.uses == ()
    assert entry.scale.axis_label == "score"
    assert catalog.LOSSES["rpgan"].title == entry.title


# --- R2: the slope on generated data -----------------------------------------------------------

def _d_step_on(D, real, fake):
    real_in, fake_in = real.clone().requires_grad_(True), fake.clone().requires_grad_(True)
    return losses.DStep(D, real, fake, None, None, real_in, fake_in, D(real_in), D(fake_in),
                        torch.Generator().manual_seed(0))


def test_r2_penalty_of_a_linear_d_is_the_squared_norm_of_w():
    # grad_x (w . x) = w at the generated points too: 3^2 + (-4)^2 + 1^2 = 26
    D = LinearCritic([3.0, -4.0, 1.0])
    step = _d_step_on(D, torch.randn(4, 3, dtype=torch.float64),
                      torch.randn(4, 3, dtype=torch.float64))
    assert close(STABILISERS["r2"].penalty(step), 26.0)


def test_r2_penalty_differentiates_at_the_generated_samples_not_the_real_ones():
    # D(x) = ||x||^2 / 2 has gradient x: at fakes (1, 2) and (2, 0), ||x||^2 = 5 and 4, mean 4.5;
    # the real samples (at 0, slope 0) must not enter
    def D(x, y=None):
        return 0.5 * (x ** 2).sum(1)

    step = _d_step_on(D, torch.zeros(2, 2, dtype=torch.float64),
                      t(1.0, 2.0, 2.0, 0.0).reshape(2, 2))
    assert close(STABILISERS["r2"].penalty(step), 4.5)
    assert close(STABILISERS["r1"].penalty(step), 0.0)


def test_r2_is_weighted_gamma_over_2_and_off_by_default():
    entry = STABILISERS["r2"]
    assert entry.grad_of == ("fake",) and entry.no_batchnorm and entry.opt_in
    cfg = ExperimentConfig()
    assert cfg.loss.r2_weight == 0.0 and entry not in losses.stabilisers_on(cfg.loss)
    cfg.loss.r2_weight = 3.0
    assert entry in losses.stabilisers_on(cfg.loss) and entry.weight(cfg.loss) == 1.5
    cfg.loss.r1_weight = 0.0
    assert losses.batchnorm_breaker(cfg.loss) is entry


def test_r2_weight_is_a_config_field_set_checked_and_saved():
    from ganstudio.config import ConfigError

    spec = {s.name: s for s in field_specs("loss")}["r2_weight"]
    assert spec.path == "loss.r2_weight" and spec.default == 0.0 and "generated" in spec.help
    cfg = ExperimentConfig()
    cfg.set_text("loss.r2_weight=0.1")
    assert cfg.loss.r2_weight == 0.1
    assert ExperimentConfig.loads(cfg.dumps()).loss.r2_weight == 0.1
    for bad in ("-1", "2000", "lots"):
        with pytest.raises(ConfigError) as info:
            cfg.set_text(f"loss.r2_weight={bad}")
        assert info.value.field == "loss.r2_weight"
    assert ExperimentConfig.loads("[loss]\nr1_weight = 0.5\n").loss.r2_weight == 0.0  # old files


def test_rpgan_with_r1_and_r2_trains_on_the_ring_without_diverging():
    from ganstudio.training import Trainer
    from tests.conftest import tiny_config

    with_r2 = Trainer(tiny_config(loss__name="rpgan", loss__r1_weight=0.5, loss__r2_weight=0.5,
                                  training__steps=150))
    assert train(with_r2) == "finished"
    hist = with_r2.history
    for key in ("d_loss", "g_loss", "penalty", "d_grad_norm", "g_grad_norm"):
        assert all(math.isfinite(v) for v in hist.column(key)), key
    assert all(v > 0 for v in hist.column("penalty"))
    # R2 is part of D's update: without it the same run's first step differs
    plain = Trainer(tiny_config(loss__name="rpgan", loss__r1_weight=0.5))
    again = Trainer(tiny_config(loss__name="rpgan", loss__r1_weight=0.5, loss__r2_weight=0.5))
    assert plain.step()["penalty"] < again.step()["penalty"]

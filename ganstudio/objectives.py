"""Every GAN loss and discriminator stabiliser, one entry each: what it is, in one place.

A loss entry holds its words (title, help), its maths as functions of the discriminator's raw
scores (logits), how its scores read to a person (plots, heat map) and which stabilisers it always
uses. A stabiliser entry holds the config field it adds to [loss], when that field applies, its
part of the discriminator's step and whether batch normalisation breaks it. The config, the
catalogue, the model spec, the trainer, the 2-D view and the window all read these entries, so a
new loss or stabiliser is one entry here (and its tests).

The config and the catalogue import this before torch has loaded (the window opens first), so the
entries are plain data and torch is imported inside the maths only. It sits beside config.py and
not in training/ because the config and the model spec (a lower layer) read it too.

For the probability losses, D(x) = sigmoid(score); written with softplus for stability:
log D(x) = -softplus(-s) and log(1 - D(x)) = -softplus(s).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from ganstudio.choice import Choice

# --- how scores read to a person ---------------------------------------------------------------

HEAT_GAIN = 3.0  # near equilibrium D's opinions are faint (p ~ 0.5): exaggerate them to show


@dataclass(frozen=True)
class ScoreScale:
    """What a loss's scores mean to a person: what a plot shows as D(x), under which axis label,
    and how the 2-D heat map colours a score (0..1: 0.5 = undecided, above = 'real')."""

    axis_label: str
    shown: Callable  # scores -> what the plots show
    heat: Callable  # scores -> 0..1


def _raw(score):
    return score


def _probability(score):
    import torch

    return torch.sigmoid(score)


def _heat_probability(score):
    import torch

    return torch.sigmoid(HEAT_GAIN * score)  # a probability of exaggerated confidence


def _heat_targets(score):
    # least squares aims real at 1 and fake at 0: 0.5 is undecided
    return (0.5 + HEAT_GAIN * (score - 0.5)).clamp(0, 1)


def _heat_relative(score):
    import torch

    # critic values have no fixed scale: squash them around their median
    centred = score - score.median()
    scale = centred.abs().quantile(0.95).clamp(min=1e-6)
    return torch.sigmoid(2.0 * centred / scale)


PROBABILITY = ScoreScale("probability 'real'", _probability, _heat_probability)
TARGETS = ScoreScale("score", _raw, _heat_targets)
UNBOUNDED = ScoreScale("score", _raw, _heat_relative)


# --- losses ------------------------------------------------------------------------------------

@dataclass(frozen=True, kw_only=True)
class Loss(Choice):
    """One GAN game. ``d_loss(real, fake, label_smoothing)`` and ``g_loss(fake, real)`` take D's
    raw scores of real and generated samples (``real`` is None for G unless ``g_needs_real``)."""

    d_loss: Callable
    g_loss: Callable
    scale: ScoreScale = UNBOUNDED
    probability: bool = False  # aims real at 1 and fake at 0, so label smoothing applies
    uses: tuple[str, ...] = ()  # stabilisers (ids) always on with this loss
    clips_weights: bool = False  # the critic's weights are clipped after every update
    g_needs_real: bool = False  # G's loss compares with D's scores of a real batch


def _bce(score, target: float):
    """Binary cross-entropy of sigmoid(score) against a constant target, per sample."""
    from torch.nn import functional as F

    return target * F.softplus(-score) + (1.0 - target) * F.softplus(score)


def _d_probability(real, fake, label_smoothing):
    # one-sided label smoothing (Salimans et al. 2016) aims real scores at 1 - label_smoothing
    return _bce(real, 1.0 - label_smoothing).mean() + _bce(fake, 0.0).mean()


def _g_minimax(fake, real=None):
    from torch.nn import functional as F

    return -F.softplus(fake).mean()  # minimise log(1 - D(G(z))): saturates when D wins


def _g_nonsaturating(fake, real=None):
    from torch.nn import functional as F

    return F.softplus(-fake).mean()  # maximise log D(G(z))


def _d_lsgan(real, fake, label_smoothing):
    # Mao et al. 2017, targets b = 1 (real), a = 0 (fake)
    return 0.5 * ((real - (1.0 - label_smoothing)) ** 2).mean() + 0.5 * (fake ** 2).mean()


def _g_lsgan(fake, real=None):
    return 0.5 * ((fake - 1.0) ** 2).mean()  # target c = 1


def _d_wasserstein(real, fake, label_smoothing):
    return fake.mean() - real.mean()  # the critic maximises E[D(x)] - E[D(G(z))]


def _g_critic(fake, real=None):
    return -fake.mean()


def _d_hinge(real, fake, label_smoothing):
    from torch.nn import functional as F

    return F.relu(1.0 - real).mean() + F.relu(1.0 + fake).mean()


def _d_rpgan(real, fake, label_smoothing):
    from torch.nn import functional as F

    # each real sample is paired with the generated one beside it in the batch
    return F.softplus(-(real - fake)).mean()


def _g_rpgan(fake, real):
    from torch.nn import functional as F

    return F.softplus(-(fake - real)).mean()


LOSSES: dict[str, Loss] = {
    c.id: c
    for c in [
        Loss(id="minimax", title="Minimax (original)", help="The original GAN game (Goodfellow "
             "et al. 2014). The generator learns slowly when the discriminator wins.",
             d_loss=_d_probability, g_loss=_g_minimax, scale=PROBABILITY, probability=True),
        Loss(id="nonsaturating", title="Non-saturating", help="The original GAN with the "
             "generator's fix that keeps it learning (Goodfellow et al. 2014). A good default.",
             d_loss=_d_probability, g_loss=_g_nonsaturating, scale=PROBABILITY,
             probability=True),
        Loss(id="lsgan", title="Least squares (LSGAN)", help="Scores are pushed toward 1 and 0 "
             "by squared error (Mao et al. 2017).", d_loss=_d_lsgan, g_loss=_g_lsgan,
             scale=TARGETS, probability=True),
        Loss(id="wgan", title="Wasserstein (weight clipping)", help="The discriminator becomes "
             "a critic that estimates a distance; its weights are clipped (Arjovsky et al. "
             "2017).", d_loss=_d_wasserstein, g_loss=_g_critic, uses=("weight-clip",)),
        Loss(id="wgan-gp", title="Wasserstein + gradient penalty", help="The Wasserstein critic "
             "kept smooth by a gradient penalty instead of clipping (Gulrajani et al. 2017).",
             d_loss=_d_wasserstein, g_loss=_g_critic, uses=("gradient-penalty",)),
        Loss(id="hinge", title="Hinge", help="A margin-based game used by SAGAN and BigGAN "
             "(Lim & Ye 2017).", d_loss=_d_hinge, g_loss=_g_critic),
        Loss(id="rpgan", title="Relativistic pairing (RpGAN)", help="The discriminator judges "
             "whether each real sample looks more real than a generated one paired with it "
             "(Jolicoeur-Martineau 2018). With the R1 and R2 penalties it is the loss of R3GAN "
             "(Huang et al. 2024).", d_loss=_d_rpgan, g_loss=_g_rpgan, g_needs_real=True),
    ]
}


def loss(name: str) -> Loss:
    try:
        return LOSSES[name]
    except KeyError:
        raise ValueError(f"unknown loss '{name}'") from None


def d_loss(name: str, real, fake, label_smoothing: float = 0.0):
    """The discriminator's loss on scores of real and generated samples."""
    return loss(name).d_loss(real, fake, label_smoothing)


def g_loss(name: str, fake, real=None):
    """The generator's loss on D's scores of its samples (and of a real batch, for a loss that
    compares the two)."""
    return loss(name).g_loss(fake, real)


def displayed_score(name: str, score):
    """What 'D(x)' means to a person: a probability for the probability losses, else the raw
    score (a least-squares target, a critic value or a hinge margin)."""
    return loss(name).scale.shown(score)


# --- stabilisers of the discriminator ----------------------------------------------------------

@dataclass(frozen=True)
class Setting:
    """The [loss] field a stabiliser adds to the config (keys as in config.option)."""

    name: str
    default: float
    title: str
    help: str
    minimum: float | None = None
    maximum: float | None = None
    exclusive_minimum: float | None = None
    step: float | None = None


@dataclass
class DStep:
    """What a penalty may use from one discriminator step: the samples as drawn (``real``,
    ``fake``), as D saw them (``real_in``, ``fake_in``: after instance noise and augmentation;
    they require grad where a stabiliser asked) and D's scores of those."""

    D: Any
    real: Any
    fake: Any
    y_real: Any
    y_fake: Any
    real_in: Any
    fake_in: Any
    s_real: Any
    s_fake: Any
    rng: Any


@dataclass(frozen=True, kw_only=True)
class Stabiliser:
    """A way to keep the discriminator in check. On with the losses that use it, and, when
    ``opt_in``, with any loss once its setting is above 0."""

    id: str
    title: str  # in a sentence: "the R1 penalty"
    setting: Setting
    opt_in: bool = False
    # added to D's loss, times weight(loss config); returns the unweighted value (reported)
    penalty: Callable[[DStep], Any] | None = None
    weight: Callable[[Any], float] | None = None
    grad_of: tuple[str, ...] = ()  # "real", "fake": D's inputs the penalty differentiates at
    after_update: Callable[[list, Any], None] | None = None  # (D's weights, loss config)
    no_batchnorm: bool = False  # per-sample, so batch norm (which mixes samples) breaks it
    # may be computed only every loss.penalty_every discriminator updates, that many times as
    # strong ("lazy regularisation", Karras et al. 2020, StyleGAN2): a slope penalty changes
    # slowly, and its second backward pass is a large share of a small network's step
    lazy: bool = False

    def on(self, loss_config) -> bool:
        """Whether this stabiliser is on for a [loss] section."""
        if self.id in loss(loss_config.name).uses:
            return True
        return self.opt_in and getattr(loss_config, self.setting.name) > 0

    def applies(self, config) -> bool:
        """Whether its setting matters for an experiment config (the window hides it if not)."""
        return self.opt_in or self.id in LOSSES[config.loss.name].uses


def gradient_penalty(D, real, fake, y, gen):
    """WGAN-GP (Gulrajani et al. 2017): E[(||grad D(x_hat)|| - 1)^2] at random points x_hat
    on lines between real and generated samples."""
    import torch

    eps = torch.rand((len(real),) + (1,) * (real.ndim - 1), generator=gen, device=real.device,
                     dtype=real.dtype)
    x_hat = (eps * real.detach() + (1 - eps) * fake.detach()).requires_grad_(True)
    (g,) = torch.autograd.grad(D(x_hat, y).sum(), x_hat, create_graph=True)
    return ((g.flatten(1).pow(2).sum(1) + 1e-12).sqrt() - 1.0).pow(2).mean()


def r1_penalty(scores, inputs):
    """E[||grad D(x)||^2] from the scores D gave the inputs (which must require grad), reusing
    that forward pass: R1 on real data, R2 on generated data (Mescheder et al. 2018). The
    caller weights it by gamma / 2."""
    import torch

    (g,) = torch.autograd.grad(scores.sum(), inputs, create_graph=True)
    return g.flatten(1).pow(2).sum(1).mean()


def _clip_weights(params: list, loss_config) -> None:
    # Arjovsky et al. 2017: keep the critic Lipschitz by clipping its weights
    import torch

    with torch.no_grad():
        torch._foreach_clamp_min_(params, -loss_config.clip)
        torch._foreach_clamp_max_(params, loss_config.clip)


STABILISERS: dict[str, Stabiliser] = {
    s.id: s
    for s in [
        Stabiliser(
            id="gradient-penalty", title="the gradient penalty",
            setting=Setting("gp_weight", 10.0, "Gradient penalty", "Weight of the gradient "
                            "penalty that keeps the critic smooth.", minimum=0.0,
                            maximum=1000.0),
            penalty=lambda s: gradient_penalty(s.D, s.real, s.fake, s.y_real, s.rng),
            weight=lambda lc: lc.gp_weight, no_batchnorm=True),
        Stabiliser(
            id="weight-clip", title="weight clipping",
            setting=Setting("clip", 0.01, "Weight clip", "The critic's weights are kept within "
                            "plus or minus this.", exclusive_minimum=0.0, maximum=10.0,
                            step=0.001),
            after_update=_clip_weights),
        Stabiliser(
            id="r1", title="the R1 penalty", opt_in=True,
            setting=Setting("r1_weight", 0.1, "R1 penalty", "Penalise the discriminator's slope "
                            "on real data (Mescheder et al. 2018); 0 = off.", minimum=0.0,
                            maximum=1000.0, step=0.01),
            penalty=lambda s: r1_penalty(s.s_real, s.real_in),
            weight=lambda lc: 0.5 * lc.r1_weight, grad_of=("real",), no_batchnorm=True,
            lazy=True),
        Stabiliser(
            id="r2", title="the R2 penalty", opt_in=True,
            setting=Setting("r2_weight", 0.0, "R2 penalty", "Penalise the discriminator's slope "
                            "on generated data (Mescheder et al. 2018); 0 = off.", minimum=0.0,
                            maximum=1000.0, step=0.01),
            # the same squared slope as R1, at the generated samples D saw, weighted gamma / 2
            penalty=lambda s: r1_penalty(s.s_fake, s.fake_in),
            weight=lambda lc: 0.5 * lc.r2_weight, grad_of=("fake",), no_batchnorm=True,
            lazy=True),
    ]
}


def stabilisers_on(loss_config) -> list[Stabiliser]:
    """The stabilisers on for a [loss] section, in the order they are applied."""
    return [s for s in STABILISERS.values() if s.on(loss_config)]


def penalties_due(loss_config, d_update: int) -> list[tuple[Stabiliser, float]]:
    """The penalties to add at D's update number ``d_update`` (0, 1, 2... over the run), each
    with its weight: every penalty on, except that a lazy one comes only every
    loss.penalty_every updates, that many times as strong."""
    every = loss_config.penalty_every
    out = []
    for s in stabilisers_on(loss_config):
        if s.penalty is None:
            continue
        if s.lazy and every > 1:
            if d_update % every == 0:
                out.append((s, every * s.weight(loss_config)))
        else:
            out.append((s, s.weight(loss_config)))
    return out


def batchnorm_breaker(loss_config) -> Stabiliser | None:
    """The first stabiliser on that batch normalisation in D would break, if any."""
    return next((s for s in stabilisers_on(loss_config) if s.no_batchnorm), None)

"""Directions through the noise worth a slider: found in the generator's weights, or taught.

- ``sefa``: closed-form factorisation (Shen & Zhou 2021, "Closed-Form Factorization of Latent
  Semantics in GANs"). The generator's first layer turns the noise z into A z; the directions
  that change A z most are the unit vectors n maximising |A n|^2, the eigenvectors of A^T A with
  the largest eigenvalues. No sampling: a moment even for large models. Each direction's share
  is its eigenvalue over their sum: how much of the first layer's response to the noise it
  carries. Conditional generators concatenate a one-hot label to z: only the noise's columns
  of A are taken.
- ``teach``: a direction taught by examples (InterFaceGAN, Shen et al. 2020): noises tagged
  "has it" or "lacks it" are split by a linear boundary (logistic regression); its unit normal,
  pointing toward "has it", is the direction. ``hold_fixed`` removes from it the part along
  another direction (conditional editing: n1 - (n1.n2) n2, renormalised), so moving along it
  leaves that other attribute's score unchanged.
- ``strip``: pictures of the current point with the direction's slider at -3 .. 3, to see
  what a direction does before choosing it for a slider.

Saved and reopened beside the checkpoint by ``explore/direction_files.py``; the explorer's
slider modes "sefa" and "chosen" read ``slider_directions`` and ``slider_names`` here.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

import numpy as np
import torch

from ganstudio.errors import UserError
from ganstudio.explore import latent
from ganstudio.explore.modes import DIRECTION_SLIDERS, SLIDER_RANGE

KINDS = {"sefa": "found in the weights (SeFa)", "principal": "main direction (PCA)",
         "taught": "taught by examples", "dimensions": "one of the noise numbers",
         "random": "a random direction"}
FOUND_TITLES = {"sefa": "SeFa", "principal": "Main"}  # names: "SeFa 3", "Main 3"
MIN_TAGS_EACH = 3  # fewer examples on a side than this cannot place a boundary
MAX_NAME = 60
STRIP_STEPS = 7  # pictures per strip: the slider at -3, -2, ..., 3


@dataclass(frozen=True)
class Direction:
    """One direction through the noise, with what a person needs to know about it."""

    name: str
    kind: str  # a key of KINDS
    vector: torch.Tensor  # (latent_dim,), unit length
    share: float | None = None  # found ones: the share of change it carries
    details: dict = field(default_factory=dict)  # taught ones: how (tags, held, accuracy)

    def describe(self) -> str:
        """One line: what it is and where it came from."""
        if self.kind == "taught":
            d = self.details
            text = (f"taught from {d.get('has', '?')} samples that have it, "
                    f"{d.get('lacks', '?')} that lack it")
            if d.get("held"):
                text += f"; '{d['held']}' held fixed"
            if d.get("accuracy") is not None:
                text += f"; guessed {d['accuracy'] * 100:.0f}% of tags left out right"
            return text
        share = "" if self.share is None else f": {self.share * 100:.1f}% of the change"
        return f"{KINDS.get(self.kind, self.kind)}{share}"


# --- found: SeFa ----------------------------------------------------------------------------
def first_layer(G: torch.nn.Module, latent_dim: int) -> torch.Tensor:
    """A: the first layer's weight on the noise, (outputs, latent_dim), so that the layer's
    response to z (before its bias) is A z. The first Linear or ConvTranspose2d of G that takes
    at least ``latent_dim`` inputs; the noise comes first in its inputs (a conditional
    generator's label follows it, and is left out). Under spectral norm the weight as used."""
    for m in G.modules():
        if isinstance(m, torch.nn.Linear) and m.in_features >= latent_dim:
            return m.weight.detach()[:, :latent_dim].double()
        if isinstance(m, torch.nn.ConvTranspose2d) and m.in_channels >= latent_dim:
            # on a 1 x 1 input, output channel c at pixel p is sum_i z_i W[i, c, p]
            w = m.weight.detach()[:latent_dim]
            return w.reshape(latent_dim, -1).T.double()
        if isinstance(m, (torch.nn.Linear, torch.nn.Conv2d, torch.nn.ConvTranspose2d)):
            break  # the first layer takes fewer numbers than the noise has: not z alone
    raise UserError("closed-form directions (SeFa) need a generator whose first layer takes "
                    "the noise directly; this generator has none")


def sefa(G: torch.nn.Module, latent_dim: int, k: int | None = None) -> latent.Directions:
    """The ``k`` (default all) SeFa directions as orthonormal rows, largest effect first, with
    each one's share of the first layer's response to the noise."""
    A = first_layer(G, latent_dim)
    values, vectors = torch.linalg.eigh(A.T @ A)  # ascending, orthonormal columns
    values = values.clamp(min=0).flip(0)
    vectors = vectors.flip(1)
    total = float(values.sum())
    share = values / total if total > 0 else torch.zeros_like(values)
    k = latent_dim if k is None else max(0, min(k, latent_dim))
    rows = vectors[:, :k].T.contiguous()
    # an eigenvector's sign is arbitrary: point each so its largest entry is positive, so the
    # same model always gives the same directions
    flip = torch.sign(rows.gather(1, rows.abs().argmax(1, keepdim=True)))
    return latent.Directions((rows * flip).float(), share[:k].float())


def found(ex, kind: str = "sefa", k: int = DIRECTION_SLIDERS) -> list[Direction]:
    """The ``k`` leading directions of a kind ("sefa" or "principal") for an exploration."""
    n = ex.spec.latent_dim
    if kind == "sefa":
        d = sefa(ex.G, n, k)
    elif kind == "principal":
        d = latent.principal_directions(ex.G, n, k=k, y=ex._labels(1024))
    else:
        raise ValueError(f"unknown kind of found direction '{kind}'")
    title = FOUND_TITLES[kind]
    return [Direction(f"{title} {i + 1}", kind, v, float(s))
            for i, (v, s) in enumerate(zip(d.vectors, d.explained))]


# --- taught ---------------------------------------------------------------------------------
def check_name(name: str) -> str:
    name = " ".join(str(name).split())
    if not name:
        raise UserError("give the direction a name (for example: long sleeves)")
    if len(name) > MAX_NAME:
        raise UserError(f"a direction's name is at most {MAX_NAME} characters long")
    return name


def _rows(noise, latent_dim: int, what: str) -> torch.Tensor:
    z = torch.as_tensor(np.asarray(noise, dtype=np.float32) if not torch.is_tensor(noise)
                        else noise, dtype=torch.float32)
    if z.ndim == 1 and z.numel() == latent_dim:
        z = z[None]
    if z.ndim != 2 or (len(z) and z.shape[1] != latent_dim):
        raise UserError(f"the noises tagged '{what}' have {tuple(z.shape)} numbers; this model's "
                        f"noise has {latent_dim} numbers each")
    if not torch.isfinite(z).all():
        raise UserError(f"the noises tagged '{what}' hold numbers that are not finite")
    return z


def hold_fixed(n1: torch.Tensor, n2: torch.Tensor) -> torch.Tensor:
    """``n1`` with its part along ``n2`` removed, unit length: moving along it leaves the
    score along ``n2`` where it was (InterFaceGAN's conditional manipulation)."""
    n1, n2 = n1.double(), n2.double()
    n2 = n2 / n2.norm().clamp(min=1e-12)
    out = n1 - (n1 @ n2) * n2
    norm = out.norm()
    if norm < 1e-6 * max(float(n1.norm()), 1e-12):
        raise UserError("the direction to hold fixed is the same as the one taught: nothing "
                        "would be left to move along")
    return (out / norm).float()


@dataclass
class Teaching:
    """What teaching found: the direction and how well the tags split."""

    direction: Direction
    separated: int  # tags on the right side of the boundary
    tags: int


def teach(name: str, has, lacks, *, hold: Direction | None = None,
          label: int | None = None) -> Teaching:
    """A direction from noises that have a quality (``has``) and noises that lack it (``lacks``),
    each (n, latent_dim): the unit normal of a logistic-regression boundary between them,
    pointing toward "has it"; with ``hold``, that direction's part is taken out of it."""
    name = check_name(name)
    if hold is not None:
        latent_dim = hold.vector.numel()
    else:
        latent_dim = int(np.shape(has)[-1]) if np.size(has) else int(np.shape(lacks)[-1])
    has, lacks = _rows(has, latent_dim, "has it"), _rows(lacks, latent_dim, "lacks it")
    if len(has) == 0 or len(lacks) == 0:
        side = "has it" if len(has) == 0 else "lacks it"
        raise UserError(f"every tag is on one side: tag at least {MIN_TAGS_EACH} samples as "
                        f"'{side}' too")
    if len(has) < MIN_TAGS_EACH or len(lacks) < MIN_TAGS_EACH:
        raise UserError(f"too few tags ({len(has)} have it, {len(lacks)} lack it): tag at least "
                        f"{MIN_TAGS_EACH} of each, 10 or more in all works better")
    same = torch.cdist(has, lacks).min() if len(has) and len(lacks) else torch.tensor(1.0)
    if float(same) < 1e-6:
        raise UserError("the same sample is tagged both 'has it' and 'lacks it'")
    try:
        from threadpoolctl import threadpool_limits  # installed with scikit-learn
    except ImportError:
        raise UserError("teaching a direction needs scikit-learn: pip install scikit-learn") \
            from None
    X = torch.cat([has, lacks]).double().numpy()
    y = np.r_[np.ones(len(has)), np.zeros(len(lacks))]
    # one thread: tens of samples gain nothing from more, and a thread team waking beside
    # training (or the window) made one fit take 230 ms instead of 7 on 2 cores
    with threadpool_limits(1):
        model = _classifier().fit(X, y)
        accuracy = _held_out_accuracy(X, y)
    normal = torch.from_numpy(model.coef_[0]).double()
    if float(normal.norm()) < 1e-9:
        raise UserError("the tags do not split along any direction of the noise: tag more "
                        "samples, or ones that differ more clearly")
    normal = (normal / normal.norm()).float()
    if hold is not None:
        normal = hold_fixed(normal, hold.vector)
    separated = int((model.predict(X) == y).sum())
    details = {"has": len(has), "lacks": len(lacks), "held": hold.name if hold else None,
               "accuracy": accuracy, "label": label}
    return Teaching(Direction(name, "taught", normal.contiguous(), None, details), separated,
                    len(y))


def _classifier():
    """Logistic regression, L2-regularised (C = 1: tens of tags in tens of dimensions are
    always separable, and the regularisation picks the boundary), each side weighted equally
    however many tags it has."""
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=1.0, class_weight="balanced", solver="liblinear")


def _held_out_accuracy(X: np.ndarray, y: np.ndarray) -> float | None:
    """How often the boundary, fitted without a tag, guesses that tag right (k-fold, up to 5
    folds): the tags themselves are always split when there are fewer than dimensions. None
    with too few tags to leave some out."""
    from sklearn.model_selection import StratifiedKFold

    folds = int(min(5, y.sum(), len(y) - y.sum()))
    if folds < 2:
        return None
    right = 0
    for train, test in StratifiedKFold(folds, shuffle=True, random_state=0).split(X, y):
        right += int((_classifier().fit(X[train], y[train]).predict(X[test]) == y[test]).sum())
    return right / len(y)


# --- pictures -------------------------------------------------------------------------------
def strip_noise(ex, vector: torch.Tensor, steps: int = STRIP_STEPS,
                z: torch.Tensor | None = None) -> torch.Tensor:
    """The noise of a strip: the point (default the current one) with its coordinate along
    ``vector`` set to -3 .. 3 in turn, as that slider would put it; truncated like the point."""
    z = ex.raw_z if z is None else torch.as_tensor(z, dtype=torch.float32)
    v = vector.float() / vector.float().norm().clamp(min=1e-12)
    t = torch.linspace(-SLIDER_RANGE, SLIDER_RANGE, steps)
    zs = z[None] + (t - z @ v)[:, None] * v[None]
    return latent.truncate(zs, ex.psi)


def strips(ex, directions: list[Direction], steps: int = STRIP_STEPS, size: int | None = None,
           z: torch.Tensor | None = None) -> list[np.ndarray]:
    """One picture strip per direction (drawn in one batch)."""
    from ganstudio.export import fit_picture, image_grid

    if not directions:
        return []
    zs = torch.cat([strip_noise(ex, d.vector, steps, z) for d in directions])
    pics = ex.pictures(zs)
    if size is None and ex.spec.kind == "2d":
        size = 96  # points in the plane are drawn large: a strip of them need not be
    if size:
        pics = [fit_picture(p, size) for p in pics]
    x = torch.from_numpy(np.stack(pics)).permute(0, 3, 1, 2).float() / 127.5 - 1
    return [image_grid(x[i * steps:(i + 1) * steps], nrow=steps, padding=1)
            for i in range(len(directions))]


# --- the explorer's sliders -----------------------------------------------------------------
def chosen_or_default(ex) -> list[Direction]:
    """The directions the sliders move along in the "chosen" mode: those picked, else the
    taught ones, else the leading SeFa directions."""
    if ex.picked:
        return list(ex.picked)
    if ex.taught:
        return list(ex.taught)[:DIRECTION_SLIDERS]
    return found(ex, "sefa", DIRECTION_SLIDERS)


def slider_directions(ex, mode: str) -> tuple[torch.Tensor, torch.Tensor | None, list]:
    """(rows, shares, the Directions) of a slider mode of this module: "sefa" or "chosen"."""
    if mode == "sefa":
        chosen = found(ex, "sefa", DIRECTION_SLIDERS)
    else:
        chosen = chosen_or_default(ex)
    n = ex.spec.latent_dim
    rows = (torch.stack([d.vector.float() for d in chosen]) if chosen
            else torch.zeros(0, n))
    shares = torch.tensor([d.share if d.share is not None else math.nan for d in chosen])
    return rows, shares, chosen


def slider_names(ex) -> list[tuple[str, str]]:
    """(name, tooltip) per slider of the "sefa" and "chosen" modes."""
    return [(d.name, f"{d.name}: {d.describe()}") for d in (ex.picked or [])] \
        if ex.mode == "chosen" else \
        [(f"SeFa {i + 1}", f"A direction found in the generator's first layer (SeFa): it "
          f"carries {float(s) * 100:.0f}% of how that layer responds to the noise")
         for i, s in enumerate(ex.explained)]


def resolve(ex, name: str, candidates: list[Direction] = ()) -> Direction:
    """A direction by name: a taught one, one of ``candidates``, or "SeFa N" / "Main N"."""
    key = " ".join(str(name).split()).lower()
    for d in list(ex.taught) + list(candidates):
        if d.name.lower() == key:
            return d
    m = re.fullmatch(r"(sefa|main)\s*(\d+)", key)
    if m:
        kind = "sefa" if m.group(1) == "sefa" else "principal"
        i = int(m.group(2))
        if 1 <= i <= ex.spec.latent_dim:
            return found(ex, kind, i)[i - 1]
    known = [d.name for d in ex.taught]
    raise UserError(f"no direction named '{name}'" + (
        f" (saved: {', '.join(known)}; or SeFa 1, SeFa 2...)" if known else
        " (none is saved for this checkpoint; name a found one: SeFa 1, SeFa 2...)"))

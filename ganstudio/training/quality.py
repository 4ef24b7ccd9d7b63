"""Quality measured while a run trains: a few cheap numbers every few hundred steps.

What is measured depends on the data (each number names its feature space, as ``ganstudio
eval`` does):

- points from a mixture with known clusters (ring, grid): clusters found and the share of
  samples on target, on 2,500 samples (the VEEGAN / PacGAN protocol, metrics/modes.py), and the
  density divergence that any 2-D data has;
- pictures of a data set GAN Studio has a classifier for (digits, shapes, fashion-mnist,
  mnist-5k): the Fréchet distance in that classifier's space, the classes made and, for a
  conditional model, whether the class asked for is the one drawn;
- any pictures: their diversity (mean distance between two samples over the real pictures'),
  in the classifier's space when there is one, else in pixels at 16 x 16;
- pictures without a classifier (your own folder): KID in Inception space on a few hundred
  samples, every few minutes on its own budget (training/live_kid.py), when the Inception
  weights are installed (else ``notes`` says so once).

A measurement runs in the training thread between two steps, so it never races the weights and
needs no copy of them; it is spaced out so that it takes at most ``SHARE`` of the training time
(measured, not assumed): on a 2-core CPU a second thread would slow training just as much, and
the spacing makes the cost a promise. The real side (features of the real data) is computed once.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Callable

import torch

from ganstudio.metrics import stats
from ganstudio.metrics.modes import EVAL_SAMPLES, density_divergence, mode_coverage

SHARE = 0.04  # at most this share of the training time goes to measuring quality
LIVE_PICTURES = 500  # generated (and real) pictures per live measurement
NOISE_SEED = 4321  # the same latent points at every measurement: changes come from training
REAL_SEED = 2024
PIXEL_SIDE = 16  # pictures without a classifier: diversity in pixels at this size


@dataclass(frozen=True)
class Measure:
    """One live number: what the plot, the badge and metrics.csv call it."""

    key: str
    title: str  # for people, with its unit
    better: str  # "higher" or "lower"
    space: str  # where it is measured
    total: int | None = None  # for counts: out of how many (clusters, classes)


@dataclass(frozen=True)
class QualityPoint:
    step: int
    values: dict  # key -> float
    seconds: float  # what the measurement cost

    def get(self, key: str, default: float = math.nan) -> float:
        return self.values.get(key, default)


class LiveQuality:
    """Measures a trainer's generator every ``every`` steps (or less often, so that measuring
    costs at most ``SHARE`` of the time). ``measures`` says what it will report."""

    def __init__(self, trainer, every: int):
        self.trainer = trainer
        self.every = max(int(every), 0)
        self.source = trainer.source
        spec = trainer.spec
        self.kind = "points" if spec.kind == "2d" else "pictures"
        self.means = getattr(self.source, "means", None)
        self._space = None
        self._space_loaded = False
        self._real = None  # the real side, computed on the first measurement
        self._z = None
        self._y = None
        self.last_step: int | None = None
        self.cost = 0.0  # seconds the last measurement took (the live KID's apart)
        self.kid = None  # training/live_kid.py LiveKID: pictures without a classifier
        self.notes: list[str] = []  # said once when the run starts (Run.build)
        self.measures = self._measures()
        # what real data scores against the same real data (another draw of it): the best a
        # generator can be seen to do in these numbers; filled on the first measurement
        self.floors: dict[str, float] = {}

    # --- what is measured ----------------------------------------------------------------------
    def _classifier(self):
        if not self._space_loaded:
            from ganstudio.metrics import classifier as clf

            self._space_loaded = True
            if clf.has_classifier(self.source.id):
                try:
                    self._space = clf.load_classifier(self.source.id)
                except clf.ClassifierUnavailable:
                    self._space = None
        return self._space

    def _measures(self) -> list[Measure]:
        from ganstudio.metrics.report import PLANE

        if self.kind == "points":
            out = []
            if self.means is not None:
                k = len(self.means)
                out += [Measure("modes", f"clusters found (of {k})", "higher", PLANE, k),
                        Measure("hq", "% of samples on target", "higher", PLANE)]
            out += [Measure("density_js", "density difference (JS, nats)", "lower", PLANE),
                    Measure("diversity", "spread vs the real points", "higher", PLANE)]
            return out
        space = self._classifier()
        if space is None:
            from ganstudio.training.live_kid import LiveKID

            self.kid, note = LiveKID.for_trainer(self.trainer)
            self.notes += [note] if note else []
            kid = [] if self.kid is None else [
                Measure(LiveKID.key, "KID vs the real pictures (Inception)", "lower",
                        self.kid.space)]
            return kid + [Measure("diversity", "variety vs the real pictures", "higher",
                                  f"pixels at {PIXEL_SIDE} x {PIXEL_SIDE}")]
        out = [Measure("classifier_fd", "distance to the real pictures (FD)", "lower",
                       space.space),
               Measure("classes", f"classes made (of {space.net.num_classes})", "higher",
                       space.space, space.net.num_classes)]
        if self.trainer.spec.conditional and self.trainer.spec.num_classes == space.net.num_classes:
            out.append(Measure("label_accuracy", "% drawn as the class asked for", "higher",
                               space.space))
        out.append(Measure("diversity", "variety vs the real pictures", "higher", space.space))
        return out

    @property
    def headline(self) -> Measure:
        """The one number a plot shows first: on target (mixtures), FD, else diversity."""
        keys = {m.key: m for m in self.measures}
        for k in ("hq", "classifier_fd", "density_js", "diversity"):
            if k in keys:
                return keys[k]
        return self.measures[0]

    # --- when ----------------------------------------------------------------------------------
    def due(self) -> bool:
        tr = self.trainer
        if not self.every:
            return False
        since = tr.steps_done - (self.last_step if self.last_step is not None else 0)
        if since < self.every:
            return False
        # spaced so that a measurement costs at most SHARE of the training time between two
        step_time = tr.elapsed / max(tr.steps_done, 1)
        return self.cost <= SHARE * since * step_time

    # --- measuring -----------------------------------------------------------------------------
    def _real_side(self):
        if self._real is None:
            n = EVAL_SAMPLES if self.kind == "points" else LIVE_PICTURES
            count = self.source.count or n
            x, _ = self.source.preview(min(n, count), seed=REAL_SEED)
            real = {"x": x}
            space = self._classifier() if self.kind == "pictures" else None
            other, _ = self.source.preview(min(n, count), seed=REAL_SEED + 1)
            if self.kind == "points":
                real["spread"] = _spread(x.double())
                self.floors["density_js"] = density_divergence(other, x,
                                                               self.source.bounds).js
            elif space is not None:
                f, _ = space.run(x)
                real["features"] = f
                real["spread"] = _spread(f)
                self.floors["classifier_fd"] = stats.frechet_distance(f, space.run(other)[0])
            else:
                real["spread"] = _spread(_pixels(x))
            self._real = real
            n_fake = n
            gen = torch.Generator().manual_seed(NOISE_SEED)
            self._z = torch.randn(n_fake, self.trainer.spec.latent_dim, generator=gen)
            spec = self.trainer.spec
            self._y = torch.arange(n_fake) % spec.num_classes if spec.conditional else None
        return self._real

    @torch.no_grad()
    def measure(self, busy: Callable[[str], bool] | None = None, *,
                kid: bool = True) -> QualityPoint:
        """Measure now (in the training thread, between steps). ``busy(text)`` is told how far
        a long part is ("Measuring quality (KID): 40%...") and returning False abandons that
        part (the point comes without it); ``kid=False`` leaves the live KID out."""
        t0 = time.perf_counter()
        real = self._real_side()
        fake = self._generate()
        values: dict[str, float] = {}
        kid_s = 0.0
        if self.kind == "points":
            if self.means is not None:
                cov = mode_coverage(fake, self.means, self.source.std)
                values["modes"] = float(cov.modes)
                values["hq"] = 100 * cov.hq_fraction
            values["density_js"] = density_divergence(fake, real["x"], self.source.bounds).js
            values["diversity"] = _ratio(_spread(fake.double()), real["spread"])
        else:
            space = self._classifier()
            if space is None:
                values["diversity"] = _ratio(_spread(_pixels(fake)), real["spread"])
                kid_s = self._measure_kid(fake, values, busy) if kid else 0.0
            else:
                f, pred = space.run(fake)
                values["classifier_fd"] = stats.frechet_distance(real["features"], f)
                k = space.net.num_classes
                values["classes"] = float(stats.class_coverage(pred, k).made)
                if any(m.key == "label_accuracy" for m in self.measures):
                    values["label_accuracy"] = 100 * float((pred == self._y).double().mean())
                values["diversity"] = _ratio(_spread(f), real["spread"])
        took = time.perf_counter() - t0
        self.cost = took - kid_s
        self.last_step = self.trainer.steps_done
        return QualityPoint(self.trainer.steps_done, values, took)

    def _measure_kid(self, fake: torch.Tensor, values: dict,
                     busy: Callable[[str], bool] | None = None) -> float:
        """The live KID when its own budget allows (training/live_kid.py; at the run's last
        step a larger one, FINAL_SHARE); its seconds."""
        from ganstudio.training.live_kid import FINAL_SHARE

        tr = self.trainer
        # the planned last step only: a run resumed past it trains on under the usual share
        last = tr.config.training.steps
        share = FINAL_SHARE if last and tr.steps_done == last else None
        if self.kid is None or not self.kid.due(tr.elapsed, share):
            return 0.0
        t = time.perf_counter()
        go_on = None if busy is None else (
            lambda done: busy(f"Measuring quality (KID): {100 * done:.0f}%..."))
        try:
            value = self.kid.measure(fake, tr.elapsed, go_on, share)
            if value is not None:  # None: abandoned (a Pause or Stop), nothing of it is kept
                values[self.kid.key] = value
        except Exception as e:  # KID must never cost the run its other numbers
            self.kid = None
            self.notes.append(f"Live KID switched off after an error: {e}")
        return time.perf_counter() - t

    def _generate(self) -> torch.Tensor:
        out = []
        batch = 500
        for i in range(0, len(self._z), batch):
            y = None if self._y is None else self._y[i:i + batch]
            out.append(self.trainer.sample(self._z[i:i + batch], y))
        x = torch.cat(out).float()
        return torch.nan_to_num(x, nan=0.0, posinf=1e6, neginf=-1e6)


def _pixels(x: torch.Tensor) -> torch.Tensor:
    x = x.detach().float().cpu()
    if x.shape[-1] != PIXEL_SIDE:
        x = torch.nn.functional.interpolate(x, size=(PIXEL_SIDE, PIXEL_SIDE), mode="area")
    return x.reshape(len(x), -1).double()


def _spread(f: torch.Tensor) -> float:
    """Mean distance between two different samples: near 0 when every sample is the same."""
    f = f.double()
    n = len(f)
    if n < 2:
        return 0.0
    if n > 1000:  # 2-D points: a fixed subset keeps it cheap
        f = f[:1000]
        n = 1000
    d = torch.cdist(f, f)
    return float(d.sum() / (n * (n - 1)))


def _ratio(a: float, b: float) -> float:
    return a / b if b > 0 else math.nan


# --- in words ---------------------------------------------------------------------------------
SHORT = {"modes": "clusters found", "hq": "on target", "classifier_fd": "FD",
         "classes": "classes made", "label_accuracy": "as asked", "density_js": "density JS",
         "inception_kid": "KID (Inception)", "diversity": "variety"}


def _value_text(key: str, v: float) -> str:
    if key in ("hq", "label_accuracy"):
        return f"{v:.0f}%"
    if key == "diversity":
        return f"{100 * v:.0f}% of the real data's"
    if key in ("modes", "classes"):
        return f"{v:.0f}"
    return f"{v:.3g}"


def badge(point: QualityPoint, measures: list[Measure]) -> str:
    """A short line for the status bar: "8 of 8 clusters found · 92% on target"."""
    parts = []
    v = point.values
    totals = {m.key: m.total for m in measures}
    if "modes" in v:
        parts.append(f"{v['modes']:.0f} of {totals.get('modes') or '?'} clusters found")
        if "hq" in v:
            parts.append(f"{v['hq']:.0f}% on target")
    elif "classes" in v:
        parts.append(f"{v['classes']:.0f} of {totals.get('classes') or '?'} classes")
        if "label_accuracy" in v:
            parts.append(f"{v['label_accuracy']:.0f}% drawn as asked")
        if "classifier_fd" in v:
            parts.append(f"FD {v['classifier_fd']:.3g}")
    elif "density_js" in v:
        parts.append(f"density difference {v['density_js']:.3f}")
    if not parts and "diversity" in v:
        parts.append(f"variety {100 * v['diversity']:.0f}% of the real data's")
    if "inception_kid" in v:
        parts.insert(0, f"KID {v['inception_kid']:.3f} (Inception)")
    return " · ".join(parts)


def point_text(point: QualityPoint, measures: list[Measure] = ()) -> str:
    """Every value of a point, for ``ganstudio info`` and logs ("clusters found 8 of 8")."""
    totals = {m.key: m.total for m in measures}

    def one(k: str, v: float) -> str:
        total = f" of {totals[k]}" if totals.get(k) else ""
        return f"{SHORT.get(k, k)} {_value_text(k, v)}{total}"

    order = list(SHORT)  # a checkpoint's columns come back sorted: say them in one order
    keys = sorted(point.values, key=lambda k: order.index(k) if k in order else len(order))
    return ", ".join(one(k, point.values[k]) for k in keys)


# --- kept in checkpoints: columns of numbers, NaN where a point lacks a value ------------------
def quality_arrays(points: list[QualityPoint]) -> dict:
    import numpy as np

    if not points:
        return {}
    keys = list(dict.fromkeys(k for p in points for k in p.values))  # in measuring order
    out = {"step": np.array([p.step for p in points], dtype=np.float64),
           "seconds": np.array([p.seconds for p in points], dtype=np.float64)}
    for k in keys:
        out[k] = np.array([p.values.get(k, math.nan) for p in points], dtype=np.float64)
    return out


def quality_points(arrays: dict) -> list[QualityPoint]:
    import numpy as np

    if not arrays or "step" not in arrays:
        return []
    steps = np.asarray(arrays["step"])
    seconds = np.asarray(arrays.get("seconds", np.zeros(len(steps))))
    keys = [k for k in arrays if k not in ("step", "seconds")]
    out = []
    for i, s in enumerate(steps):
        values = {k: float(arrays[k][i]) for k in keys if math.isfinite(float(arrays[k][i]))}
        out.append(QualityPoint(int(s), values, float(seconds[i])))
    return out

"""Every metric that applies to a generator, each with what it means and the space it is
measured in: what ``ganstudio eval`` prints, and what the window will show.

Takes a generator, its ModelSpec and its data source; knows nothing of checkpoints or training
(the command line loads those).
"""

from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass, field
from typing import Callable

import torch

from ganstudio.errors import UserError
from ganstudio.metrics import classifier as clf
from ganstudio.metrics import stats
from ganstudio.metrics.modes import EVAL_SAMPLES, density_divergence, mode_coverage

PICTURE_SAMPLES = 1000  # default N for pictures
NOISE_SEED = 12345  # the generator's noise: the same samples every evaluation
REAL_SEED = 2024  # which real samples are compared
PLANE = "the plane (2-D points)"

# progress(done, total): Inception's progress, in pictures
Progress = Callable[[int, int], None]
# stage(words): what Inception is doing now ("real pictures: read from the cache")
Stage = Callable[[str], None]


@dataclass
class Metric:
    key: str  # machine name, for JSON and plots
    name: str  # for people
    value: float
    meaning: str  # one line: what it says and which way is good
    space: str  # where it is measured
    floor: float | None = None  # the same measure between two sets of real data of the same N
    fmt: str = "{:.3f}"
    floor_name: str = "real vs real"  # what the floor is, for people

    def text(self) -> str:
        if isinstance(self.value, float) and math.isinf(self.value):
            return "inf"
        return self.fmt.format(self.value)

    def floor_text(self) -> str:
        return "" if self.floor is None else self.fmt.format(self.floor)


@dataclass
class Report:
    title: str  # what was evaluated
    n: int  # generated samples
    n_real: int  # real samples compared with them
    metrics: list[Metric] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)

    def get(self, key: str) -> Metric:
        for m in self.metrics:
            if m.key == key:
                return m
        raise KeyError(key)

    def to_json(self) -> dict:
        """Plain JSON: a value that is not finite (reverse KL with no good sample) is null."""

        def plain(v):
            return None if isinstance(v, float) and not math.isfinite(v) else v

        return {"title": self.title, "n": self.n, "n_real": self.n_real,
                "metrics": [{k: plain(v) for k, v in asdict(m).items() if k != "fmt"}
                            for m in self.metrics],
                "notes": self.notes, "timings": self.timings}

    def lines(self) -> list[str]:
        out = [self.title]
        space = None
        width = max((len(m.name) for m in self.metrics), default=10)
        for m in self.metrics:
            if m.space != space:
                space = m.space
                out += ["", f"In {space}:"]
            value = m.text()
            if m.floor is not None:
                value += f" ({m.floor_name} {m.floor_text()})"
            out.append(f"  {m.name:<{width}}  {value:<30} {m.meaning}")
        if self.notes:
            out.append("")
            out += self.notes
        return out


# --- sampling ----------------------------------------------------------------------------------
@torch.no_grad()
def generate(G, spec, n: int, seed: int = NOISE_SEED,
             batch: int = 500) -> tuple[torch.Tensor, torch.Tensor | None]:
    """``n`` samples from G (and the labels asked for, cycling through every class, when G is
    conditional), from seeded noise."""
    gen = torch.Generator().manual_seed(seed)
    z = torch.randn(n, spec.latent_dim, generator=gen)
    y = torch.arange(n) % spec.num_classes if spec.conditional else None
    out = [G(z[i:i + batch], None if y is None else y[i:i + batch]).float().cpu()
           for i in range(0, n, batch)]
    return torch.cat(out), y


# --- points in the plane -----------------------------------------------------------------------
def evaluate_points(G, spec, source, n: int = EVAL_SAMPLES) -> Report:
    t0 = time.perf_counter()
    fake, _ = generate(G, spec, n)
    report = Report(f"{n:,} generated points against {n:,} real ones", n, n)
    if getattr(source, "means", None) is not None:
        # VEEGAN (Srivastava et al. 2017) and PacGAN (Lin et al. 2018), Table 1 of both
        t1 = time.perf_counter()
        cov = mode_coverage(fake, source.means, source.std)
        report.timings["modes_ms"] = 1000 * (time.perf_counter() - t1)
        report.metrics += [
            Metric("modes", "modes captured", cov.modes, f"clusters (of {cov.total_modes}) with "
                   "at least one good sample; all of them is best", PLANE, fmt="{:d}"),
            Metric("hq", "high quality", 100 * cov.hq_fraction, "% of samples within 3 standard "
                   "deviations of their nearest cluster; higher is better", PLANE, fmt="{:.1f}%"),
            Metric("reverse_kl", "reverse KL", cov.reverse_kl, "KL divergence of the good "
                   "samples' cluster shares from equal shares, nats; 0 is best", PLANE),
        ]
    real = source.preview(n, seed=REAL_SEED)[0]
    other = source.preview(n, seed=REAL_SEED + 1)[0]
    bounds = source.bounds
    t1 = time.perf_counter()
    dd = density_divergence(fake, real, bounds)
    report.timings["density_ms"] = 1000 * (time.perf_counter() - t1)
    floor = density_divergence(other, real, bounds)
    report.metrics += [
        Metric("density_js", "density JS", dd.js, f"Jensen-Shannon divergence of the point "
               f"densities on a {dd.bins} x {dd.bins} grid, nats; 0 = same, 0.693 = apart",
               PLANE, floor=floor.js),
        Metric("off_chart", "off the chart", 100 * dd.outside, "% of samples outside the data's "
               "box; 0 is best", PLANE, floor=100 * floor.outside, fmt="{:.1f}%"),
    ]
    report.timings["total_s"] = time.perf_counter() - t0
    return report


# --- pictures ----------------------------------------------------------------------------------
def _real_pair(source, n: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor | None]:
    """Two disjoint sets of real pictures of up to ``n`` each (the second for the floor) and the
    labels of the first."""
    count = source.count or 2 * n
    m = min(n, count // 2)
    x, y = source.preview(2 * m, seed=REAL_SEED)
    return x[:m], x[m:2 * m], (None if y is None else y[:m])


def _distances(space: str, key: str, real, other, fake, kid_subset: int) -> list[Metric]:
    fd, fd_floor = stats.frechet_distance(real, fake), stats.frechet_distance(real, other)
    kid = stats.kernel_distance(real, fake, subset_size=kid_subset)
    kid_floor = stats.kernel_distance(real, other, subset_size=kid_subset)
    name = "FID" if key == "inception" else "FD"
    return [
        Metric(f"{key}_fd", name, fd, "Fréchet distance between Gaussians fitted to real and "
               "generated features; lower is better, compare only at the same N", space,
               floor=fd_floor, fmt="{:.2f}"),
        Metric(f"{key}_kid", "KID x 1000", 1000 * kid.mean, f"kernel distance (unbiased MMD^2, "
               f"{kid.subsets} subset{'s' if kid.subsets != 1 else ''} of {kid.subset_size}); "
               "about 0 for the same distribution (noise can take it below), larger is worse",
               space, floor=1000 * kid_floor.mean, fmt="{:.2f}"),
    ]


def _class_metrics(space, pred, asked, spec, pred_real, real_labels) -> list[Metric]:
    name, k = space.space, space.net.num_classes
    cov = stats.class_coverage(pred, k)
    out = [
        Metric("classes", "classes made", cov.made, f"classes (of {k}) the generator makes, "
               f"each at least {100 * stats.MADE_SHARE:.0f}% of an equal share; all is best",
               name, fmt="{:d}"),
        Metric("class_evenness", "class evenness", cov.evenness, "entropy of the class "
               "shares over its maximum; 1 = every class equally often", name,
               floor=stats.class_coverage(pred_real, k).evenness, fmt="{:.3f}",
               floor_name="real pictures"),
    ]
    if asked is not None and spec.num_classes == k:
        acc = float((pred == asked).double().mean())
        real_acc = (float((pred_real == real_labels).double().mean())
                    if real_labels is not None else None)
        out.append(Metric(
            "label_accuracy", "asked-for class", 100 * acc, "% of samples the classifier "
            "sees as the label they were asked for (on real pictures: its accuracy)", name,
            floor=None if real_acc is None else 100 * real_acc, fmt="{:.1f}%",
            floor_name="real pictures"))
    return out


PRDC_MEANINGS = [
    ("precision", "share of generated pictures that look like real ones (inside the real "
     "pictures' k-NN balls, k = 5); higher is better"),
    ("recall", "share of real pictures the generator also makes (inside the generated "
     "pictures' k-NN balls); higher is better"),
    ("density", "like precision, counting how many real balls hold each generated picture; "
     "about 1 for a faithful generator"),
    ("coverage", "share of real pictures with a generated one inside their k-NN ball; higher "
     "is better"),
]


class PictureReference:
    """The real side of a picture evaluation, computed once and reused: two disjoint sets of
    ``n`` real pictures (the second gives the real-vs-real floor), their features in each space
    and the floors. For live evaluation: build it once per run, call ``evaluate`` every few
    hundred steps; only the generated side is computed again."""

    def __init__(self, source, n: int = PICTURE_SAMPLES, *, bf16: bool = False):
        self.source = source
        self.bf16 = bf16  # Inception in bfloat16: only where the chip has it (inception.py)
        self.real, self.other, self.real_labels = _real_pair(source, n)
        self.n = n
        if min(n, len(self.real)) <= 5:  # precision/recall's k = 5 neighbours need 6 a side
            raise UserError(f"{source.describe()}: too few pictures to compare (at least 6 "
                            "generated and 12 real ones are needed)")
        self.kid_subset = min(1000, n, len(self.real))
        self.space = clf.load_classifier(source.id) if clf.has_classifier(source.id) else None
        self._classifier = None  # (real features, real predictions, other features)
        self._inception = None  # (network, real features, other features)

    def _classifier_side(self):
        if self._classifier is None:
            f_real, pred_real = self.space.run(self.real)
            f_other, _ = self.space.run(self.other)
            self._classifier = (f_real, pred_real, f_other)
        return self._classifier

    def _inception_side(self, tick, stage: Stage, timings: dict):
        """The network and the real sides' features: from the cache of earlier evaluations of
        the same pictures (metrics/feature_cache.py), else computed and kept there."""
        if self._inception is None:
            from ganstudio.metrics.feature_cache import cached_features, has_features
            from ganstudio.metrics.inception import InceptionFeatures

            t0 = time.perf_counter()
            net = InceptionFeatures(bf16=self.bf16)
            sides, all_cached = [], True
            for i, pictures in enumerate((self.real, self.other)):
                what = "real pictures" if i == 0 else "other real pictures (the floor)"
                cached = has_features(pictures, net.key)
                stage(f"{what}: {'read from the cache' if cached else 'computed, then cached'}")
                f, cached = cached_features(pictures, net.key,
                                            lambda p=pictures: net(p, progress=tick))
                if cached:
                    tick(len(pictures))
                all_cached &= cached
                sides.append(f)
            self._inception = (net, *sides)
            timings["inception_real_s"] = time.perf_counter() - t0
            timings["inception_real_cached"] = float(all_cached)
        return self._inception

    def evaluate(self, G, spec, *, inception: bool = False, progress: Progress | None = None,
                 stage: Stage | None = None) -> Report:
        """Every metric for ``G`` (N generated pictures against the N real ones). Raises
        InceptionUnavailable when Inception is asked for but not installed. ``stage`` is told
        in words what Inception is doing (real side cached or computed, generated side)."""
        t0 = time.perf_counter()
        n = self.n
        fake, asked = generate(G, spec, n)
        generate_s = time.perf_counter() - t0
        report = Report(f"{n:,} generated pictures against {len(self.real):,} real ones", n,
                        len(self.real))
        if self.space is not None:
            t1 = time.perf_counter()
            f_fake, pred = self.space.run(fake)
            report.timings["classifier_features_ms_per_1000"] = (
                1000 * (time.perf_counter() - t1) * 1000 / max(n, 1))
            f_real, pred_real, f_other = self._classifier_side()
            report.metrics += _distances(self.space.space, "classifier", f_real, f_other,
                                         f_fake, self.kid_subset)
            report.metrics += _class_metrics(self.space, pred, asked, spec, pred_real,
                                             self.real_labels)
            report.timings["classifier_s"] = time.perf_counter() - t1
        else:
            report.notes.append(
                f"GAN Studio has no classifier for this data set ({self.source.id}): its own "
                f"feature space exists for {', '.join(clf.DATASETS)}."
                + ("" if inception else " FID (Inception) works for any pictures, when asked "
                   "for."))
        if inception:
            total = len(fake) + (0 if self._inception else len(self.real) + len(self.other))
            done = [0]

            def tick(k: int) -> None:
                done[0] += k
                if progress:
                    progress(done[0], total)

            t1 = time.perf_counter()
            say = stage or (lambda words: None)
            net, i_real, i_other = self._inception_side(tick, say, report.timings)
            say("generated pictures")
            t2 = time.perf_counter()
            i_fake = net(fake, progress=tick)
            report.timings["inception_generated_s"] = time.perf_counter() - t2
            if n < 10_000:
                # FID's bias falls like 1/N (Chong & Forsyth 2020); papers quote it at 50,000
                report.notes.append(f"FID at N = {n:,} is well above its value at the usual "
                                    "50,000 samples: compare it with its real-vs-real floor "
                                    "and with FIDs at the same N, not with published ones.")
            report.timings["inception_s_per_image"] = net.seconds_per_image
            report.timings["inception_bf16"] = float(net.bf16)
            report.timings["inception_s"] = time.perf_counter() - t1
            report.metrics += _distances(net.space, "inception", i_real, i_other, i_fake,
                                         self.kid_subset)
            pr, pr_floor = stats.prdc(i_real, i_fake), stats.prdc(i_real, i_other)
            for key, meaning in PRDC_MEANINGS:
                report.metrics.append(Metric(f"inception_{key}", key, getattr(pr, key),
                                             meaning, net.space, floor=getattr(pr_floor, key)))
        report.timings["generate_s"] = generate_s
        report.timings["total_s"] = time.perf_counter() - t0
        return report


def evaluate_pictures(G, spec, source, n: int = PICTURE_SAMPLES, *, inception: bool = False,
                      progress: Progress | None = None, stage: Stage | None = None,
                      bf16: bool = False) -> Report:
    """Classifier space (when GAN Studio has a classifier for the data set) and, if asked,
    Inception space: ``PictureReference(source, n).evaluate(...)`` for a single evaluation."""
    return PictureReference(source, n, bf16=bf16).evaluate(G, spec, inception=inception,
                                                           progress=progress, stage=stage)

"""Health alarms: what can go wrong with a GAN, said in plain words with what to try.

Fed the per-step records (losses, D's verdicts, gradient sizes) and the live quality points
(training/quality.py), a ``HealthMonitor`` raises four alarms:

- ``collapse``: the generator makes too few kinds of samples (clusters lost or never found,
  classes missing, samples far less varied than the real data);
- ``d_winning``: the discriminator tells real from generated almost perfectly for a long
  stretch (D(x) near 1, D(G(z)) near 0), so the generator gets little to learn from;
- ``unstable``: the losses swing far wider than they did earlier in the run (oscillation or
  blow-up; NaN is handled by the trainer, which pauses on it);
- ``flat``: the headline quality number has not improved for a long stretch (a notice, not a
  failure: it may be as good as it gets; ``training.stop_when_flat`` ends the run there).

Every threshold asks for the condition to last (several measurements or hundreds of steps) and
waits out the start of a run, where a GAN legitimately looks bad: a false alarm costs a user's
trust more than a late one. They were checked on runs made to fail each way and on every preset
as shipped (tests/core/test_health.py, benchmarks/README.md).
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import asdict, dataclass

import numpy as np

WINDOW = 200  # steps of D's verdicts and losses looked at together
WARMUP_STEPS = 1000  # no quality alarm before this step (nor before WARMUP_SHARE of the budget)
WARMUP_SHARE = 0.15
COLLAPSE_MEASUREMENTS = 3  # a quality alarm needs this many measurements in a row
DIVERSITY_FLOOR = 0.35  # samples this much less varied than the real data: collapsed
D_WIN_WINDOWS = 2  # consecutive windows of D winning before the alarm
UNSTABLE_FACTOR = 8.0  # loss swing this many times wider than the reference stretch
UNSTABLE_MIN_SWING = 0.5
BLOWN_MIN_SHIFT = 5.0  # a loss's median this far from its reference (nats, for BCE): blown up
FLAT_MEASUREMENTS = 8  # no better value in this many measurements...
FLAT_SHARE = 0.4  # ...spanning at least this share of the steps done
FLAT_TOLERANCE = 0.02  # "better" means better by 2% of the value (1 point for percentages)
FLOOR_MARGIN = 1.25  # a distance within 25% of the real-vs-real floor is as good as it shows
FLAT_SMOOTH = 3  # judged on the median of this many measurements in a row
# the measures that show progress: "no longer improving" needs every one of them flat (counts
# stop at their total, and variety only says "not collapsed", so neither is progress)
FLAT_EVIDENCE = ("hq", "classifier_fd", "label_accuracy", "density_js")

# D's verdicts that mean "it wins": probability losses, then least squares' 1/0 targets
D_WIN = {"probability": (0.95, 0.05), "targets": (0.9, 0.1)}


@dataclass(frozen=True)
class Alarm:
    kind: str  # collapse, d_winning, unstable, flat
    step: int  # where it was first seen
    title: str  # a few words, for the banner
    message: str  # what is happening, measured
    advice: str  # what to try
    severity: str = "warning"  # or "notice" (flat)

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, d: dict) -> "Alarm":
        return cls(**{k: d[k] for k in cls.__dataclass_fields__ if k in d})

    def text(self) -> str:
        return f"{self.title} (step {self.step:,}): {self.message} {self.advice}"


class HealthMonitor:
    """Watches one run. ``observe(records)`` and ``observe_quality(point)`` return the alarms
    that start now; ``active`` holds those still true, ``raised`` every alarm of the run."""

    def __init__(self, *, loss_scale: str | None, measures, budget: int = 0,
                 total_modes: int | None = None, total_classes: int | None = None,
                 floors: dict | None = None):
        self.loss_scale = loss_scale  # "probability", "targets" or None (no D-winning alarm)
        self.measures = {m.key: m for m in measures}
        self.budget = budget
        self.total_modes = total_modes
        self.total_classes = total_classes
        # real data against other real data, per measure (LiveQuality.floors, filled as it
        # measures): a distance this close to it cannot be seen to improve
        self.floors = floors if floors is not None else {}
        self.step = 0
        self._d_real: deque = deque(maxlen=WINDOW)
        self._d_fake: deque = deque(maxlen=WINDOW)
        self._d_loss: deque = deque(maxlen=WINDOW)
        self._g_loss: deque = deque(maxlen=WINDOW)
        self._g_grad: deque = deque(maxlen=WINDOW)
        self._since_window = 0
        self._d_win_windows = 0
        self._unstable_windows = 0
        self._reference: tuple | None = None  # (swing, step, levels) of an early stretch
        self._early_g_grad: float | None = None
        self.quality: list = []  # QualityPoints
        self.active: dict[str, Alarm] = {}
        self.raised: list[Alarm] = []

    # --- feeding -------------------------------------------------------------------------------
    def observe(self, records: list[dict]) -> list[Alarm]:
        new: list[Alarm] = []
        for r in records:
            self.step = int(r.get("step", self.step + 1))
            self._d_real.append(r.get("d_real", math.nan))
            self._d_fake.append(r.get("d_fake", math.nan))
            self._d_loss.append(r.get("d_loss", math.nan))
            self._g_loss.append(r.get("g_loss", math.nan))
            self._g_grad.append(r.get("g_grad_norm", math.nan))
            self._since_window += 1
            if self._since_window >= WINDOW and len(self._d_real) == WINDOW:
                self._since_window = 0
                new += self._check_window()
        return new

    def observe_quality(self, point) -> list[Alarm]:
        self.quality.append(point)
        self.step = max(self.step, point.step)
        new = []
        new += self._check_collapse()
        new += self._check_flat()
        return new

    # --- raising and clearing ------------------------------------------------------------------
    def _raise(self, alarm: Alarm) -> list[Alarm]:
        if alarm.kind in self.active:
            return []
        self.active[alarm.kind] = alarm
        self.raised.append(alarm)
        return [alarm]

    def _clear(self, kind: str) -> None:
        self.active.pop(kind, None)

    def _warm(self, step: int) -> bool:
        return step >= max(WARMUP_STEPS, WARMUP_SHARE * self.budget)

    # --- the losses and D's verdicts -----------------------------------------------------------
    def _check_window(self) -> list[Alarm]:
        out: list[Alarm] = []
        d_real, d_fake = np.array(self._d_real), np.array(self._d_fake)
        grads = np.array(self._g_grad, dtype=float)
        g_grad = float(np.median(grads[np.isfinite(grads)])) if np.isfinite(grads).any() \
            else math.nan
        if self._early_g_grad is None and self.step >= 2 * WINDOW:
            self._early_g_grad = g_grad
        if self.loss_scale in D_WIN and self.step >= 2 * WINDOW:
            hi, lo = D_WIN[self.loss_scale]
            winning = bool(_median(d_real) > hi and _median(d_fake) < lo)
            self._d_win_windows = self._d_win_windows + 1 if winning else 0
            if self._d_win_windows >= D_WIN_WINDOWS:
                grad = ""
                if self._early_g_grad and math.isfinite(g_grad) and self._early_g_grad > 0:
                    grad = (f" The generator's gradients are {g_grad / self._early_g_grad:.0%} "
                            "of their size early in the run.")
                out += self._raise(Alarm(
                    "d_winning", self.step - (D_WIN_WINDOWS * WINDOW) + 1,
                    "The discriminator is winning",
                    f"For {self._d_win_windows * WINDOW:,} steps it has rated real samples "
                    f"{_median(d_real):.2f} and generated ones {_median(d_fake):.2f} "
                    f"(1 = real, 0 = generated), so the generator learns little.{grad}",
                    "Try a lower discriminator learning rate, one discriminator step per "
                    "generator step, label smoothing, instance noise or an R1 penalty."))
            elif not winning:
                self._clear("d_winning")
        swing = _swing(self._d_loss) + _swing(self._g_loss)
        level = (_median(np.array(self._d_loss, dtype=float)),
                 _median(np.array(self._g_loss, dtype=float)))
        if self._reference is None:
            if self.step >= 3 * WINDOW and math.isfinite(swing):
                # the reference stretch: once the first steps' fast changes are over
                self._reference = (swing, self.step, level)
        elif math.isfinite(swing):
            ref_swing, ref_step, ref_level = self._reference
            ref = max(ref_swing, UNSTABLE_MIN_SWING)
            shift = max(abs(level[0] - ref_level[0]), abs(level[1] - ref_level[1]))
            wild = swing > UNSTABLE_FACTOR * ref
            blown = shift > max(UNSTABLE_FACTOR * ref, BLOWN_MIN_SHIFT)
            self._unstable_windows = self._unstable_windows + 1 if (wild or blown) else 0
            if self._unstable_windows >= 2:
                what = (f"The losses now swing {swing / ref:.0f} times wider than around step "
                        f"{ref_step:,}: the two networks are oscillating." if wild else
                        f"The losses have moved far from where they were around step "
                        f"{ref_step:,} (D {ref_level[0]:.2f} -> {level[0]:.2f}, G "
                        f"{ref_level[1]:.2f} -> {level[1]:.2f}): training is blowing up.")
                out += self._raise(Alarm(
                    "unstable", self.step - 2 * WINDOW + 1, "Training is unstable", what,
                    "Try lower learning rates (or a lower generator rate than the "
                    "discriminator's), spectral normalisation, a gradient penalty or R1."))
            elif not (wild or blown):
                self._clear("unstable")
        return out

    # --- quality -------------------------------------------------------------------------------
    def _last(self, key: str, n: int) -> list[float] | None:
        values = [p.values.get(key, math.nan) for p in self.quality[-n:]]
        if len(values) < n or not all(math.isfinite(v) for v in values):
            return None
        return values

    def _check_collapse(self) -> list[Alarm]:
        point = self.quality[-1]
        if not self._warm(point.step):
            return []
        n = COLLAPSE_MEASUREMENTS
        first = self.quality[-n].step if len(self.quality) >= n else point.step
        reasons = []
        modes = self._last("modes", n)
        if modes is not None and self.total_modes:
            best = max(p.values.get("modes", 0) for p in self.quality)
            if max(modes) <= self.total_modes // 2:
                reasons.append(f"only {int(modes[-1])} of the {self.total_modes} clusters "
                               f"{'has' if int(modes[-1]) == 1 else 'have'} samples")
            elif best - max(modes) >= max(2, self.total_modes // 4):
                reasons.append(f"it has lost clusters: {int(modes[-1])} of "
                               f"{self.total_modes} now, {int(best)} at best")
        classes = self._last("classes", n)
        if classes is not None and self.total_classes:
            if max(classes) <= self.total_classes // 2:
                reasons.append(f"only {int(classes[-1])} of the {self.total_classes} classes "
                               "appear among its samples")
        div = self._last("diversity", n)
        if div is not None and max(div) < DIVERSITY_FLOOR:
            space = self.measures["diversity"].space if "diversity" in self.measures else ""
            reasons.append(f"its samples vary {div[-1]:.0%} as much as the real data's "
                           f"(measured in {space})")
        if not reasons:
            self._clear("collapse")
            return []
        return self._raise(Alarm(
            "collapse", first, "Mode collapse",
            "The generator makes too few kinds of samples: " + "; ".join(reasons) + ".",
            "Try a lower learning rate, a larger batch, more latent dimensions, EMA, R1 or a "
            "gradient penalty, or DiffAugment for a small data set."))

    def _check_flat(self) -> list[Alarm]:
        # judged on a measure of progress only: a folder of pictures without a classifier has
        # variety alone between two (rare) KIDs, and variety is highest in the first noisy
        # samples, so "not improved since step 750" on it was a false alarm
        key = _headline(self.measures)
        if key is None or len(self.quality) < FLAT_MEASUREMENTS + FLAT_SMOOTH:
            return []
        steps = [p.step for p in self.quality]
        headline = self._flat_since(key)
        if headline is None:
            return []
        best_i, since = headline
        if self._at_floor(key):
            self._clear("flat")
            return []
        # the headline alone is not enough: a noisy FD can hover while the pictures still get
        # better in another way (the shapes preset: FD flat from step 2,000, the asked-for
        # shape drawn 69% -> 83% of the time by step 5,000)
        others = [k for k in FLAT_EVIDENCE if k in self.measures and k != key]
        still = [k for k in others if (self._flat_since(k) or (0, 0))[1] < FLAT_MEASUREMENTS]
        span = steps[-1] - steps[best_i]
        if since >= FLAT_MEASUREMENTS and not still and span >= FLAT_SHARE * steps[-1] and \
                self._warm(steps[-1]):
            m = self.measures[key]
            values = [p.values.get(key, math.nan) for p in self.quality]
            return self._raise(Alarm(
                "flat", steps[best_i], "No longer improving",
                f"{m.title[0].upper()}{m.title[1:]} has not improved since step "
                f"{steps[best_i]:,} ({_fmt(values[best_i])}; now {_fmt(values[-1])}), over "
                f"{since} measurements" + (", nor has any other measure." if others else "."),
                "It may be as good as this setup gets: stop here, or try a lower learning "
                "rate, a bigger model or a different loss.", severity="notice"))
        if since < FLAT_MEASUREMENTS or still:
            self._clear("flat")
        return []

    def _at_floor(self, key: str) -> bool:
        """Whether ``key``'s recent values are as close to the real data as real data is to
        itself (the digits preset's FD from step ~2,000): "no longer improving" would tell a
        user to stop while only the measure has run out of resolution."""
        floor = self.floors.get(key)
        if floor is None or self.measures[key].better != "lower" or not math.isfinite(floor):
            return False
        recent = [p.values.get(key, math.nan) for p in self.quality[-FLAT_SMOOTH:]]
        return float(np.median(recent)) <= FLOOR_MARGIN * max(floor, 0.0)

    def _flat_since(self, key: str) -> tuple[int, int] | None:
        """(index of the best measurement, measurements since it) for ``key``, judged on the
        median of each FLAT_SMOOTH measurements in a row, so that one lucky value does not
        stand as the best for the rest of the run; None while the values are not all there."""
        m = self.measures[key]
        values = [p.values.get(key, math.nan) for p in self.quality]
        if not all(math.isfinite(v) for v in values[-FLAT_MEASUREMENTS - FLAT_SMOOTH:]):
            return None
        sign = 1.0 if m.better == "higher" else -1.0
        smooth = [float(np.median(values[i - FLAT_SMOOTH + 1:i + 1]))
                  for i in range(FLAT_SMOOTH - 1, len(values))]
        best_i = 0
        for i, v in enumerate(smooth):
            if math.isfinite(v) and (not math.isfinite(smooth[best_i]) or
                                     sign * (v - smooth[best_i]) >
                                     _tolerance(key, smooth[best_i])):
                best_i = i
        # the best stretch's middle measurement is where the best was reached
        at = best_i + FLAT_SMOOTH // 2
        return at, len(values) - 1 - at

    # --- state (kept in checkpoints) -----------------------------------------------------------
    def state(self) -> list[dict]:
        return [a.to_json() for a in self.raised]


def _headline(measures: dict) -> str | None:
    for k in ("hq", "classifier_fd", "density_js"):  # never variety: it is not progress
        if k in measures:
            return k
    return None


def _tolerance(key: str, best: float) -> float:
    if key in ("hq", "label_accuracy"):  # percentages: one point
        return 1.0
    return FLAT_TOLERANCE * abs(best)


def _swing(values) -> float:
    """The spread of a window of losses: its 5th to 95th percentile."""
    a = np.array(values, dtype=float)
    a = a[np.isfinite(a)]
    if len(a) < 10:
        return math.nan
    lo, hi = np.percentile(a, [5, 95])
    return float(hi - lo)


def _median(a: np.ndarray) -> float:
    a = a[np.isfinite(a)]
    return float(np.median(a)) if len(a) else math.nan


def _fmt(v: float) -> str:
    return f"{v:.3g}"


def monitor_for(trainer, measures, floors: dict | None = None) -> HealthMonitor:
    """A monitor set up for this trainer's loss, data and budget."""
    from ganstudio import objectives

    scale = objectives.loss(trainer.config.loss.name).scale
    loss_scale = {objectives.PROBABILITY: "probability",
                  objectives.TARGETS: "targets"}.get(scale)
    totals = {m.key: m.total for m in measures}
    return HealthMonitor(loss_scale=loss_scale, measures=measures,
                         budget=trainer.config.training.steps,
                         total_modes=totals.get("modes"), total_classes=totals.get("classes"),
                         floors=floors)

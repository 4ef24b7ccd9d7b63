"""Settings fitted to a folder of one's own pictures: how many there are and how big.

The 'My pictures' preset (resources/presets/my-pictures.toml) sets ``training.adapt_to_data``;
when such a run starts, the trainer has read the pictures and calls ``fit`` with their number
and size, which sets the fields below in the run's config (its saved settings then say what was
chosen, and ``ganstudio info`` shows them); ``describe`` says them in one line when the run
starts, and the window's panels show them. Plain data: no torch.

What it chooses, and why (benchmarks/README.md, "A modern recipe", has the measurements):

- **augmentation**: adaptive (ADA, training/ada.py) always: it stays near zero on a large set
  and rises as the discriminator starts to memorise a small one; a small folder gets all three
  kinds of alteration, a large one shifts only;
- **the R1 penalty** (and R2 with the relativistic loss): stronger for a small folder, whose
  discriminator overfits sooner (Karras et al. 2020 raise gamma for small sets too), and
  growing with the square of the picture size, as StyleGAN2's rule of thumb has it;
- **width** by the picture size: width x size stays constant, so every size costs about the
  same per picture and a 128 px run is not 16 times slower than a 32 px one;
- **batch and steps** by the picture size, for at most about ten minutes on two processor cores
  (3 to 5 minutes for 500 pictures at 64 px, benchmarks/README.md);
- **labels**: used when the folder has one subfolder per kind.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

SMALL = 2_000  # fewer pictures than this: a small folder
LARGE = 20_000  # at least this many: a large one
BASE_SIZE = 32  # the size the widths and penalties below are given for
WIDTH_AT_32 = 32  # channels at half of a 32 px picture (models/spec.channels_at)
R1_AT_32 = 0.1  # the slope penalty for a medium folder of 32 px pictures
# (batch, steps) by picture size: about ten minutes on two processor cores (the fashion-mnist
# preset's 3,000 steps of 64 pictures at 32 px; with width x size constant, a step of 32 pictures
# at 64 px costs about the same, and of 16 at 128 px a little less)
STEPS = {32: (64, 3000), 64: (32, 3000), 128: (16, 3000)}


@dataclass(frozen=True)
class Fitted:
    field: str  # dotted config name
    value: Any
    why: str  # in words, for the run's log


def recipe(count: int, image_size: int, *, labelled: bool = False,
           relativistic: bool = True) -> list[Fitted]:
    """The settings for ``count`` pictures of ``image_size`` px."""
    if count < SMALL:
        tier, kinds, r1_gain = "small", ["color", "translation", "cutout"], 4.0
    elif count < LARGE:
        tier, kinds, r1_gain = "medium", ["color", "translation"], 1.0
    else:
        tier, kinds, r1_gain = "large", ["translation"], 1.0
    scale = image_size / BASE_SIZE
    r1 = round(R1_AT_32 * r1_gain * scale ** 2, 4)
    width = max(8, int(round(WIDTH_AT_32 / scale)))
    batch, steps = STEPS.get(image_size, STEPS[min(STEPS, key=lambda s: abs(s - image_size))])
    batch = max(8, min(batch, count // 4 or 1))
    many = f"{count:,} pictures ({tier})"
    out = [
        Fitted("loss.augment", "adaptive", f"{many}: augmentation adapts to overfitting"),
        Fitted("loss.diffaugment", kinds, f"{many}: alterations {', '.join(kinds)}"),
        Fitted("loss.r1_weight", r1, f"{many} at {image_size} px: R1 {r1:g}"),
        Fitted("model.g_width", width, f"{image_size} px: width {width}"),
        Fitted("model.d_width", width, f"{image_size} px: width {width}"),
        Fitted("training.batch_size", batch, f"{image_size} px, {count:,} pictures: batch "
               f"{batch}"),
        Fitted("training.steps", steps, f"{image_size} px: {steps:,} steps"),
        Fitted("model.conditional", labelled, "one subfolder per kind: labels used" if labelled
               else "no subfolders of kinds: no labels"),
    ]
    if relativistic:
        out.append(Fitted("loss.r2_weight", r1, f"{many} at {image_size} px: R2 {r1:g}"))
    return out


def fit(config, count: int, image_size: int, labelled: bool) -> list[Fitted]:
    """Set the fitted settings in ``config`` (an ExperimentConfig); returns them."""
    chosen = recipe(count, image_size, labelled=labelled,
                    relativistic=config.loss.name == "rpgan")
    for f in chosen:
        config.set(f.field, f.value)
    return chosen


_ALTERATIONS = {"color": "colour", "translation": "shift", "cutout": "cut-out"}


def describe(fitted: list[Fitted], count: int, image_size: int) -> str:
    """The fitted settings in one line, for the run's log and the window's status bar."""
    v = {f.field: f.value for f in fitted}
    kinds = [_ALTERATIONS.get(k, k) for k in v.get("loss.diffaugment", [])]
    alter = (", ".join(kinds[:-1]) + " and " + kinds[-1]) if len(kinds) > 1 else "".join(kinds)
    parts = [f"adaptive augmentation ({alter})" if alter else "adaptive augmentation"]
    r1 = v.get("loss.r1_weight")
    if r1 is not None:
        parts.append(f"R1 and R2 {r1:g}" if "loss.r2_weight" in v else f"R1 {r1:g}")
    parts += [f"width {v['model.g_width']}", f"batch {v['training.batch_size']}",
              f"{v['training.steps']:,} steps",
              "labels from its subfolders" if v.get("model.conditional") else "no labels"]
    return (f"Fitted to {count:,} pictures at {image_size} px (Adapt to the pictures): "
            + ", ".join(parts) + ".")

"""``ganstudio directions`` and ``ganstudio teach``: directions through the noise from the
command line (explore/directions.py), saved beside the checkpoint (explore/direction_files.py).

Samples are named by seeds as everywhere else (the explorer's seeds, ``ganstudio breed``):
seed S is the noise ``Exploration.z_for_seed(S)``; ``ganstudio teach CKPT --grid OUT.png``
draws the samples of a range of seeds, each with its seed written on it, to choose the tags
from. A tag may also be a ``.npy`` file of noise (one row per sample, or one vector), as
written by ``ganstudio project --save-noise`` or the explorer's Save tab.
"""

from __future__ import annotations

import re
from pathlib import Path

from ganstudio.errors import UserError
from ganstudio.explore.noise_files import read_noise_rows

GRID_SEEDS = "0-47"
GRID_COLS = 8


def add_parsers(sub) -> None:
    d = sub.add_parser("directions", help="list a checkpoint's directions (saved and found)",
                       description="List the directions saved with a checkpoint (taught ones) "
                       "and the leading directions found in its generator's first layer by "
                       "closed-form factorisation (SeFa), each with its share of the change; "
                       "--strip draws what each does.")
    d.add_argument("checkpoint", metavar="CKPT")
    d.add_argument("--top", type=int, default=10, metavar="K",
                   help="how many found directions to list (default 10)")
    d.add_argument("--strip", metavar="OUT.png", help="also write a picture: one row per "
                   "direction, the sample of --seed with that direction's slider at -3 .. 3")
    d.add_argument("--seed", default="0", metavar="SEED_OR_NPY", help="the sample the strips "
                   "start from: a seed (default 0, where the explorer starts) or a .npy noise "
                   "file, e.g. a picture found by ganstudio project --save-noise")
    d.add_argument("--label", help="the label to draw, by number or name (models that use "
                   "labels; default 0)")
    d.add_argument("--remove", metavar="NAME", help="delete a saved direction")
    d.set_defaults(func=cmd_directions)

    t = sub.add_parser("teach", help="teach a direction from tagged samples",
                       description="Teach a named direction from samples that have a quality "
                       "and samples that lack it (a linear boundary on their noise, as in "
                       "InterFaceGAN), and save it beside the checkpoint. Samples are seeds "
                       "(see --grid) or .npy noise files. First draw samples to choose from: "
                       "ganstudio teach CKPT --grid samples.png")
    t.add_argument("checkpoint", metavar="CKPT")
    t.add_argument("name", nargs="?", metavar="NAME", help="the direction's name, e.g. "
                   "\"long sleeves\"")
    t.add_argument("--has", nargs="+", default=[], metavar="SEED",
                   help="samples that have it: seeds, ranges (3-7) or .npy noise files")
    t.add_argument("--lacks", nargs="+", default=[], metavar="SEED",
                   help="samples that lack it: seeds, ranges or .npy noise files")
    t.add_argument("--hold", metavar="OTHER", help="a direction to hold fixed (a saved one's "
                   "name, or SeFa N): moving along the new one leaves it unchanged")
    t.add_argument("--grid", metavar="OUT.png", help="instead of teaching, draw the samples of "
                   "--seeds with their seed written on each, to choose tags from")
    t.add_argument("--seeds", default=GRID_SEEDS, metavar="A-B",
                   help=f"the seeds --grid draws (default {GRID_SEEDS})")
    t.add_argument("--label", help="the label to draw and teach with, by number or name "
                   "(models that use labels; default 0)")
    t.set_defaults(func=cmd_teach)


# --- reading the command line -------------------------------------------------------------
def parse_seeds(items: list[str], latent_dim: int, noise_for_seed) -> "torch.Tensor":  # noqa: F821
    """Noise rows for seeds ("3", "10-19", "3,4,5") and .npy files, in the order given."""
    import numpy as np
    import torch

    rows = []
    for item in items:
        for part in (p for p in str(item).split(",") if p.strip()):
            part = part.strip()
            if part.lower().endswith(".npy"):
                rows.append(read_noise_rows(part, latent_dim))
                continue
            m = re.fullmatch(r"(\d+)(?:-(\d+))?", part)
            if not m:
                raise UserError(f"'{part}' is neither a seed (a whole number), a range of "
                                "seeds (3-7) nor a .npy noise file")
            a, b = int(m.group(1)), int(m.group(2) or m.group(1))
            if b < a or b - a > 10_000:
                raise UserError(f"'{part}': a range goes from a smaller seed to a larger one, "
                                "at most 10,000 apart")
            rows.append(torch.stack([noise_for_seed(s) for s in range(a, b + 1)]))
    if not rows:
        return torch.zeros(0, latent_dim)
    return torch.cat([torch.as_tensor(r, dtype=torch.float32) for r in rows])


def _explore(args):
    from ganstudio.explore.exploration import Exploration

    ex = Exploration.from_checkpoint(args.checkpoint)
    if args.label is not None:
        from ganstudio.explore.label_words import label_from_text

        ex.label = label_from_text(args.label, ex.spec)
    return ex


def _strict_saved(ex):
    """The saved directions, read strictly: a damaged file is said, not skipped."""
    from ganstudio.explore import direction_files

    path = direction_files.saved_path(ex.checkpoint_path)
    return path, ([] if path is None else direction_files.read(path, ex.spec.latent_dim))


# --- ganstudio directions -----------------------------------------------------------------
def cmd_directions(args) -> int:
    from ganstudio.explore import direction_files, directions

    if args.top < 0:
        raise UserError("--top must be 0 or more")
    ex = _explore(args)
    if args.remove:
        path = direction_files.remove(ex.checkpoint_path, args.remove, ex.spec.latent_dim)
        print(f"Removed '{args.remove}' from {path}")
        return 0
    path, saved = _strict_saved(ex)
    if saved:
        print(f"Saved directions ({path}):")
        width = max(len(d.name) for d in saved)
        for d in saved:
            print(f"  {d.name:<{width}}  {d.describe()}")
    else:
        print("Saved directions: none (teach one: ganstudio teach CKPT NAME --has ... "
              "--lacks ...)")
    found = directions.found(ex, "sefa", min(args.top, ex.spec.latent_dim)) if args.top else []
    if found:
        print("Found in the generator's first layer (SeFa), largest effect first:")
        for d in found:
            print(f"  {d.name:<8} {d.share * 100:5.1f}% of the change")
    if args.strip:
        shown = saved + found
        if not shown:
            raise UserError("no directions to draw (--top 0 and none saved)")
        z = parse_seeds([args.seed], ex.spec.latent_dim, ex.z_for_seed)
        if len(z) != 1:
            raise UserError(f"--seed names {len(z)} samples; the strips start from one")
        start = f"seed {args.seed}" if args.seed.isdigit() else Path(args.seed).name
        pictures = directions.strips(ex, shown, z=z[0])
        out = save_rows(Path(args.strip), [d.name for d in shown], pictures,
                        caption=f"{start}: each row moves one direction's slider "
                        "from -3 (left) to +3 (right)")
        print(out)
    return 0


# --- ganstudio teach ----------------------------------------------------------------------
def cmd_teach(args) -> int:
    from ganstudio.explore import direction_files, directions

    ex = _explore(args)
    if args.grid:
        seeds = parse_seed_range(args.seeds)
        print(save_seed_grid(ex, seeds, Path(args.grid)))
        return 0
    if not args.name:
        raise UserError("name the direction to teach (or draw samples with --grid OUT.png)")
    name = directions.check_name(args.name)
    n = ex.spec.latent_dim
    has = parse_seeds(args.has, n, ex.z_for_seed)
    lacks = parse_seeds(args.lacks, n, ex.z_for_seed)
    hold = None
    if args.hold:
        _strict_saved(ex)
        hold = directions.resolve(ex, args.hold)
    taught = directions.teach(name, has, lacks, hold=hold,
                              label=ex.label if ex.spec.conditional else None)
    if ex.checkpoint_path is None:
        raise UserError("this generator has no checkpoint file to save the direction beside")
    path, replaced = direction_files.add(ex.checkpoint_path, taught.direction, n)
    d = taught.direction
    print(f"{'Replaced' if replaced else 'Taught'} '{d.name}': {d.describe()}.")
    print(f"The boundary puts {taught.separated} of {taught.tags} tags on their side.")
    if direction_files.bundled(ex.checkpoint_path):
        print("This demo model comes with GAN Studio: its directions are kept in the app's "
              "data folder.")
    elif path.parent != Path(ex.checkpoint_path).parent:
        print("The checkpoint's folder cannot be written to: saved in the app's data folder.")
    print(path)
    return 0


def parse_seed_range(text: str) -> list[int]:
    m = re.fullmatch(r"\s*(\d+)\s*(?:-\s*(\d+))?\s*", str(text))
    if not m:
        raise UserError(f"--seeds '{text}' is not a range of seeds like 0-47")
    a, b = int(m.group(1)), int(m.group(2) or m.group(1))
    if b < a or b - a >= 256:
        raise UserError("--seeds: from a smaller seed to a larger one, at most 256 samples")
    return list(range(a, b + 1))


# --- pictures with words on them ----------------------------------------------------------
def _font(size: int):
    from PIL import ImageFont

    try:
        return ImageFont.load_default(size=size)
    except TypeError:  # Pillow without FreeType's sizes: its small bitmap font
        return ImageFont.load_default()


def save_seed_grid(ex, seeds: list[int], out: Path) -> Path:
    """The samples of ``seeds``, each enlarged with its seed written in a corner."""
    import numpy as np
    import torch
    from PIL import Image, ImageDraw

    from ganstudio.export import fit_picture, save_pil

    pics = ex.pictures(torch.stack([ex.z_for_seed(s) for s in seeds]))
    cell, pad = 128, 4
    cols = min(GRID_COLS, len(seeds))
    rows = (len(seeds) + cols - 1) // cols
    sheet = Image.new("RGB", (cols * (cell + pad) + pad, rows * (cell + pad) + pad), (40, 40, 40))
    draw = ImageDraw.Draw(sheet)
    font = _font(18)
    for i, (seed, pic) in enumerate(zip(seeds, pics)):
        x, y = pad + (i % cols) * (cell + pad), pad + (i // cols) * (cell + pad)
        sheet.paste(Image.fromarray(np.asarray(fit_picture(pic, cell))), (x, y))
        draw.text((x + 4, y + 2), str(seed), fill=(255, 220, 0), font=font,
                  stroke_width=2, stroke_fill=(0, 0, 0))
    return save_pil(sheet, _png(out))


def save_rows(out: Path, names: list[str], strips: list, caption: str = "") -> Path:
    """Strips one under another, each with its name at the left; a caption on top."""
    import numpy as np
    from PIL import Image, ImageDraw

    from ganstudio.export import save_pil, upscale

    big = [np.asarray(upscale(s, 96)) for s in strips]
    font = _font(16)
    probe = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    label_w = 16 + max(int(probe.textlength(n, font=font)) for n in names)
    head = 30 if caption else 0
    width = label_w + max(b.shape[1] for b in big) + 8
    height = head + sum(b.shape[0] + 6 for b in big) + 4
    sheet = Image.new("RGB", (max(width, 8 + int(probe.textlength(caption, font=font))),
                              height), (30, 30, 30))
    draw = ImageDraw.Draw(sheet)
    if caption:
        draw.text((8, 6), caption, fill=(230, 230, 230), font=font)
    y = head + 4
    for name, b in zip(names, big):
        sheet.paste(Image.fromarray(b), (label_w, y))
        draw.text((8, y + b.shape[0] // 2 - 9), name, fill=(255, 255, 255), font=font)
        y += b.shape[0] + 6
    return save_pil(sheet, _png(out))


def _png(out: Path) -> Path:
    out = Path(out).expanduser()
    if out.suffix.lower() != ".png":
        raise UserError(f"{out.name}: the picture is written as .png")
    return out

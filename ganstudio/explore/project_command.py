"""``ganstudio project``: find the noise whose picture is closest to a given picture
(ganstudio.explore.projection), from the command line.

Writes the closest picture the model makes (at the model's size, or ``--size``), optionally the
target and the result side by side and the found noise as ``.npy`` (shape (1, noise size):
``ganstudio breed --parents found.npy:LABEL`` reads it); prints the files written, then the
distance and the time (the last line). Bad input
(not a picture, an empty or huge one, a checkpoint that is not a generator, a model of points
in the plane) is one line and exit code 2 (a ``UserError``).
"""

from __future__ import annotations

import sys
from pathlib import Path

from ganstudio.errors import UserError

PICTURE_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp", ".bmp")


def add_parser(sub) -> None:
    p = sub.add_parser("project", help="find the closest picture a checkpoint can make to a "
                       "given picture",
                       description="Search the generator's noise (and, for a model with "
                       "labels, its label) for the picture closest to IMAGE: any size, grey or "
                       "colour, converted to the model's size. Writes that picture, prints how "
                       "close it is (PSNR in dB: higher is closer; above about 25 dB the two "
                       "look alike) and the time taken.")
    p.add_argument("checkpoint", metavar="CKPT")
    p.add_argument("image", metavar="IMAGE", help="the picture to find (PNG, JPEG, ...)")
    p.add_argument("--out", required=True, metavar="FILE",
                   help="the closest picture found (.png)")
    p.add_argument("--save-noise", metavar="FILE", help="also write its noise (.npy)")
    p.add_argument("--side-by-side", metavar="FILE", help="also write the picture searched "
                   "for and the one found side by side, enlarged (.png)")
    p.add_argument("--size", type=int, metavar="PX", help="width and height of the written "
                   "picture (default: the model's own)")
    p.add_argument("--steps", type=int, metavar="N", help="refining steps (default 250)")
    p.add_argument("--restarts", type=int, metavar="R", help="starting points refined "
                   "(default 4)")
    p.add_argument("--label", metavar="LABEL", help="models with labels: search this label "
                   "only, by number or name (default: the likeliest labels)")
    p.add_argument("--inception", action="store_true", help="finish with Inception's "
                   "features too (slow on a processor: about a second a step, 20 steps)")
    p.add_argument("--seed", type=int, default=0, help="seed of the starting points "
                   "(default 0)")
    p.add_argument("--threads", type=int, metavar="N", default=1,
                   help="processor threads (default 1: the search's batches are small, and "
                   "on a busy machine more threads wait on each other)")
    p.set_defaults(func=cmd_project)


def _png(path: str, what: str) -> Path:
    out = Path(path).expanduser()
    if out.suffix.lower() not in PICTURE_SUFFIXES:
        raise UserError(f"{what} must end in {', '.join(PICTURE_SUFFIXES)}")
    if out.exists() and out.is_dir():
        raise UserError(f"{what} is a folder: give a file name")
    return out


def cmd_project(args) -> int:
    out = _png(args.out, "--out")
    pair = _png(args.side_by_side, "--side-by-side") if args.side_by_side else None
    noise = Path(args.save_noise).expanduser() if args.save_noise else None
    if noise is not None and noise.suffix.lower() != ".npy":
        raise UserError("--save-noise must end in .npy")
    if args.size is not None and not 8 <= args.size <= 4096:
        raise UserError("--size must be between 8 and 4096")
    if args.threads is not None and args.threads < 1:
        raise UserError("--threads must be at least 1")
    # the picture is checked before the checkpoint is read: a bad one is said at once
    from ganstudio.explore.target_picture import open_picture

    picture = open_picture(args.image)

    import torch

    from ganstudio.explore.exploration import Exploration
    from ganstudio.explore.projection import ProjectionSettings, project
    from ganstudio.export import fit_picture, save_array, save_pil
    from ganstudio.training.checkpoint import load_generator

    torch.set_num_threads(args.threads)
    G, ckpt = load_generator(args.checkpoint)
    if ckpt.spec.kind == "2d":
        raise UserError(f"{ckpt.path.name} makes points in the plane, not pictures: there is "
                        "no picture to find in it")
    ex = Exploration(G, ckpt.spec, ckpt.path.name, config=ckpt.config)
    s = ProjectionSettings(seed=args.seed, inception=args.inception,
                           label=_label(args.label, ckpt.spec))
    if args.steps is not None:
        s.steps = args.steps
    if args.restarts is not None:
        s.restarts = args.restarts
    bar = _bar()
    try:
        r = project(ex, picture, s, progress=bar.update)
    finally:
        bar.close()
    from PIL import Image

    found = fit_picture(r.picture, args.size) if args.size else r.picture
    save_pil(Image.fromarray(found), out)
    print(out)
    if pair is not None:
        print(save_pil(Image.fromarray(r.side_by_side()), pair))
    if noise is not None:
        print(save_array(r.z[None], noise))
    print(f"{r.summary()}; {r.seconds:.1f} s ({r.steps} steps, {r.restarts} restarts)")
    return 0


def _label(text: str | None, spec) -> int | None:
    """--label as a number or a name ('6', 'Shirt'; any case)."""
    from ganstudio.explore.label_words import label_from_text

    return label_from_text(text, spec)


class _bar:
    """A progress bar on stderr when it is a terminal (tqdm), else nothing."""

    def __init__(self):
        self.tqdm = None
        if sys.stderr.isatty():
            from tqdm import tqdm

            self.tqdm = tqdm(desc="Searching", unit="step", file=sys.stderr, leave=False,
                             dynamic_ncols=True)

    def update(self, done: int, total: int, what: str) -> None:
        if self.tqdm is not None:
            self.tqdm.total = total
            self.tqdm.set_description(what, refresh=False)
            self.tqdm.update(done - self.tqdm.n)

    def close(self) -> None:
        if self.tqdm is not None:
            self.tqdm.close()

"""``ganstudio breed``: children of two or more samples, from the command line.

Parents are sample seeds (the explorer's samples: seed S is ``Exploration.z_for_seed(S)``) or
``.npy`` noise files written by other commands (``ganstudio project --save-noise``, the
explorer's Save tab): one vector of the model's noise size, shape (dim,) or (1, dim). For
models with labels a parent may name its label after a colon (``found.npy:6``,
``17:Shirt``); the others take ``--label``. The
picture shows the parents in the first row and the children under them; ``--save-noise``
writes each child's noise as ``child-N.npy`` (to breed again), ``--family`` the family tree as
JSON. Bad input is one line and exit code 2 (a ``UserError``).
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from ganstudio.errors import UserError
from ganstudio.explore.noise_files import read_noise

CHILDREN_PER_ROW = 8


def add_parser(sub) -> None:
    b = sub.add_parser("breed", help="make children of two or more samples",
                       description="Make children whose noise is a blend of their parents' "
                       "noise plus a random mutation, and draw them under their parents.")
    b.add_argument("checkpoint", metavar="CKPT")
    b.add_argument("--parents", nargs="+", required=True, metavar="SEED_OR_NPY",
                   help="sample seeds (as in the explorer) or .npy noise files, each with "
                   "its label after a colon for models with labels, e.g. "
                   "--parents 3 17 found.npy:Shirt")
    b.add_argument("--children", type=int, default=8, metavar="N",
                   help="how many children (default 8)")
    b.add_argument("--mutation", type=float, default=0.2, metavar="M",
                   help="0 = pure blends of the parents, 1 = new random samples (default 0.2)")
    b.add_argument("--seed", type=int, default=0, help="the children's seed (default 0): the "
                   "same seed makes the same children")
    b.add_argument("--crossover", action="store_true", help="take each noise number from one "
                   "parent instead of blending them")
    b.add_argument("--label", type=int, help="the parents' label (models that use labels; "
                   "default 0)")
    b.add_argument("--out", required=True, metavar="FILE", help="the picture to write (.png)")
    b.add_argument("--save-noise", metavar="DIR", help="also write each child's noise as "
                   "DIR/child-N.npy")
    b.add_argument("--family", metavar="FILE", help="also write the family tree as JSON")
    b.set_defaults(func=cmd_breed)


def split_label(text: str, spec, default: int | None) -> tuple[str, int | None]:
    """A --parents item and its label: after a last colon, a number or a label's name
    (models with labels); else ``default``."""
    head, sep, tail = text.rpartition(":")
    names = [n.lower() for n in (spec.label_names or ())]
    if not sep or not (tail.isdigit() or tail.lower() in names):
        return text, default
    if not spec.conditional:
        raise UserError(f"'{text}': this checkpoint's model does not use labels")
    label = int(tail) if tail.isdigit() else names.index(tail.lower())
    if not 0 <= label < spec.num_classes:
        raise UserError(f"'{text}': the label must be between 0 and {spec.num_classes - 1}")
    return head, label


def parent_noise(text: str, ex) -> tuple:
    """(noise, seed or None, words) for one --parents item (without its label)."""
    if re.fullmatch(r"\d+", text.strip()):
        seed = int(text)
        return ex.z_for_seed(seed).numpy(), seed, f"seed {seed}"
    if text.lower().endswith(".npy") or Path(text).expanduser().exists():
        return read_noise(text, ex.spec.latent_dim), None, Path(text).name
    raise UserError(f"'{text}' is neither a seed (a whole number) nor a .npy noise file")


def explorer_for(checkpoint):
    """An Exploration of a checkpoint for drawing pictures only (no sliders set up)."""
    from ganstudio.explore.exploration import Exploration, plane_backdrop
    from ganstudio.training.checkpoint import load_generator

    G, ckpt = load_generator(checkpoint)
    real = bounds = None
    if ckpt.spec.kind == "2d":
        real, bounds = plane_backdrop(ckpt.config)
    ex = Exploration(G.eval(), ckpt.spec, ckpt.path.name, real, bounds, config=ckpt.config,
                     steps=ckpt.steps_done, checkpoint_path=ckpt.path)
    return ex, ckpt


def family_picture(parents_pics, parent_words, children_pics, children_words=None,
                   size: int = 96):
    """The parents in the first row, the children in rows under them, each captioned."""
    import numpy as np
    from PIL import Image

    from ganstudio.explore.breeding import captioned_row

    children_words = children_words or [f"child {i + 1}" for i in range(len(children_pics))]
    rows = [captioned_row(parents_pics, parent_words, size)]
    for start in range(0, len(children_pics), CHILDREN_PER_ROW):
        end = start + CHILDREN_PER_ROW
        rows.append(captioned_row(children_pics[start:end], children_words[start:end], size))
    width = max(r.shape[1] for r in rows)
    out = Image.new("RGB", (width, sum(r.shape[0] for r in rows)), (255, 255, 255))
    y = 0
    for r in rows:
        out.paste(Image.fromarray(r), (0, y))
        y += r.shape[0]
    return np.asarray(out)


def cmd_breed(args: argparse.Namespace) -> int:
    from PIL import Image

    from ganstudio.explore.breeding import Family, pictures_of
    from ganstudio.export import save_array, save_pil

    out = Path(args.out).expanduser()
    if out.suffix.lower() != ".png":
        raise UserError("--out must end in .png")
    if not 1 <= args.children <= 256:
        raise UserError("--children must be between 1 and 256")
    if not 0.0 <= args.mutation <= 1.0:
        raise UserError("--mutation must be between 0 (pure blends) and 1 (new samples)")
    if len(args.parents) < 2:
        raise UserError("breeding needs two or more parents (--parents A B ...)")
    ex, ckpt = explorer_for(args.checkpoint)
    spec = ckpt.spec
    if args.label is not None and not spec.conditional:
        raise UserError("this checkpoint's model does not use labels")
    family = Family(spec.latent_dim, spec.num_classes if spec.conditional else 0,
                    str(ckpt.path.resolve()))
    parents, words = [], []
    for item in args.parents:
        text, label = split_label(item, spec, args.label)
        z, seed, said = parent_noise(text, ex)
        parents.append(family.add_root(z, label, seed, said))
        label = parents[-1].label  # the default's, for a model with labels
        if label is not None and spec.label_names:
            said += f", {spec.label_names[label]}"
        words.append(said)
    kids = family.children(parents, args.children, args.mutation, args.seed, args.crossover)
    names = spec.label_names if spec.conditional else None
    kid_words = [f"child {i}" + (f", {names[k.label]}" if names else "")
                 for i, k in enumerate(kids, 1)]
    picture = family_picture(pictures_of(ex, parents), words, pictures_of(ex, kids), kid_words)
    try:
        save_pil(Image.fromarray(picture), out)
        print(out)
        if args.save_noise:
            folder = Path(args.save_noise).expanduser()
            folder.mkdir(parents=True, exist_ok=True)
            for i, kid in enumerate(kids, 1):
                print(save_array(kid.z, folder / f"child-{i}.npy"))
        if args.family:
            print(family.save(Path(args.family).expanduser()))
    except OSError as e:
        raise UserError(f"cannot write {e.filename or out}: {e.strerror or e}") from None
    return 0

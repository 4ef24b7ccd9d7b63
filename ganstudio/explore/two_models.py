"""The same noise through two generators: two checkpoints of one model, or two snapshots of one
run (a run folder's ``snapshots/`` holds whole checkpoints, training/snapshots.py), side by side.

- ``describe(ckpt)``: which model and step a checkpoint is, in words ("snapshot at step 500 of
  the run ring-0612", "ring.safetensors, step 3,000").
- ``run_snapshots(path)``: the snapshots of the run a checkpoint belongs to, by step.
- ``compare_picture`` / ``write_comparison``: ``n`` samples of one noise drawn by both, model A's
  grid beside model B's (points in the plane: both scatter plots), each named;
  ``ganstudio sample CKPT --compare CKPT2`` writes it. The explorer's live version is
  gui/explorer/compare.py.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ganstudio.errors import UserError
from ganstudio.training import snapshots


def describe(ckpt) -> str:
    """Which model and step a checkpoint is, in plain words."""
    return describe_path(ckpt.path, ckpt.steps_done)


def describe_path(path, steps: int | None) -> str:
    """The same for a checkpoint's path and steps (None: not known); no path: the run being
    trained."""
    if path is None:
        return "the current run" + ("" if steps is None else f" at step {steps:,}")
    path = Path(path)
    step = snapshots.snapshot_step(path)
    if step is not None:
        return f"snapshot at step {step:,} of the run {path.parent.parent.name}"
    return path.name + ("" if steps is None else f", step {steps:,}")


def run_folder_of(path) -> Path:
    """The run folder a checkpoint or snapshot lives in (its own folder, or above
    ``snapshots/``)."""
    folder = Path(path).expanduser().resolve().parent
    return folder.parent if folder.name == snapshots.FOLDER else folder


def run_snapshots(path) -> list[tuple[int, Path]]:
    """(step, path) of every snapshot of the run ``path`` belongs to, oldest first."""
    return snapshots.listed(run_folder_of(path))


def why_not(spec_a, spec_b) -> str | None:
    """Why one noise cannot go through both models, or None when it can: they must take
    noise of the same size (and the same labels, for models with labels) and make the same
    kind of output; their widths, depths and picture sizes may differ."""
    if spec_a.kind != spec_b.kind:
        return "one makes pictures, the other points in the plane"
    if spec_a.latent_dim != spec_b.latent_dim:
        return (f"one takes {spec_a.latent_dim} noise numbers, the other "
                f"{spec_b.latent_dim}")
    if (spec_a.num_classes if spec_a.conditional else 0) != \
            (spec_b.num_classes if spec_b.conditional else 0):
        return "they do not take the same labels"
    return None


def check_same_noise(a, b) -> None:
    """Refuse two checkpoints that cannot draw the same noise, in one sentence."""
    reason = why_not(a.spec, b.spec)
    if reason:
        raise UserError(f"{Path(a.path).name} and {Path(b.path).name} cannot draw the same "
                        f"noise: {reason}")


def _titled(image, title: str, width: int):
    from PIL import Image, ImageDraw, ImageFont

    band = 20
    out = Image.new("RGB", (width, image.height + band), (255, 255, 255))
    ImageDraw.Draw(out).text((4, 4), title, fill=(30, 30, 30), font=ImageFont.load_default())
    out.paste(image, (0, band))
    return out


def compare_picture(G_a, G_b, spec, names: tuple[str, str], z, labels=None,
                    backdrop=None, nrow: int | None = None) -> np.ndarray:
    """The pictures of noise ``z`` (n, dim) through both generators: model A's grid on the
    left, B's on the right (the same place in each grid is the same noise), each named by
    ``names``; points in the plane: one scatter plot each. ``backdrop``: (real points,
    bounds) for points in the plane."""
    import torch
    from PIL import Image

    from ganstudio.export import image_grid, scatter_image, upscale

    with torch.no_grad():
        outs = [G(z, labels).float() for G in (G_a, G_b)]
    if spec.kind == "2d":
        real, bounds = backdrop
        ims = [scatter_image(x.numpy(), bounds, real=real, size=360) for x in outs]
    else:
        ims = [upscale(image_grid(x, nrow=nrow), 360) for x in outs]
    width = max(max(im.width for im in ims), 240)
    ims = [_titled(im, f"{'AB'[i]}: {names[i]}", width) for i, im in enumerate(ims)]
    gap = 16
    out = Image.new("RGB", (2 * width + gap, max(im.height for im in ims)), "white")
    out.paste(ims[0], (0, 0))
    out.paste(ims[1], (width + gap, 0))
    return np.asarray(out)


def write_comparison(path_a, path_b, out, n: int = 8, seed: int = 0, label: int | None = None,
                     use_ema: bool = True, nrow: int | None = None) -> Path:
    """``n`` samples of one noise (``ganstudio sample``'s for that seed) through two
    checkpoints (paths, or Checkpoints already loaded), written as a PNG."""
    import torch
    from PIL import Image

    from ganstudio.export import save_pil
    from ganstudio.training.checkpoint import Checkpoint, load_checkpoint, load_generator

    out = Path(out).expanduser()
    if out.suffix.lower() != ".png":
        raise UserError("--out must end in .png when comparing two checkpoints")
    if not 1 <= n <= 256:
        raise UserError("--n must be between 1 and 256 when comparing two checkpoints")
    a, b = (p if isinstance(p, Checkpoint) else load_checkpoint(p) for p in (path_a, path_b))
    check_same_noise(a, b)
    if not use_ema and not b.section("G"):
        raise UserError(f"{Path(b.path).name} holds only the averaged generator (EMA), not the "
                        "raw one: leave out --no-ema")
    spec = a.spec
    G_a, _ = load_generator(a, use_ema=use_ema)
    G_b, _ = load_generator(b, use_ema=use_ema)
    z = torch.randn(n, spec.latent_dim, generator=torch.Generator().manual_seed(seed))
    labels = None
    if spec.conditional:
        if label is not None and not 0 <= label < spec.num_classes:
            raise UserError(f"--label must be between 0 and {spec.num_classes - 1}")
        labels = (torch.full((n,), label) if label is not None
                  else torch.arange(n) % spec.num_classes)
    elif label is not None:
        raise UserError("this checkpoint's model does not use labels")
    backdrop = None
    if spec.kind == "2d":
        from ganstudio.explore.exploration import plane_backdrop

        backdrop = plane_backdrop(a.config)
    picture = compare_picture(G_a, G_b, spec, (describe(a), describe(b)), z, labels, backdrop,
                              nrow)
    return save_pil(Image.fromarray(picture), out)

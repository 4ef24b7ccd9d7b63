"""Noise as ``.npy`` files, the way the commands pass points to each other (``project
--save-noise``, ``breed --parents``/``--save-noise``, ``teach --has``, ``directions --seed``):
one reader, so every command refuses the same bad files in the same words."""

from __future__ import annotations

from pathlib import Path

from ganstudio.errors import UserError


def read_noise_rows(path, latent_dim: int):
    """The noise in a .npy file as (n, latent_dim) float32: one vector (dim,) or rows."""
    import numpy as np

    path = Path(path).expanduser()
    if not path.is_file():
        raise UserError(f"no such noise file: {path}")
    try:
        z = np.load(path, allow_pickle=False)
    except (OSError, ValueError, EOFError):
        raise UserError(f"{path.name} is not a NumPy .npy file") from None
    if z.dtype.kind not in "fiu":
        raise UserError(f"{path.name} does not hold numbers")
    rows = z.reshape(1, -1) if z.ndim == 1 else z
    if rows.ndim != 2 or rows.shape[1] != latent_dim or len(rows) == 0:
        raise UserError(f"{path.name} holds noise of shape {tuple(z.shape)}; this model takes "
                        f"{latent_dim} numbers per sample: shape ({latent_dim},) or "
                        f"(n, {latent_dim})")
    rows = rows.astype(np.float32)
    if not np.isfinite(rows).all():
        raise UserError(f"{path.name} holds numbers that are not finite (NaN or infinity)")
    return rows


def read_noise(path, latent_dim: int):
    """One noise vector (latent_dim,) from a .npy file of shape (dim,) or (1, dim)."""
    rows = read_noise_rows(path, latent_dim)
    if len(rows) != 1:
        raise UserError(f"{Path(path).name} holds {len(rows)} samples of noise; one is needed "
                        "here")
    return rows[0]

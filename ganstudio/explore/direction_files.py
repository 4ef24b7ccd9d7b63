"""Directions saved beside their checkpoint: ``NAME.directions.safetensors`` next to
``NAME.safetensors`` (or ``NAME.pth``), reopened with it.

The file holds one tensor per direction ("direction.0", "direction.1"...) and, in the
safetensors metadata, each one's name, kind and details as JSON, with the noise size and the
checkpoint's file name; it is written atomically (atomic.py) and read without running code.

A checkpoint whose folder cannot be written (a bundled demo in an installed app, a read-only
share) keeps its directions in the app's data folder instead, under ``directions/``, named by
the checkpoint's name and a hash of its contents (the same demo anywhere is the same model).
The bundled demo models are always treated so: they belong to the app, not to the user.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from pathlib import Path

import torch

from ganstudio.errors import UserError
from ganstudio.explore.directions import KINDS, Direction
from ganstudio.paths import APP_FOLDER, DIRECTIONS_SUFFIX, resources_dir

FORMAT = "ganstudio-directions"
VERSION = 1
FOLDER = "directions"  # in the app's data folder


def user_data_folder() -> Path:
    """The app's data folder, found without Qt: $GANSTUDIO_DATA_DIR, else the place Qt's
    AppDataLocation gives the window (gui/main_window.data_dir), "GAN Studio" in the system's
    folder for application data."""
    env = os.environ.get("GANSTUDIO_DATA_DIR")
    if env:
        return Path(env).expanduser()
    home = Path.home()
    if sys.platform == "win32":
        base = Path(os.environ.get("APPDATA") or home / "AppData" / "Roaming")
    elif sys.platform == "darwin":
        base = home / "Library" / "Application Support"
    else:
        base = Path(os.environ.get("XDG_DATA_HOME") or home / ".local" / "share")
    return base / APP_FOLDER


def beside(checkpoint: str | os.PathLike) -> Path:
    """``NAME.directions.safetensors`` beside the checkpoint ``NAME.safetensors``."""
    p = Path(checkpoint)
    return p.with_name(p.with_suffix("").name + DIRECTIONS_SUFFIX)


def bundled(checkpoint: str | os.PathLike) -> bool:
    """A model that comes with GAN Studio (resources/): its files are the app's."""
    try:
        return Path(checkpoint).resolve().is_relative_to(resources_dir().resolve())
    except OSError:
        return False


def _writable(folder: Path) -> bool:
    return folder.is_dir() and os.access(folder, os.W_OK | os.X_OK)


def in_data_folder(checkpoint: str | os.PathLike) -> Path:
    """Where the directions of a checkpoint in a folder that is not the user's are kept."""
    p = Path(checkpoint)
    h = hashlib.sha256()
    with open(p, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return (user_data_folder() / FOLDER /
            f"{p.with_suffix('').name}-{h.hexdigest()[:16]}{DIRECTIONS_SUFFIX}")


def save_path(checkpoint: str | os.PathLike) -> Path:
    """Where this checkpoint's directions are written: beside it when its folder is the user's
    and can be written, else in the app's data folder."""
    p = Path(checkpoint)
    if not bundled(p) and _writable(p.parent):
        return beside(p)
    return in_data_folder(p)


def saved_path(checkpoint: str | os.PathLike) -> Path | None:
    """The file holding this checkpoint's saved directions, if there is one: where they would
    be written first, then beside it."""
    p = Path(checkpoint)
    try:
        first = save_path(p)
    except OSError:  # the checkpoint cannot be read to name its file in the data folder
        first = beside(p)
    for candidate in (first, beside(p)):
        if candidate.is_file():
            return candidate
    return None


# --- reading and writing ------------------------------------------------------------------
def read(path: str | os.PathLike, latent_dim: int | None = None) -> list[Direction]:
    """The directions in a file; a file that is not one, is damaged, or was made for another
    noise size is refused in words."""
    from safetensors import safe_open

    path = Path(path)
    try:
        with safe_open(str(path), framework="pt") as f:
            meta = f.metadata() or {}
            tensors = {k: f.get_tensor(k) for k in f.keys()}
    except Exception:  # safetensors raises several types on foreign or truncated files
        raise UserError(f"{path.name} is not a file of directions, or it is damaged") from None
    if meta.get("format") != FORMAT:
        raise UserError(f"{path.name} is a safetensors file, but not GAN Studio's directions")
    try:
        version = int(meta.get("version", "0"))
        size = int(meta["latent_dim"])
        entries = json.loads(meta["directions"])
    except (KeyError, ValueError, TypeError):
        raise UserError(f"{path.name}: the list of directions is damaged") from None
    if version > VERSION:
        raise UserError(f"{path.name} was made by a newer GAN Studio: update it to read it")
    if latent_dim is not None and size != latent_dim:
        raise UserError(f"{path.name} holds directions for a noise of {size} numbers; this "
                        f"model's has {latent_dim}")
    out = []
    for i, e in enumerate(entries):
        v = tensors.get(f"direction.{i}")
        if v is None or v.shape != (size,) or not isinstance(e, dict) or "name" not in e:
            raise UserError(f"{path.name}: direction {i + 1} is damaged")
        kind = e.get("kind", "taught")
        out.append(Direction(str(e["name"]), kind if kind in KINDS else "taught",
                             v.float().contiguous(), e.get("share"), dict(e.get("details", {}))))
    return out


def write(path: str | os.PathLike, directions: list[Direction], latent_dim: int,
          checkpoint: str | os.PathLike | None = None) -> Path:
    from safetensors.torch import save

    from ganstudio.atomic import atomic_write_bytes

    tensors = {}
    entries = []
    for i, d in enumerate(directions):
        if d.vector.numel() != latent_dim:
            raise UserError(f"direction '{d.name}' has {d.vector.numel()} numbers; the noise "
                            f"has {latent_dim}")
        tensors[f"direction.{i}"] = d.vector.detach().float().reshape(-1).contiguous().clone()
        entries.append({"name": d.name, "kind": d.kind, "share": d.share,
                        "details": d.details})
    meta = {"format": FORMAT, "version": str(VERSION), "latent_dim": str(latent_dim),
            "directions": json.dumps(entries)}
    if checkpoint is not None:
        meta["checkpoint"] = Path(checkpoint).name
    if not tensors:  # safetensors needs at least a header: an empty list is still a file
        tensors["none"] = torch.zeros(0)
    try:
        return atomic_write_bytes(Path(path), save(tensors, metadata=meta))
    except OSError as e:
        raise UserError(f"cannot save the directions to {path}: {e.strerror or e}") from None


def load_for(checkpoint: str | os.PathLike, latent_dim: int) -> list[Direction]:
    """The directions saved for a checkpoint (none when there are none)."""
    path = saved_path(checkpoint)
    return [] if path is None else read(path, latent_dim)


def load_quietly(checkpoint: str | os.PathLike, latent_dim: int) -> list[Direction]:
    """As ``load_for``, but a damaged or mismatched file never stops a checkpoint opening:
    its directions are left out (``ganstudio directions CKPT`` says why)."""
    try:
        return load_for(checkpoint, latent_dim)
    except (UserError, OSError):
        return []


def add(checkpoint: str | os.PathLike, direction: Direction, latent_dim: int) -> tuple[Path,
                                                                                      bool]:
    """Save ``direction`` with the checkpoint's other directions (one of the same name is
    replaced): (the file written, whether one was replaced)."""
    existing = load_for(checkpoint, latent_dim)
    kept = [d for d in existing if d.name.lower() != direction.name.lower()]
    path = write(save_path(checkpoint), kept + [direction], latent_dim, checkpoint)
    return path, len(kept) < len(existing)


def remove(checkpoint: str | os.PathLike, name: str, latent_dim: int) -> Path:
    existing = load_for(checkpoint, latent_dim)
    kept = [d for d in existing if d.name.lower() != " ".join(name.split()).lower()]
    if len(kept) == len(existing):
        names = ", ".join(d.name for d in existing) or "none"
        raise UserError(f"no saved direction is named '{name}' (saved: {names})")
    return write(save_path(checkpoint), kept, latent_dim, checkpoint)


def info_lines(checkpoint: str | os.PathLike, latent_dim: int) -> list[str]:
    """What ``ganstudio info`` says of the directions saved for a checkpoint."""
    try:
        path = saved_path(checkpoint)
        saved = [] if path is None else read(path, latent_dim)
    except (UserError, OSError) as e:
        return [f"Directions: cannot be read: {e}"]
    if not saved:
        return []
    lines = [f"Directions: {len(saved)} saved in {path}"]
    lines += [f"  {d.name}: {d.describe()}" for d in saved]
    return lines

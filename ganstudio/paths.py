"""Where GAN Studio finds its bundled files."""

from __future__ import annotations

import os
from pathlib import Path


def resources_dir() -> Path:
    """The bundled resources/ folder: beside the package in a checkout, inside it when installed
    from a wheel (as ganstudio.resources)."""
    here = Path(__file__).resolve().parent
    for candidate in (here.parent / "resources", here / "resources"):
        if candidate.is_dir():
            return candidate
    from importlib.resources import files

    return Path(str(files("ganstudio.resources")))


def presets_dir() -> Path:
    return resources_dir() / "presets"


APP_FOLDER = "GAN Studio"


def app_data_folder(location: str | os.PathLike) -> Path:
    """The app's own folder for its files (autosaved runs), from the system's place for them
    (Qt's AppDataLocation). That place names the organisation and then the application, both
    "GAN Studio", so the files went to "GAN Studio/GAN Studio": one "GAN Studio" now. Whatever
    the doubled folder holds is moved up into it, so nothing is lost."""
    folder = Path(location)
    if folder.name == APP_FOLDER and folder.parent.name == APP_FOLDER:
        folder = folder.parent
    old = folder / APP_FOLDER
    if old.is_dir():
        _move_into(old, folder)
    return folder


def _move_into(old: Path, new: Path) -> None:
    """Move what ``old`` holds into ``new``, folder by folder; a file already in ``new`` under
    the same name wins, and the older one stays where it was (never overwritten)."""
    for item in list(old.iterdir()):
        target = new / item.name
        try:
            if not target.exists():
                item.rename(target)
            elif item.is_dir() and target.is_dir():
                _move_into(item, target)
        except OSError:
            pass  # left where it was: still there to move by hand, never lost
    try:
        old.rmdir()  # only when emptied
    except OSError:
        pass


# directions found or taught for a checkpoint, saved beside it (explore/direction_files.py):
# not a checkpoint, so a run folder's newest checkpoint and the demo list leave them out
DIRECTIONS_SUFFIX = ".directions.safetensors"

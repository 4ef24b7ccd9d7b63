"""Where GAN Studio finds its bundled files."""

from __future__ import annotations

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

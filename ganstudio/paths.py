"""Where GAN Studio finds its bundled files and keeps the user's."""

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


def default_runs_dir() -> Path:
    """Where command-line runs go unless --out says otherwise: ./runs"""
    return Path(os.getcwd()) / "runs"

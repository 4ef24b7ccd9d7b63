"""The demo models bundled in resources/demos: generators trained from the built-in presets by
packaging/make_demos.py, so the explorer has something to show before any training.

Listing them reads only each file's header (no torch), so the window can do it at start-up.
"""

from __future__ import annotations

import json
import struct
from pathlib import Path

from ganstudio import catalog
from ganstudio.paths import DIRECTIONS_SUFFIX, resources_dir


def demo_titles() -> dict[str, str]:
    """Source id -> title of its demo model, in the order a newcomer meets them (the
    catalogue entries' ``demo`` and ``demo_rank``): packaging/make_demos.py makes these."""
    entries = sorted((s for s in catalog.SOURCES.values() if s.demo), key=lambda s: s.demo_rank)
    return {s.id: s.demo for s in entries}


def demos_dir() -> Path:
    return resources_dir() / "demos"


def read_metadata(path: Path) -> dict[str, str]:
    """The string metadata of a safetensors file, from its JSON header alone."""
    with open(path, "rb") as f:
        head = f.read(8)
        if len(head) < 8:
            return {}
        (n,) = struct.unpack("<Q", head)
        if n > 100_000_000:
            return {}
        try:
            return json.loads(f.read(n)).get("__metadata__", {}) or {}
        except (ValueError, UnicodeDecodeError):
            return {}


def list_demos() -> list[tuple[str, str]]:
    """(title, path) of each bundled demo model."""
    d = demos_dir()
    if not d.is_dir():
        return []
    order = list(demo_titles())
    models = [p for p in d.glob("*.safetensors") if not p.name.endswith(DIRECTIONS_SUFFIX)]
    files = sorted(models,
                   key=lambda p: (order.index(p.stem) if p.stem in order else len(order),
                                  p.stem))
    out = []
    for p in files:
        meta = read_metadata(p)
        out.append((meta.get("title") or p.stem, str(p)))
    return out

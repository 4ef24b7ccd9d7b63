"""Presets: ready-made experiments in resources/presets/NAME.toml.

A preset is an experiment config plus a [preset] section with a title and a description for
people; the config part is validated like any experiment file.
"""

from __future__ import annotations

try:  # Python 3.11 and later
    import tomllib
except ModuleNotFoundError:  # Python 3.10: the same parser, as the tomli package
    import tomli as tomllib
from dataclasses import dataclass
from pathlib import Path

from ganstudio import catalog
from ganstudio.config import ConfigError, ExperimentConfig
from ganstudio.paths import presets_dir

DEFAULT_PRESET = "ring"


@dataclass(frozen=True)
class Preset:
    name: str
    title: str
    description: str
    path: Path
    asks_folder: bool = False  # the person chooses the folder (data.root) after loading it

    def config(self) -> ExperimentConfig:
        data = _read(self.path)
        data.pop("preset", None)
        try:
            cfg = ExperimentConfig.from_dict(data, check_problems=False)
            # a preset for a folder of one's own pictures (asks_folder) leaves the folder empty
            # for the person to choose: that one problem is theirs to fix, not the preset's
            problems = [(f, m) for f, m in cfg.problems()
                        if not (self.asks_folder and f == "data.root")]
            if problems:
                raise ConfigError(f"{problems[0][0]}: {problems[0][1]}", problems[0][0])
            return cfg
        except ConfigError as e:
            raise ConfigError(f"preset '{self.name}': {e}", e.field) from None


def _read(path: Path) -> dict:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise ConfigError(f"preset file {path.name} cannot be read: {e}") from None


def list_presets() -> list[Preset]:
    out = []
    for path in sorted(presets_dir().glob("*.toml")):
        meta = _read(path).get("preset", {})
        out.append(Preset(path.stem, meta.get("title", path.stem),
                          meta.get("description", ""), path,
                          bool(meta.get("asks_folder", False))))
    # in the order of the data sets they are made for (the default first: a newcomer's order)
    order = [s.preset for s in catalog.SOURCES.values() if s.preset]
    return sorted(out, key=lambda p: (order.index(p.name) if p.name in order else len(order),
                                      p.name))


def get_preset(name: str) -> Preset:
    presets = {p.name: p for p in list_presets()}
    if name not in presets:
        raise ConfigError(f"unknown preset '{name}'; the presets are: {', '.join(presets)}")
    return presets[name]


def load_preset(name: str) -> ExperimentConfig:
    return get_preset(name).config()

"""The open experiment, as plain data: its config, the file it came from, whether it changed.

The window shows it (title, forms) and edits it; this module knows nothing of Qt, so what
"modified" means and how an experiment is opened and saved is tested without a window.
"""

from __future__ import annotations

from pathlib import Path

from ganstudio.config import ExperimentConfig


class ExperimentDocument:
    def __init__(self, config: ExperimentConfig, path: Path | None = None):
        self.config = config
        self.path: Path | None = path
        self.modified = False

    @property
    def name(self) -> str:
        return self.path.name if self.path else "Untitled experiment"

    @property
    def title(self) -> str:
        """What a window title shows: the file's name, and a star when there are changes."""
        return f"{self.name}{' *' if self.modified else ''}"

    def replace(self, config: ExperimentConfig, path: Path | None = None, *,
                modified: bool = False) -> None:
        """Another experiment (a preset, a file, a checkpoint's settings)."""
        self.config = config
        self.path = Path(path) if path is not None else None
        self.modified = modified

    def changed(self) -> None:
        self.modified = True

    @classmethod
    def open(cls, path) -> "ExperimentDocument":
        """Read an experiment file (ConfigError, naming the field, when it is wrong)."""
        return cls(ExperimentConfig.load(path), Path(path))

    def save(self, path=None) -> Path:
        """Write the experiment (to ``path``, which becomes its file); OSError when it cannot."""
        path = Path(path) if path is not None else self.path
        if path is None:
            raise ValueError("no file to save to: give a path")
        self.config.save(path)
        self.path, self.modified = path, False
        return path

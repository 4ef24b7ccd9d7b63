"""What a loaded checkpoint holds (``Checkpoint``) and the error a bad one gives, apart from how
files are read and written (training/checkpoint.py) so that the readers of other formats
(training/foreign.py) can build one without importing the reader that dispatches to them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch

from ganstudio.config import ExperimentConfig
from ganstudio.errors import UserError
from ganstudio.models import ModelSpec
from ganstudio.training.health import Alarm
from ganstudio.training.history import History
from ganstudio.training.quality import quality_points


class CheckpointError(UserError):
    """A checkpoint that cannot be used, said in one line."""


@dataclass
class Checkpoint:
    path: Path
    config: ExperimentConfig
    spec: ModelSpec
    info: dict  # the trainer's JSON state: steps_done, elapsed, optimiser scalars...
    tensors: dict[str, torch.Tensor]
    meta: dict[str, str]

    def section(self, prefix: str) -> dict[str, torch.Tensor]:
        p = prefix + "."
        return {k[len(p):]: v for k, v in self.tensors.items() if k.startswith(p)}

    @property
    def steps_done(self) -> int:
        return int(self.info.get("steps_done", 0))

    @property
    def has_ema(self) -> bool:
        return any(k.startswith("EMA.") for k in self.tensors)

    @property
    def generator_only(self) -> bool:
        """A light checkpoint for exploring (no discriminator, no optimiser state)."""
        return bool(self.info.get("generator_only"))

    def history(self) -> History:
        arrays = {k: v.numpy() for k, v in self.section("history").items()}
        return History.from_arrays(arrays) if arrays else History()

    def quality(self) -> list:
        """The live quality measurements of the run (training/quality.py QualityPoints)."""
        return quality_points({k: v.numpy() for k, v in self.section("quality").items()})

    def alarms(self) -> list:
        """The health alarms the run raised (training/health.py Alarms)."""
        return [Alarm.from_json(a) for a in self.info.get("alarms") or []
                if isinstance(a, dict)]

    def changes(self) -> list:
        """The settings changed while the run trained (ganstudio/changes.py Changes)."""
        from ganstudio.changes import Change

        return [Change.from_json(c) for c in self.info.get("changes") or []
                if isinstance(c, dict)]

    def describe(self) -> str:
        return (f"{self.spec.describe()}; trained {self.steps_done:,} steps "
                f"({self.info.get('elapsed', 0):.0f} s) on {self.config.source_info.title}")

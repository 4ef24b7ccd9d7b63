"""Training: the Trainer, its history and checkpoints."""

from ganstudio.training.trainer import Trainer, TrainingDiverged

__all__ = ["Trainer", "TrainingDiverged"]

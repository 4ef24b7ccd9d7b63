"""Training: the Trainer (one step), the session loop that runs it, a run's files, history and
checkpoints.

Imported lazily, so that light modules (history) can be used without loading torch.
"""

__all__ = ["Trainer", "TrainingDiverged", "train", "Run"]

_WHERE = {"Trainer": "trainer", "TrainingDiverged": "trainer", "train": "session", "Run": "run"}


def __getattr__(name: str):
    if name in _WHERE:
        import importlib

        return getattr(importlib.import_module(f"ganstudio.training.{_WHERE[name]}"), name)
    raise AttributeError(f"module 'ganstudio.training' has no attribute '{name}'")

"""Training: the Trainer, its session loop, history and checkpoints.

Imported lazily, so that light modules (history) can be used without loading torch.
"""

__all__ = ["Trainer", "TrainingDiverged"]


def __getattr__(name: str):
    if name in __all__:
        from ganstudio.training import trainer

        return getattr(trainer, name)
    raise AttributeError(f"module 'ganstudio.training' has no attribute '{name}'")

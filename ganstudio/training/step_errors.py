"""The ways a training step or a saved state is refused, each with its message in words; the
weights stay those of the last good step."""

from __future__ import annotations

import torch


class StepRefused(RuntimeError):
    """A step that could not be done; the weights are those of the last good step."""

    def __init__(self, step: int, message: str):
        super().__init__(message)
        self.step = step


class TrainingDiverged(StepRefused):
    """A loss or gradient became NaN or infinite; the weights are those before that step."""

    def __init__(self, step: int, what: str):
        super().__init__(step, f"Training diverged at step {step}: {what}. The last good state "
                         "is kept; a smaller learning rate or a stabiliser may help.")


class OutOfMemory(StepRefused):
    """The device ran out of memory in a step; the weights are those before that step."""

    def __init__(self, step: int, device):
        where = "graphics card" if device.type in ("cuda", "mps") else "computer"
        super().__init__(step, f"The {where} ran out of memory at step {step}. The last good "
                         "state is kept; a smaller batch size, smaller pictures or narrower "
                         "networks need less.")


def _is_out_of_memory(e: BaseException) -> bool:
    if isinstance(e, torch.OutOfMemoryError):
        return True
    text = str(e)  # the CPU allocator's words, on builds that raise a plain RuntimeError
    return isinstance(e, RuntimeError) and ("not enough memory" in text
                                            or "can't allocate memory" in text)


class StateMismatch(ValueError):
    """A saved state that does not fit this trainer; ``part`` names what ("generator"...)."""

    def __init__(self, part: str, message: str):
        super().__init__(message)
        self.part = part

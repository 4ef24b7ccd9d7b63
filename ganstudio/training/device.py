"""Which chip does the work."""

from __future__ import annotations

import torch

from ganstudio.errors import UserError


class DeviceError(UserError):
    """A device that was asked for but is not usable here."""


def resolve_device(name: str) -> torch.device:
    """"auto" -> cuda, else mps, else cpu; a named device that is missing is a clear error."""
    cuda = torch.cuda.is_available()
    mps = getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available()
    if name == "auto":
        return torch.device("cuda" if cuda else "mps" if mps else "cpu")
    if name == "cuda" and not cuda:
        raise DeviceError("training.device is 'cuda', but no NVIDIA graphics card is usable here")
    if name == "mps" and not mps:
        raise DeviceError("training.device is 'mps', but Apple graphics are not available here")
    if name not in ("cpu", "cuda", "mps"):
        raise DeviceError(f"unknown device '{name}'")
    return torch.device(name)


def describe_device(device: torch.device, threads: int | None = None) -> str:
    """"processor (1 thread)", "graphics card (NAME)"... ``threads``: the run's
    training.threads (0 = chosen as it runs); None: what torch uses now."""
    if device.type == "cuda":
        return f"graphics card ({torch.cuda.get_device_name(device)})"
    if device.type == "mps":
        return "Apple graphics (MPS)"
    if threads == 0:
        return "processor (threads chosen as it runs)"
    n = torch.get_num_threads() if threads is None else threads
    return f"processor ({n} thread{'' if n == 1 else 's'})"

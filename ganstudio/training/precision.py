"""Which number format the maths uses, and the chip settings that go with it.

``choose(...)`` is plain logic (tested on any machine): the setting (training.precision), the
device, the model family and what the chip can do in, a ``Plan`` out. ``Plan.apply(...)`` sets
the chip's switches; the Trainer asks the plan for its autocast context and gradient scaler.

Measured on a 2-core CPU with AVX-512 BF16 (benchmarks/README.md): bfloat16 autocast and
channels_last make a DCGAN step about twice as fast; an MLP on points gains nothing (its
matrices are too small), so "auto" keeps the 2-D models in 32-bit. A processor without native
bfloat16 would emulate it slowly: "auto" never picks it there. Every setting but "fp32" also
takes torch's fused optimiser step (one kernel instead of a loop over the weights)."""

from __future__ import annotations

import contextlib
import functools
import sys
from dataclasses import dataclass

import torch


@functools.lru_cache(maxsize=1)
def cpu_has_native_bf16() -> bool:
    """True on a processor that computes bfloat16 in hardware (AVX-512 BF16 or AMX on x86,
    the BF16 extension on Arm), as far as this system tells."""
    if sys.platform.startswith("linux"):
        try:
            with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as f:
                text = f.read()
        except OSError:
            text = ""
        return _flags_have_bf16(text)
    if sys.platform == "darwin":  # Apple silicon from M2 has BF16; torch's kernels use it
        import platform
        import subprocess

        if platform.machine() != "arm64":
            return False
        try:
            out = subprocess.run(["sysctl", "-n", "hw.optional.arm.FEAT_BF16"],
                                 capture_output=True, text=True, timeout=2).stdout
        except (OSError, subprocess.SubprocessError):
            return False
        return out.strip() == "1"
    # elsewhere, only what torch's own dispatcher says (AMX implies BF16)
    return "AMX" in torch.backends.cpu.get_cpu_capability().upper()


def _flags_have_bf16(cpuinfo: str) -> bool:
    for line in cpuinfo.splitlines():
        key, _, value = line.partition(":")
        if key.strip() in ("flags", "Features"):
            flags = set(value.split())
            return bool(flags & {"avx512_bf16", "amx_bf16", "bf16"})
    return False


@dataclass(frozen=True)
class Plan:
    """What a run computes in: ``dtype`` for autocast (None: plain 32-bit), whether a gradient
    scaler guards float16's small range, channels_last for convolutions, and TF32 and the
    cuDNN benchmark on graphics cards."""

    device_type: str
    dtype: torch.dtype | None = None
    scaler: bool = False
    channels_last: bool = False
    tf32: bool = False
    cudnn_benchmark: bool = False
    # torch's fused optimiser step (one kernel for every weight): on whenever the setting is
    # not "fp32", which keeps exactly the arithmetic of before
    fused_optimizer: bool = False

    @property
    def name(self) -> str:
        return {None: "fp32", torch.bfloat16: "bf16", torch.float16: "fp16"}[self.dtype]

    @property
    def words(self) -> str:
        """For the window and the command line: "bf16", "fp32", "fp16 with loss scaling"."""
        extra = " with loss scaling" if self.scaler else ""
        tf32 = " (TF32 matrices)" if self.tf32 and self.dtype is None else ""
        return self.name + extra + tf32

    @property
    def label(self) -> str:
        """For people: "32-bit numbers", "16-bit numbers (bf16)", "16-bit numbers (fp16, loss
        scaling)"; the window's run line and ``ganstudio train``'s header say it."""
        if self.dtype is None:
            return "32-bit numbers" + (" (TF32 matrices)" if self.tf32 else "")
        return f"16-bit numbers ({self.name}" + (", loss scaling)" if self.scaler else ")")

    def autocast(self):
        if self.dtype is None:
            return contextlib.nullcontext()
        return torch.autocast(self.device_type, dtype=self.dtype)

    def make_scaler(self):
        return torch.amp.GradScaler(self.device_type) if self.scaler else None

    def apply(self) -> None:
        """Set the process-wide switches this plan needs (graphics cards only)."""
        if self.device_type == "cuda":
            torch.backends.cuda.matmul.allow_tf32 = self.tf32
            torch.backends.cudnn.allow_tf32 = self.tf32
            if self.cudnn_benchmark:
                torch.backends.cudnn.benchmark = True


def choose(setting: str, device_type: str, family: str, *, cpu_bf16: bool | None = None,
           cuda_bf16: bool | None = None) -> Plan:
    """The plan for ``setting`` ("auto", "fp32", "bf16" or "fp16") on ``device_type`` ("cpu",
    "cuda", "mps") for a model ``family`` ("mlp", "dcgan"). ``cpu_bf16`` / ``cuda_bf16``: what the
    chip can do (None: ask it)."""
    conv = family == "dcgan"
    if setting not in ("auto", "fp32", "bf16", "fp16"):
        raise ValueError(f"unknown precision '{setting}'")
    if setting == "fp32":
        return Plan(device_type)  # exactly the 32-bit maths of before: no layout change either
    if device_type == "cuda":
        if cuda_bf16 is None:
            cuda_bf16 = torch.cuda.is_bf16_supported()
        if setting == "auto":
            setting = "bf16" if cuda_bf16 else "fp16"
        return Plan("cuda", torch.bfloat16 if setting == "bf16" else torch.float16,
                    scaler=setting == "fp16", channels_last=conv, tf32=True,
                    cudnn_benchmark=True, fused_optimizer=True)
    if device_type == "mps":
        if setting == "auto":  # not yet measured on Apple graphics: 32-bit until it is
            return Plan("mps")
        return Plan("mps", torch.bfloat16 if setting == "bf16" else torch.float16,
                    scaler=setting == "fp16")
    # the processor
    if setting == "auto":
        if cpu_bf16 is None:
            cpu_bf16 = cpu_has_native_bf16()
        if not (conv and cpu_bf16):
            return Plan("cpu", fused_optimizer=True)
        setting = "bf16"
    return Plan("cpu", torch.bfloat16 if setting == "bf16" else torch.float16,
                scaler=setting == "fp16", channels_last=conv, fused_optimizer=True)

"""A generator out of GAN Studio: ONNX, for onnxruntime and any program that reads ONNX.

The file takes ``noise`` (float32, batch x latent size) and, for a model with labels, ``labels``
(int64, batch); it gives ``samples`` (float32): pictures batch x channels x height x width in
[-1, 1], or points batch x 2. The batch size is free. The generator written is the one the
explorer shows: the averaged (EMA) weights when the checkpoint has them.

Written with PyTorch's own exporter (``torch.onnx.export(dynamo=True)``, which needs the
``onnx`` and ``onnxscript`` packages); checked with onnxruntime when it is installed. Core code:
no Qt.
"""

from __future__ import annotations

import copy
import importlib.util
import io
import json
import warnings
from contextlib import redirect_stdout
from pathlib import Path
from typing import Callable

import numpy as np
import torch

import ganstudio
from ganstudio.config import atomic_write_bytes
from ganstudio.errors import UserError

OPSET = 18
CHECK_SAMPLES = 8  # latents the written file is checked on against PyTorch
INSTALL_HINT = "pip install 'ganstudio[onnx]'"

Progress = Callable[[int, int, str], None]


class OnnxUnavailable(UserError):
    """The packages ONNX export needs are not installed."""


class OnnxExportError(UserError):
    """A generator that could not be written as ONNX, said in one line."""


def missing_packages(check: bool = False) -> list[str]:
    """The packages export needs (and, with ``check``, the one that checks it) not installed."""
    names = ["onnx", "onnxscript"] + (["onnxruntime"] if check else [])
    return [n for n in names if importlib.util.find_spec(n) is None]


class _Sampler(torch.nn.Module):
    """The generator with its inputs named and fixed: (noise[, labels]) -> samples."""

    def __init__(self, G: torch.nn.Module, conditional: bool):
        super().__init__()
        self.G = G
        self.conditional = conditional

    def forward(self, noise: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        return self.G(noise, labels if self.conditional else None)


def export_generator(G: torch.nn.Module, spec, path, *, title: str = "",
                     progress: Progress | None = None, check: bool = True) -> tuple[Path, float | None]:
    """Write ``G`` (a generator of ``spec``) to ``path`` as ONNX with a free batch size.

    Returns (the file, the largest difference between onnxruntime's samples and PyTorch's on
    ``CHECK_SAMPLES`` latents, or None when onnxruntime is not installed or ``check`` is off).
    """
    missing = missing_packages()
    if missing:
        raise OnnxUnavailable(f"ONNX export needs the {' and '.join(missing)} package"
                              f"{'s' if len(missing) > 1 else ''} ({INSTALL_HINT})")
    path = Path(path).expanduser()
    if path.suffix.lower() != ".onnx":
        path = path.with_name(path.name + ".onnx")
    say = progress or (lambda *a: None)
    say(0, 3, "Tracing the generator")
    module = _Sampler(copy.deepcopy(G).float().cpu(), spec.conditional).eval()
    module.requires_grad_(False)
    gen = torch.Generator().manual_seed(0)
    noise = torch.randn(2, spec.latent_dim, generator=gen)
    args: tuple = (noise,)
    names = ["noise"]
    batch = torch.export.Dim("batch", min=1)
    shapes: tuple = ({0: batch},)
    if spec.conditional:
        args += (torch.arange(2) % spec.num_classes,)
        names.append("labels")
        shapes += ({0: batch},)
    try:
        # the exporter prints its stages and warns about internals: neither is for the user
        with warnings.catch_warnings(), redirect_stdout(io.StringIO()):
            warnings.simplefilter("ignore")
            program = torch.onnx.export(module, args, None, dynamo=True, input_names=names,
                                        output_names=["samples"], dynamic_shapes=shapes,
                                        opset_version=OPSET, verbose=False)
    except Exception as e:  # the exporter raises many types; one line is what the user needs
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise OnnxExportError(f"this generator could not be written as ONNX: {first}") from None
    say(1, 3, "Writing the file")
    proto = program.model_proto
    fixed = [i.name for i in proto.graph.input
             if not i.type.tensor_type.shape.dim[0].dim_param]
    if fixed:  # the exporter falls back to fixed shapes where the network pins the batch
        raise OnnxExportError("this generator could not be written with a free batch size "
                              f"(its {' and '.join(fixed)} input is fixed at 2)")
    meta = {"producer": f"GAN Studio {ganstudio.__version__}",
            "ganstudio.spec": json.dumps(spec.to_json()),
            "ganstudio.output": ("pictures N x C x H x W in [-1, 1]" if spec.kind == "image"
                                 else "points N x 2"),
            "ganstudio.title": title}
    for key, value in meta.items():
        if value:
            entry = proto.metadata_props.add()
            entry.key, entry.value = key, value
    try:
        atomic_write_bytes(path, proto.SerializeToString())
    except OSError as e:
        raise OnnxExportError(f"cannot write {path}: {e.strerror or e}") from None
    diff = None
    if check and not missing_packages(check=True):
        say(2, 3, "Checking it against PyTorch")
        z = torch.randn(CHECK_SAMPLES, spec.latent_dim, generator=gen)
        y = torch.arange(CHECK_SAMPLES) % spec.num_classes if spec.conditional else None
        with torch.no_grad():
            ref = module(z, y).numpy()
        diff = float(np.abs(run_onnx(path, z.numpy(), None if y is None else y.numpy())
                            - ref).max())
    say(3, 3, "Done")
    return path, diff


def export_checkpoint(checkpoint, path, *, progress: Progress | None = None,
                      use_ema: bool = True) -> tuple[Path, float | None]:
    """A checkpoint's generator (averaged weights when there are) to ONNX."""
    from ganstudio.training.checkpoint import load_generator

    G, ckpt = load_generator(checkpoint, use_ema=use_ema)
    return export_generator(G, ckpt.spec, path, title=ckpt.meta.get("title", ""),
                            progress=progress)


def run_onnx(path, noise: np.ndarray, labels: np.ndarray | None = None) -> np.ndarray:
    """Samples from an exported file with onnxruntime on the CPU."""
    import onnxruntime as ort

    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    feeds = {"noise": np.ascontiguousarray(noise, dtype=np.float32)}
    if labels is not None:
        feeds["labels"] = np.ascontiguousarray(labels, dtype=np.int64)
    return session.run(["samples"], feeds)[0]

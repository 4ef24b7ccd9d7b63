"""Generators trained elsewhere: the classic PyTorch DCGAN example's ``netG.pth``.

That example saves ``netG.state_dict()`` with ``torch.save``: a state dict whose keys are
``main.0.weight``, ``main.1.weight`` ... for the layers of an ``nn.Sequential`` named ``main``:
ConvTranspose2d(nz, ngf*8, 4, 1, 0), BatchNorm2d, ReLU, then (ConvTranspose2d(4, 2, 1), BatchNorm2d,
ReLU) halving the channels down to ngf, and ConvTranspose2d(ngf, nc, 4, 2, 1), Tanh; no biases.
That is GAN Studio's DCGAN generator layer for layer (``models.networks.DCGANGenerator``: the
same ``Sequential``, named ``net``), so the weights are renamed and loaded strictly.

The file is read with ``torch.load(weights_only=True)``: PyTorch's restricted unpickler, which
builds tensors and plain containers and refuses anything else, so opening one never runs code.
What cannot be mapped is said in one line (``ForeignModelError``).
"""

from __future__ import annotations

import json
import os
import pickle
import warnings
import zipfile
from pathlib import Path

import torch

from ganstudio.config import ExperimentConfig
from ganstudio.models import ModelSpec
from ganstudio.training.checkpoint_data import Checkpoint, CheckpointError

SUFFIXES = (".pth", ".pt")
EXAMPLE = "the PyTorch DCGAN example"


class ForeignModelError(CheckpointError):
    """A file from elsewhere that GAN Studio cannot map onto one of its generators."""


class ForeignCheckpoint(Checkpoint):
    """A generator from elsewhere, as a generator-only checkpoint (for exploring and sampling;
    it cannot continue training: the discriminator and the optimisers are not in the file)."""

    def describe(self) -> str:
        return f"{self.spec.describe()}; a generator from {EXAMPLE}, its training not recorded"


def is_foreign(path) -> bool:
    return Path(path).suffix.lower() in SUFFIXES


def _read(path: Path) -> dict:
    name = path.name
    try:
        with warnings.catch_warnings():  # about pickle protocols: nothing the user can act on
            warnings.simplefilter("ignore")
            obj = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError:
        # weights_only refused something that is not a tensor: a pickled module or code
        raise ForeignModelError(f"{name} holds more than weights (a whole pickled model?); "
                                "GAN Studio opens only state dicts, saved with "
                                "torch.save(netG.state_dict(), ...), and never runs code from "
                                "a file") from None
    except (RuntimeError, EOFError, zipfile.BadZipFile, ValueError, OSError, AttributeError):
        raise ForeignModelError(f"{name} is not a PyTorch weights file, or it is damaged "
                                "(cut short?)") from None
    if not isinstance(obj, dict) or not obj or \
            not all(isinstance(k, str) and torch.is_tensor(v) for k, v in obj.items()):
        raise ForeignModelError(f"{name} is not a state dict (names to tensors); save the "
                                "generator with torch.save(netG.state_dict(), ...)")
    return obj


def _strip(state: dict) -> dict:
    """Drop a DataParallel wrapper's ``module.`` prefix."""
    if all(k.startswith("module.") for k in state):
        return {k[len("module."):]: v for k, v in state.items()}
    return state


def dcgan_spec(state: dict, name: str) -> tuple[ModelSpec, dict]:
    """(GAN Studio's spec for the example's layout, the weights renamed for it)."""
    state = _strip(state)
    if not any(k.startswith("main.") for k in state):
        some = ", ".join(sorted(state)[:3])
        raise ForeignModelError(f"{name} is not a generator of {EXAMPLE} (its weights are "
                                f"named main.0.weight ...; this file has {some} ...)")
    convs = []  # (index in main, weight) of the transposed convolutions, in order
    i = 0
    while f"main.{i}.weight" in state:
        w = state[f"main.{i}.weight"]
        if w.dim() != 4 or tuple(w.shape[2:]) != (4, 4):
            raise ForeignModelError(f"{name}: main.{i}.weight has shape {tuple(w.shape)}, not a "
                                    f"4 x 4 transposed convolution as in {EXAMPLE}")
        convs.append((i, w))
        i += 3  # convolution, batch norm, ReLU
    if len(convs) < 2:
        raise ForeignModelError(f"{name}: not the layer order of {EXAMPLE} (transposed "
                                "convolution, batch norm, ReLU, ... from main.0)")
    nz, ch0 = convs[0][1].shape[:2]
    levels = len(convs) - 1
    ngf = ch0 // 2 ** (levels - 1)
    nc = convs[-1][1].shape[1]
    want = [nz] + [ngf * 2 ** (levels - 1 - k) for k in range(levels)] + [nc]
    got = [convs[0][1].shape[0]] + [w.shape[1] for _, w in convs]
    if ngf < 1 or got != want or nc not in (1, 3):
        raise ForeignModelError(f"{name}: channels {' -> '.join(map(str, got))} do not halve "
                                f"from layer to layer down to 1 or 3 colours as in {EXAMPLE}")
    spec = ModelSpec(family="dcgan", kind="image", latent_dim=int(nz), g_width=int(ngf),
                     d_width=int(ngf), layers=2, channels=int(nc), image_size=4 * 2 ** levels)
    return spec, {"net." + k[len("main."):]: v for k, v in state.items()
                  if k.startswith("main.")} | {k: v for k, v in state.items()
                                               if not k.startswith("main.")}


def _config(spec: ModelSpec) -> ExperimentConfig:
    """Settings that describe the generator (the data it learnt is not in the file)."""
    cfg = ExperimentConfig()
    cfg.data.source = "folder"
    cfg.data.channels = spec.channels
    cfg.data.image_size = spec.image_size
    cfg.model.family = "dcgan"
    cfg.model.latent_dim = spec.latent_dim
    cfg.model.g_width = cfg.model.d_width = spec.g_width
    cfg.training.ema = 0.0
    return cfg


def load_foreign(path: str | os.PathLike) -> ForeignCheckpoint:
    """A ``netG.pth`` of the DCGAN example as a generator-only checkpoint; its weights load
    strictly into GAN Studio's DCGAN generator (``load_generator``), else one line says why."""
    from ganstudio.models import build_models

    path = Path(path).expanduser()
    if not path.is_file():
        raise ForeignModelError(f"no such file: {path}")
    spec, weights = dcgan_spec(_read(path), path.name)
    G, _ = build_models(spec)
    missing, unexpected = G.load_state_dict(weights, strict=False)
    missing = [k for k in missing if not k.endswith("num_batches_tracked")]  # older files
    if missing or unexpected:
        first = (f"{len(missing)} missing, e.g. {missing[0]}" if missing
                 else f"{len(unexpected)} left over, e.g. {unexpected[0]}")
        raise ForeignModelError(f"{path.name}: the weights do not fit the layout of {EXAMPLE} "
                                f"({first.replace('net.', 'main.')})")
    info = {"steps_done": 0, "elapsed": 0.0, "generator_only": True, "foreign": EXAMPLE}
    meta = {"title": f"{path.name}: {spec.describe()}, from {EXAMPLE}",
            "spec": json.dumps(spec.to_json()), "trainer": json.dumps(info)}
    tensors = {f"G.{k}": v for k, v in G.state_dict().items()}
    return ForeignCheckpoint(path, _config(spec), spec, info, tensors, meta)

"""Checkpoints: a whole run in one safetensors file.

Tensors: the weights of G, D and the EMA generator, the optimisers' moment estimates, the random
generators' states, the fixed sampling noise and the metric history. Metadata (plain strings): the
experiment config as TOML, the model spec and the rest of the trainer state as JSON.

safetensors holds only tensors and strings, so loading a file can never run code (no pickle).
Files are written to a temporary name and renamed, so a crash never leaves half a checkpoint.
"""

from __future__ import annotations

import datetime
import json
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from safetensors import safe_open
from safetensors.torch import save as st_save

import ganstudio
from ganstudio.errors import UserError
from ganstudio.config import ConfigError, ExperimentConfig, atomic_write_bytes
from ganstudio.models import ModelSpec, build_models
from ganstudio.training.history import History

FORMAT = "ganstudio-checkpoint"
FORMAT_VERSION = 1
SUFFIX = ".safetensors"


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

    def describe(self) -> str:
        return (f"{self.spec.describe()}; trained {self.steps_done:,} steps "
                f"({self.info.get('elapsed', 0):.0f} s) on {self.config.source_info.title}")


# --- optimiser state <-> flat tensors + JSON ---------------------------------------------------
def _flatten_optimizer(opt: torch.optim.Optimizer, prefix: str, tensors: dict) -> dict:
    sd = opt.state_dict()
    scalars: dict = {}
    for idx, entry in sd["state"].items():
        for key, value in entry.items():
            if torch.is_tensor(value):
                tensors[f"{prefix}.{idx}.{key}"] = value.detach().cpu().contiguous()
            else:
                scalars.setdefault(str(idx), {})[key] = value
    return {"param_groups": sd["param_groups"], "scalars": scalars}


def _unflatten_optimizer(info: dict, flat: dict[str, torch.Tensor]) -> dict:
    state: dict = {}
    for name, value in flat.items():
        idx, key = name.split(".", 1)
        state.setdefault(int(idx), {})[key] = value
    for idx, entry in info.get("scalars", {}).items():
        state.setdefault(int(idx), {}).update(entry)
    return {"state": state, "param_groups": info["param_groups"]}


def _module_tensors(module: torch.nn.Module, prefix: str, tensors: dict) -> None:
    for k, v in module.state_dict().items():
        tensors[f"{prefix}.{k}"] = v.detach().cpu().clone().contiguous()


# --- saving ------------------------------------------------------------------------------------
def save_checkpoint(trainer, path: str | os.PathLike, *, generator_only: bool = False,
                    title: str = "", demo: bool = False) -> Path:
    """Write the trainer's whole state to ``path`` (".safetensors" added if missing).

    ``generator_only``: only the sampling generator (EMA when there is one) and what describes
    it: a file a fraction of the size, for exploring and sharing, that cannot resume training.
    """
    path = Path(path).expanduser()
    if path.suffix != SUFFIX:
        path = path.with_name(path.name + SUFFIX)
    if generator_only:
        return _save_generator(trainer, path, title, demo)
    tensors: dict[str, torch.Tensor] = {}
    with trainer.lock:
        _module_tensors(trainer.G, "G", tensors)
        _module_tensors(trainer.D, "D", tensors)
        if trainer.ema is not None:
            _module_tensors(trainer.ema, "EMA", tensors)
        info = {
            "steps_done": trainer.steps_done,
            "elapsed": trainer.elapsed,
            "opt_g": _flatten_optimizer(trainer.opt_g, "opt_g", tensors),
            "opt_d": _flatten_optimizer(trainer.opt_d, "opt_d", tensors),
            "data": {},
        }
        tensors["rng.train"] = trainer.rng.get_state().cpu()
        for k, v in trainer.source.state_dict().items():
            if torch.is_tensor(v):
                tensors[f"data.{k}"] = v.cpu().contiguous()
            else:
                info["data"][k] = v
        tensors["fixed.z"] = trainer.fixed_z.contiguous()
        if trainer.fixed_y is not None:
            tensors["fixed.y"] = trainer.fixed_y.contiguous()
        for k, v in trainer.history.to_arrays().items():
            tensors[f"history.{k}"] = torch.from_numpy(np.ascontiguousarray(v))
        meta = _metadata(trainer, info)
    return atomic_write_bytes(path, st_save(tensors, metadata=meta))


def _save_generator(trainer, path: Path, title: str, demo: bool) -> Path:
    tensors: dict[str, torch.Tensor] = {}
    with trainer.lock:
        prefix = "EMA" if trainer.ema is not None else "G"
        _module_tensors(trainer.sampling_generator(), prefix, tensors)
        for k, v in trainer.history.to_arrays().items():
            tensors[f"history.{k}"] = torch.from_numpy(np.ascontiguousarray(v))
        info = {"steps_done": trainer.steps_done, "elapsed": trainer.elapsed,
                "generator_only": True, "demo": demo}
        meta = _metadata(trainer, info)
        if title:
            meta["title"] = title
    return atomic_write_bytes(path, st_save(tensors, metadata=meta))


def _metadata(trainer, info: dict) -> dict[str, str]:
    return {
        "format": FORMAT,
        "format_version": str(FORMAT_VERSION),
        "ganstudio_version": ganstudio.__version__,
        "torch_version": torch.__version__,
        "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "config": trainer.config.dumps(),
        "spec": json.dumps(trainer.spec.to_json()),
        "trainer": json.dumps(info),
    }


# --- loading -----------------------------------------------------------------------------------
def load_checkpoint(path: str | os.PathLike) -> Checkpoint:
    path = Path(path).expanduser()
    if not path.is_file():
        raise CheckpointError(f"no such checkpoint: {path}")
    try:
        with safe_open(str(path), framework="pt", device="cpu") as f:
            meta = f.metadata() or {}
            tensors = {k: f.get_tensor(k) for k in f.keys()}
    except Exception:  # safetensors raises several types on foreign or truncated files
        raise CheckpointError(f"{path.name} is not a GAN Studio checkpoint, or it is damaged "
                              "(cut short?)") from None
    if meta.get("format") != FORMAT:
        raise CheckpointError(f"{path.name} is a safetensors file, but not a GAN Studio "
                              "checkpoint")
    try:
        version = int(meta.get("format_version", "0"))
    except ValueError:
        version = 0
    if version > FORMAT_VERSION:
        raise CheckpointError(f"{path.name} was made by a newer GAN Studio "
                              f"({meta.get('ganstudio_version', '?')}); please update")
    try:
        config = ExperimentConfig.loads(meta["config"])
        spec = ModelSpec.from_json(json.loads(meta["spec"]))
        info = json.loads(meta["trainer"])
    except (KeyError, ValueError, TypeError, ConfigError) as e:
        raise CheckpointError(f"{path.name}: its settings are damaged ({e})") from None
    return Checkpoint(path, config, spec, info, tensors, meta)


def _load_module(module: torch.nn.Module, state: dict, what: str, path: Path) -> None:
    try:
        module.load_state_dict(state, strict=True)
    except RuntimeError:
        raise CheckpointError(f"{path.name}: the {what} weights do not fit the network they "
                              "claim to be (damaged file?)") from None


def load_generator(ckpt: Checkpoint | str | os.PathLike, *, use_ema: bool = True):
    """(generator on the CPU in eval mode, checkpoint), without reading the data set."""
    if not isinstance(ckpt, Checkpoint):
        ckpt = load_checkpoint(ckpt)
    G, _ = build_models(ckpt.spec)
    prefix = "EMA" if (use_ema and ckpt.has_ema) else "G"
    _load_module(G, ckpt.section(prefix), "generator", ckpt.path)
    return G.eval().requires_grad_(False), ckpt


def restore_trainer(trainer, ckpt: Checkpoint) -> None:
    """Put a checkpoint's state into a trainer whose networks have the same shape."""
    if ckpt.generator_only:
        raise CheckpointError(f"{ckpt.path.name} holds only a generator (for exploring); it "
                              "cannot continue training")
    if ckpt.spec != trainer.spec:
        raise CheckpointError(f"{ckpt.path.name} holds a {ckpt.spec.describe()}, but this "
                              f"experiment is a {trainer.spec.describe()}")
    with trainer.lock:
        _load_module(trainer.G, ckpt.section("G"), "generator", ckpt.path)
        _load_module(trainer.D, ckpt.section("D"), "discriminator", ckpt.path)
        if trainer.ema is not None:
            ema_state = ckpt.section("EMA") if ckpt.has_ema else ckpt.section("G")
            _load_module(trainer.ema, ema_state, "averaged generator", ckpt.path)
        info = ckpt.info
        for name in ("opt_g", "opt_d"):
            opt = getattr(trainer, name)
            try:
                opt.load_state_dict(_unflatten_optimizer(info[name], ckpt.section(name)))
            except (KeyError, ValueError, RuntimeError):
                raise CheckpointError(f"{ckpt.path.name}: the optimiser state is damaged, or is "
                                      "for another optimiser") from None
        # settings changed since (a new learning rate, say) win over the saved ones
        o = trainer.config.optimizer
        for opt, lr in ((trainer.opt_g, o.lr_g), (trainer.opt_d, o.lr_d)):
            for group in opt.param_groups:
                group["lr"] = lr
                if "betas" in group:
                    group["betas"] = (o.beta1, o.beta2)
                if "momentum" in group:
                    group["momentum"] = o.momentum
        trainer.rng.set_state(ckpt.tensors["rng.train"])
        data_state = dict(info.get("data", {}))
        data_state.update(ckpt.section("data"))
        try:
            trainer.source.load_state_dict(data_state)
        except (KeyError, TypeError, RuntimeError, ValueError):
            pass  # another data set of the same shape: start its order afresh
        trainer.fixed_z = ckpt.tensors["fixed.z"].clone()
        if "fixed.y" in ckpt.tensors:
            trainer.fixed_y = ckpt.tensors["fixed.y"].clone()
        trainer.steps_done = ckpt.steps_done
        trainer.elapsed = float(info.get("elapsed", 0.0))
        trainer.history = ckpt.history()
        trainer.history.truncate(trainer.steps_done)
        target = trainer.config.training.steps
        trainer.state = "finished" if target and trainer.steps_done >= target else "ready"
        trainer.message = ""

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
from pathlib import Path

import numpy as np
import torch
from safetensors import safe_open
from safetensors.torch import save as st_save

import ganstudio
from ganstudio.config import ConfigError, ExperimentConfig, atomic_write_bytes
from ganstudio.models import ModelSpec, build_models, standing_stats
from ganstudio.training.checkpoint_data import Checkpoint, CheckpointError  # noqa: F401
from ganstudio.training.foreign import load_foreign
from ganstudio.training.quality import quality_arrays
from ganstudio.training.step_errors import StateMismatch

FORMAT = "ganstudio-checkpoint"
FORMAT_VERSION = 1
SUFFIX = ".safetensors"


# --- optimiser state <-> flat tensors + JSON ---------------------------------------------------
def _flatten_optimizer(sd: dict, prefix: str, tensors: dict) -> dict:
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
    """Write the trainer's whole state (``Trainer.state_dict``) to ``path`` (".safetensors"
    added if missing).

    ``generator_only``: only the sampling generator (EMA when there is one) and what describes
    it: a file a fraction of the size, for exploring and sharing, that cannot resume training.
    """
    path = Path(path).expanduser()
    if path.suffix != SUFFIX:
        path = path.with_name(path.name + SUFFIX)
    if generator_only:
        return _save_generator(trainer, path, title, demo)
    with trainer.lock:
        state = trainer.state_dict()
        tensors: dict[str, torch.Tensor] = {}
        for name, prefix in (("G", "G"), ("D", "D"), ("EMA", "EMA")):
            if state[name] is not None:
                _put(tensors, prefix, state[name])
        info = {
            "steps_done": state["steps_done"],
            "elapsed": state["elapsed"],
            "opt_g": _flatten_optimizer(state["opt_g"], "opt_g", tensors),
            "opt_d": _flatten_optimizer(state["opt_d"], "opt_d", tensors),
            "data": {},
        }
        tensors["rng.train"] = state["rng"]
        for k, v in state["data"].items():
            if torch.is_tensor(v):
                tensors[f"data.{k}"] = v.cpu().contiguous()
            else:
                info["data"][k] = v
        tensors["fixed.z"] = state["fixed_z"].contiguous()
        if state["fixed_y"] is not None:
            tensors["fixed.y"] = state["fixed_y"].contiguous()
        _put_history(tensors, state["history"])
        _put_quality(tensors, info, state["quality"], state["alarms"])
        info["changes"] = state["changes"]
        if state.get("augment"):
            info["augment"] = state["augment"]  # adaptive augmentation's p
        meta = _metadata(trainer, info)  # under the lock: the config of the same moment
    return atomic_write_bytes(path, st_save(tensors, metadata=meta))


def _put(tensors: dict, prefix: str, state: dict[str, torch.Tensor]) -> None:
    for k, v in state.items():
        tensors[f"{prefix}.{k}"] = v.contiguous()


def _put_history(tensors: dict, arrays: dict) -> None:
    for k, v in arrays.items():
        tensors[f"history.{k}"] = torch.from_numpy(np.ascontiguousarray(v))


def _put_quality(tensors: dict, info: dict, arrays: dict, alarms: list) -> None:
    for k, v in arrays.items():
        tensors[f"quality.{k}"] = torch.from_numpy(np.ascontiguousarray(v))
    info["alarms"] = alarms


def _save_generator(trainer, path: Path, title: str, demo: bool) -> Path:
    tensors: dict[str, torch.Tensor] = {}
    with trainer.lock:
        prefix = "EMA" if trainer.ema is not None else "G"
        _module_tensors(trainer.sampling_generator(), prefix, tensors)
        _put_history(tensors, trainer.history.to_arrays())
        info = {"steps_done": trainer.steps_done, "elapsed": trainer.elapsed,
                "generator_only": True, "demo": demo}
        _put_quality(tensors, info, quality_arrays(trainer.quality_history),
                     [a.to_json() for a in trainer.alarms])
        info["changes"] = [c.to_json() for c in trainer.changes]
        meta = _metadata(trainer, info)
        if title:
            meta["title"] = title
    return atomic_write_bytes(path, st_save(tensors, metadata=meta))


def _metadata(trainer, info: dict) -> dict[str, str]:
    if trainer.ema is not None:  # saved through state_dict/sampling_generator: measured for it
        info["ema_statistics"] = "own"
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
    if path.suffix.lower() in (".pth", ".pt"):  # a generator from elsewhere (training/foreign)
        return load_foreign(path)
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
    if prefix == "EMA" and ckpt.info.get("ema_statistics") != "own":
        # written before the averaged generator kept batch-norm statistics of its own
        standing_stats.settle(G, ckpt.spec.latent_dim, ckpt.spec.num_classes)
    return G.eval().requires_grad_(False), ckpt


def trainer_state(ckpt: Checkpoint) -> dict:
    """The checkpoint as a ``Trainer.state_dict()``."""
    info = ckpt.info
    state: dict = {"G": ckpt.section("G"), "D": ckpt.section("D"),
                   "EMA": ckpt.section("EMA") if ckpt.has_ema else None}
    for name in ("opt_g", "opt_d"):
        try:
            state[name] = _unflatten_optimizer(info[name], ckpt.section(name))
        except (KeyError, ValueError, TypeError):
            raise CheckpointError(f"{ckpt.path.name}: the optimiser state is damaged") from None
    data_state = dict(info.get("data", {}))
    data_state.update(ckpt.section("data"))
    try:
        state.update(rng=ckpt.tensors["rng.train"], data=data_state,
                     fixed_z=ckpt.tensors["fixed.z"], fixed_y=ckpt.tensors.get("fixed.y"),
                     steps_done=ckpt.steps_done, elapsed=float(info.get("elapsed", 0.0)),
                     history={k: v.numpy() for k, v in ckpt.section("history").items()},
                     quality={k: v.numpy() for k, v in ckpt.section("quality").items()},
                     alarms=list(info.get("alarms") or []),
                     changes=list(info.get("changes") or []),
                     augment=info.get("augment"))
    except KeyError as e:
        raise CheckpointError(f"{ckpt.path.name}: part of the run is missing ({e}): damaged "
                              "file?") from None
    return state


def restore_trainer(trainer, ckpt: Checkpoint) -> None:
    """Put a checkpoint's state into a trainer whose networks have the same shape."""
    if ckpt.generator_only:
        raise CheckpointError(f"{ckpt.path.name} holds only a generator (for exploring); it "
                              "cannot continue training")
    if ckpt.spec != trainer.spec:
        raise CheckpointError(f"{ckpt.path.name} holds a {ckpt.spec.describe()}, but this "
                              f"experiment is a {trainer.spec.describe()}")
    try:
        trainer.load_state_dict(trainer_state(ckpt))
    except StateMismatch as e:
        hint = " (damaged file?)" if e.part != "optimiser" else ""
        raise CheckpointError(f"{ckpt.path.name}: {e}{hint}") from None

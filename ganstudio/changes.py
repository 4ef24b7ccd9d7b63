"""Settings changed while a run trains: which may change, and the record of each change.

GAN Lab lets its user change learning rates, the loss and the update counts while the game runs;
that is how a learner sees why a GAN collapses or recovers. Here every such change is a
``Change`` (the step it came after, the setting, the old and the new value): shown on the plots,
kept in the checkpoint and the run's folder, and held by an experiment file as ``[[changes]]``
so that ``ganstudio train --config`` replays a run steered by hand (training/steering.py applies
them). A setting that is part of the networks' shape or of the data cannot change mid-run:
``lock_reason`` says why, in words for the field's tooltip.

Plain data: no torch, no Qt.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# what may change between two steps; everything else is locked once a run has started
EDITABLE = (
    "optimizer.lr_g", "optimizer.lr_d", "optimizer.beta1", "optimizer.beta2",
    "optimizer.momentum", "optimizer.lr_decay", "optimizer.decay_start",
    "loss.name", "loss.gp_weight", "loss.r1_weight", "loss.r2_weight", "loss.clip",
    "loss.penalty_every", "loss.label_smoothing", "loss.instance_noise", "loss.diffaugment",
    "training.n_critic", "training.ema", "training.batch_size", "training.update",
    "training.steps", "training.stop_when_flat", "training.sample_every",
    "training.checkpoint_every",
)

_SHAPE = "is part of the networks: start a new run, or branch from a snapshot"
_LOCKED = {
    "model.latent_dim": f"the noise size {_SHAPE}",
    "model": f"the architecture {_SHAPE}",
    "data": "the data is read when the run starts: start a new run, or branch from a snapshot",
    "optimizer.name": "the optimiser keeps its own memory of past steps: start a new run, or "
                      "branch from a snapshot",
    "training.seed": "the seed chose the starting weights and the order of the data",
    "training.precision": "the number format is chosen when the run starts",
    "training.device": "the run's networks live on this device until it ends",
    "training.threads": "the threads are chosen when the run starts",
    "training.tensorboard": "TensorBoard logs are opened when the run starts",
    "training.quality_every": "live quality is set up when the run starts",
    "training.autosave_minutes": "autosaving is set up when the run starts",
    "training.snapshot_mb": "the timeline is set up when the run starts",
}


def editable(field: str) -> bool:
    return field in EDITABLE


def lock_reason(field: str) -> str:
    """Why ``field`` cannot change while a run trains ("" when it can)."""
    if editable(field):
        return ""
    return _LOCKED.get(field) or _LOCKED.get(field.split(".", 1)[0]) or \
        "it cannot change while the run trains"


def value_text(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, list):
        return ",".join(str(v) for v in value) or "none"
    return str(value)


@dataclass(frozen=True)
class Change:
    step: int  # applied after this many steps, before the next one
    field: str
    old: Any
    new: Any

    def text(self) -> str:
        """'step 2,400: optimizer.lr_d 0.0002 -> 3e-05'"""
        return (f"step {self.step:,}: {self.field} {value_text(self.old)} -> "
                f"{value_text(self.new)}")

    def to_json(self) -> dict:
        return {"step": self.step, "field": self.field, "old": self.old, "new": self.new}

    @classmethod
    def from_json(cls, d: dict) -> "Change":
        return cls(int(d["step"]), str(d["field"]), d.get("old"), d["new"])


def check_schedule(entries: Any, fields: dict) -> list[dict]:
    """An experiment file's ``[[changes]]``: a list of {step, field, value}, each value checked
    by its field (``fields``: config.FIELDS); refused with the entry named."""
    from ganstudio.config_fields import ConfigError

    if not isinstance(entries, list):
        raise ConfigError("[[changes]] must be a list of tables with step, field and value",
                          "changes")
    out = []
    for i, e in enumerate(entries, 1):
        where = f"change {i}"
        if not isinstance(e, dict) or not {"step", "field", "value"} <= set(e):
            raise ConfigError(f"{where} needs step, field and value", "changes")
        step, field = e["step"], e["field"]
        if isinstance(step, bool) or not isinstance(step, int) or step < 0:
            raise ConfigError(f"{where}: step must be a whole number, 0 or more", "changes")
        if field not in fields:
            raise ConfigError(f"{where}: no setting called {field!r}", "changes")
        if not editable(field):
            raise ConfigError(f"{where}: {field} cannot change mid-run ({lock_reason(field)})",
                              "changes")
        try:
            value = fields[field].check(e["value"])
        except ConfigError as err:
            raise ConfigError(f"{where}: {err}", "changes") from None
        out.append({"step": step, "field": field, "value": value})
    return sorted(out, key=lambda c: c["step"])  # stable: same step keeps the file's order

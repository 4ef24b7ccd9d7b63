"""Steering a run: a setting changed between two steps, checked, applied and recorded.

``check_edit`` refuses what cannot change (ganstudio/changes.py: a shape or the data), what is
out of range and what does not fit the rest (config problems, or a loss that needs another
discriminator), each in words naming the field; nothing changes then. ``apply_edit`` runs in the
training thread between two steps (the session's ``edit``): it sets the trainer's config, keeps
the optimisers' moments and gives them the new rates and betas, starts the averaged generator
if EMA is switched on, and appends a ``Change`` to ``trainer.changes`` (kept in checkpoints).
``due_changes`` gives an experiment file's ``[[changes]]`` that are due at the trainer's step,
so a run steered by hand replays exactly (the same weights on the CPU).
"""

from __future__ import annotations

import copy
from typing import Any

from ganstudio.changes import Change, editable, lock_reason
from ganstudio.config import FIELDS, ConfigError, ExperimentConfig
from ganstudio.models import make_spec


def check_edit(config: ExperimentConfig, field: str, value: Any, source=None,
               spec=None) -> tuple[ExperimentConfig, Any]:
    """The config with ``field`` set to ``value`` (checked) and the value as stored; raises
    ConfigError naming the field. With ``source`` and ``spec``, a change that would need
    networks of another shape (a loss that removes batch norm...) is refused too."""
    if field not in FIELDS:
        raise ConfigError(f"no setting called {field!r}", field)
    if not editable(field):
        raise ConfigError(f"{FIELDS[field].title} cannot change while the run trains: "
                          f"{lock_reason(field)}.", field)
    edited = config.copy()
    edited.set(field, value)  # type and range, or ConfigError naming the field
    problems = edited.problems()
    if problems:
        path, message = problems[0]
        raise ConfigError(message, field if path != field else path)
    if source is not None and spec is not None and make_spec(edited, source) != spec:
        raise ConfigError(f"{FIELDS[field].title} would need a discriminator of another "
                          "shape (batch normalisation): start a new run, or branch from a "
                          "snapshot with it.", field)
    return edited, edited.get(field)


def apply_edit(trainer, field: str, value: Any) -> Change:
    """Change one setting of a trainer between two steps; returns the recorded Change.
    Raises ConfigError (nothing changed) when it cannot change."""
    old = trainer.config.get(field)
    edited, new = check_edit(trainer.config, field, value, trainer.source, trainer.spec)
    change = Change(trainer.steps_done, field, copy.deepcopy(old), copy.deepcopy(new))
    with trainer.lock:
        trainer.config = edited
        _sync(trainer, field)
        trainer.changes.append(change)
    return change


def _sync(trainer, field: str) -> None:
    """What a new value changes beyond the config, which the step reads every time."""
    o = trainer.config.optimizer
    if field.startswith("optimizer."):
        for opt, lr in ((trainer.opt_g, o.lr_g), (trainer.opt_d, o.lr_d)):
            for group in opt.param_groups:  # the moments stay: only the step's settings move
                group["lr"] = lr  # (a schedule scales it again before the next step)
                if "betas" in group:
                    group["betas"] = (o.beta1, o.beta2)
                if "momentum" in group:
                    group["momentum"] = o.momentum
    elif field == "training.ema" and trainer.config.training.ema > 0 and trainer.ema is None:
        trainer.start_ema()


def due_changes(trainer) -> list[dict]:
    """The experiment's scheduled changes due now (after ``steps_done`` steps) that this run
    has not made yet."""
    step = trainer.steps_done
    made = [(c.step, c.field, c.new) for c in trainer.changes]
    due = []
    for entry in trainer.config.changes:
        key = (entry["step"], entry["field"], entry["value"])
        if entry["step"] == step and key not in made:
            due.append(entry)
    return due


def start_of(config: ExperimentConfig, changes: list[Change]) -> ExperimentConfig:
    """The settings a run started with: its config now, with its changes undone."""
    start = config.copy()
    for c in reversed(changes):
        start.set(c.field, c.old)
    return start


def schedule_of(start: ExperimentConfig, changes: list[Change]) -> ExperimentConfig:
    """An experiment that replays a steered run: the settings it started with and, as
    ``[[changes]]``, every change made (and any scheduled one still to come)."""
    replay = start.copy()
    made = [{"step": c.step, "field": c.field, "value": c.new} for c in changes]
    keys = {(c["step"], c["field"], str(c["value"])) for c in made}
    still = [c for c in start.changes if (c["step"], c["field"], str(c["value"])) not in keys]
    replay.changes = sorted(made + still, key=lambda c: c["step"])
    return replay

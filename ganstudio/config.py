"""The experiment config: one TOML file with [data], [model], [loss], [optimizer], [training].

Every field is declared once, with its default, type, allowed range or choices and a one-line help
text for non-programmers: below, except the stabilisers' fields of [loss] (gp_weight, r1_weight...),
which their entries in ganstudio.objectives declare. The TOML loader, the command line's ``--set``
and the GUI's panels all read these declarations, so a new option appears everywhere from one
declaration.

No torch and no Qt here: the config is plain data, cheap to import.
"""

from __future__ import annotations

import copy
import dataclasses
import difflib
import os
try:  # Python 3.11 and later
    import tomllib
except ModuleNotFoundError:  # Python 3.10: the same parser, as the tomli package
    import tomli as tomllib
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import tomli_w

from ganstudio import catalog, objectives
from ganstudio.atomic import atomic_write_bytes, atomic_write_text  # noqa: F401 (re-exported)
# how a field is declared and checked; ConfigError and FieldSpec are imported from here too
from ganstudio.config_fields import ConfigError, FieldSpec, option  # noqa: F401

SECTIONS = ("data", "model", "loss", "optimizer", "training")


def _source(cfg) -> catalog.SourceInfo:
    return catalog.SOURCES[cfg.data.source]


def _is_image(cfg) -> bool:
    return _source(cfg).kind == "image"


def _read_by_source(name: str) -> Callable[[Any], bool]:
    """``applies`` of a [data] setting: the chosen data set's entry lists it among its settings."""
    return lambda c: name in _source(c).settings


@dataclass
class DataConfig:
    source: str = option("ring", "Data set", "What the GAN learns to imitate.",
                         choices=catalog.SOURCES)
    root: str = option("", "Folder", "The folder the pictures (or the data set's files) are in.",
                       applies=_read_by_source("root"))
    download: bool = option(False, "Download if missing", "Fetch the data set from the internet "
                            "when it is not in the folder yet (needs a connection).",
                            applies=_read_by_source("download"))
    image_size: int = option(32, "Picture size", "Width and height of the pictures, in pixels. "
                             "Bigger is slower.", choices={32: "32 x 32", 64: "64 x 64",
                                                              128: "128 x 128"},
                             applies=_read_by_source("image_size"))
    channels: int = option(0, "Colours", "Train on colour or grey pictures.",
                           choices={0: "As the data", 1: "Grey", 3: "Colour"},
                           applies=_read_by_source("channels"))
    size: int = option(20000, "Pictures to draw", "How many pictures to draw for a drawn data "
                       "set.", minimum=10, maximum=500000, applies=_read_by_source("size"))
    limit: int = option(0, "Use at most", "Use at most this many pictures (0 = all of them).",
                        minimum=0, applies=_read_by_source("limit"))
    noise: float = option(0.05, "Spread", "How far points scatter around the shape.",
                          minimum=0.0, maximum=2.0, step=0.01, applies=_read_by_source("noise"))
    points: list = option([], "My points", "The points to imitate, as [x, y] pairs.",
                          applies=_read_by_source("points"))


@dataclass
class ModelConfig:
    family: str = option("mlp", "Architecture", "The kind of network for both players.",
                         choices=catalog.FAMILIES)
    latent_dim: int = option(16, "Noise size", "How many random numbers the generator turns "
                             "into each sample.", minimum=1, maximum=1024)
    g_width: int = option(256, "Generator width", "Neurons per layer (MLP) or channels of the "
                          "finest layer (DCGAN, residual). Wider learns more but is slower.",
                          minimum=4, maximum=4096)
    d_width: int = option(256, "Discriminator width", "Neurons per layer (MLP) or channels of "
                          "the finest layer (DCGAN, residual).", minimum=4, maximum=4096)
    layers: int = option(4, "Hidden layers", "Hidden layers in each MLP network.",
                         minimum=1, maximum=8, applies=lambda c: c.model.family == "mlp")
    conditional: bool = option(False, "Use labels", "Tell both networks the label (digit, kind "
                               "of shape...), so you can ask for a chosen kind.",
                               applies=lambda c: _source(c).num_classes != 0)
    spectral_norm: bool = option(False, "Spectral norm", "Keep the discriminator smooth by "
                                 "normalising its weights (Miyato et al. 2018).")
    d_norm: str = option("auto", "Discriminator normalisation", "How the discriminator's layers "
                         "are normalised (DCGAN).", choices=catalog.D_NORMS, advanced=True,
                         applies=lambda c: c.model.family == "dcgan")


def _stabiliser_field(s: objectives.Stabiliser) -> tuple:
    st = s.setting
    return (st.name, float, option(st.default, st.title, st.help, minimum=st.minimum,
                                   maximum=st.maximum, exclusive_minimum=st.exclusive_minimum,
                                   step=st.step, applies=s.applies))


def _lazy_penalty_on(c) -> bool:
    return any(s.lazy for s in objectives.stabilisers_on(c.loss))


# The stabilisers' fields are declared by their entries in ganstudio.objectives, in its order
LossConfig = dataclasses.make_dataclass("LossConfig", [
    ("name", str, option("nonsaturating", "Loss", "The game the two networks play.",
                         choices=catalog.LOSSES)),
    *(_stabiliser_field(s) for s in objectives.STABILISERS.values()),
    ("penalty_every", int, option(1, "Slope penalty every", "Compute the R1 / R2 penalty only "
                                  "every this many discriminator steps, this many times as "
                                  "strong: about the same effect in less time (StyleGAN2's "
                                  "lazy regularisation); 1 = every step.", minimum=1,
                                  maximum=64, advanced=True, applies=_lazy_penalty_on)),
    ("label_smoothing", float, option(0.0, "Label smoothing", "Aim the discriminator at this "
                                      "much less than 1 for real data (one-sided); 0 = off.",
                                      minimum=0.0, exclusive_maximum=0.5, step=0.05,
                                      applies=lambda c: objectives.LOSSES[c.loss.name]
                                      .probability)),
    ("instance_noise", float, option(0.0, "Instance noise", "Blur what the discriminator sees "
                                     "with this much noise, fading to none by the end; "
                                     "0 = off.", minimum=0.0, maximum=10.0, step=0.05)),
    ("diffaugment", list, option([], "DiffAugment", "Randomly alter every picture the "
                                 "discriminator sees, so it cannot memorise (Zhao et al. 2020).",
                                 choices=catalog.AUGMENTATIONS, applies=_is_image)),
    ("augment", str, option("fixed", "Augment", "Alter every picture the discriminator sees "
                            "(the DiffAugment kinds chosen), or only a share of them that grows "
                            "when the discriminator starts to memorise the pictures and shrinks "
                            "when it does not (adaptive, ADA: Karras et al. 2020; good for a few "
                            "hundred pictures; with no kind chosen it uses all three).",
                            choices={"fixed": "Every picture", "adaptive": "Adaptive (ADA)"},
                            applies=_is_image)),
    ("ada_target", float, option(0.6, "Adaptive target", "How sure of itself the discriminator "
                                 "may be before more pictures are altered: the share of "
                                 "real-generated pairs it may rank right, as 2 x share - 1 "
                                 "(0.6 = 80%).", exclusive_minimum=0.0, exclusive_maximum=1.0,
                                 step=0.05, advanced=True,
                                 applies=lambda c: c.loss.augment == "adaptive")),
], namespace={"__module__": __name__, "__doc__": "The [loss] section: the game and its "
                                                  "stabilisers."})


def _uses_optimizer_setting(name: str) -> Callable[[Any], bool]:
    return lambda c: name in catalog.OPTIMIZERS[c.optimizer.name].settings


@dataclass
class OptimizerConfig:
    name: str = option("adam", "Optimiser", "How the weights are updated.",
                       choices=catalog.OPTIMIZERS)
    lr_g: float = option(1e-3, "Generator learning rate", "How big the generator's steps are.",
                         exclusive_minimum=0.0, maximum=1.0, step=1e-5)
    lr_d: float = option(1e-3, "Discriminator learning rate", "How big the discriminator's "
                         "steps are. A different rate from the generator's is called TTUR.",
                         exclusive_minimum=0.0, maximum=1.0, step=1e-5)
    beta1: float = option(0.0, "Beta 1", "Adam's momentum: how much each step remembers the "
                          "previous ones.", minimum=0.0, exclusive_maximum=1.0, step=0.05,
                          applies=_uses_optimizer_setting("beta1"))
    beta2: float = option(0.99, "Beta 2", "How long Adam remembers the size of past gradients.",
                          minimum=0.0, exclusive_maximum=1.0, step=0.001, advanced=True,
                          applies=_uses_optimizer_setting("beta2"))
    momentum: float = option(0.0, "Momentum", "How much each step keeps of the previous one.",
                             minimum=0.0, exclusive_maximum=1.0, step=0.05,
                             applies=_uses_optimizer_setting("momentum"))
    lr_decay: str = option("none", "Learning-rate decay", "Lower both learning rates "
                           "towards 0 over the end of the run, so the generator settles: it "
                           "helps points in the plane (the ring and grid presets use it); on "
                           "pictures it measured worse. Needs a number of steps.", choices={
                               "none": "None (constant)", "linear": "Linear to 0",
                               "cosine": "Cosine to 0"}, advanced=True)
    decay_start: float = option(0.5, "Decay from", "The share of the run's steps after which "
                                "the learning rates start to fall (0.5 = the second half).",
                                minimum=0.0, exclusive_maximum=1.0, step=0.05, advanced=True,
                                applies=lambda cfg: cfg.optimizer.lr_decay != "none")


@dataclass
class TrainingConfig:
    batch_size: int = option(256, "Batch size", "Samples in each training step.",
                             minimum=1, maximum=65536)
    steps: int = option(7500, "Steps", "How many training steps to run (0 = until you stop "
                        "it).", minimum=0, maximum=100_000_000)
    seed: int = option(0, "Seed", "Makes a run repeatable: the same seed gives the same run.",
                       minimum=0, maximum=2**31 - 1)
    device: str = option("auto", "Run on", "Which chip does the work.", choices=catalog.DEVICES)
    n_critic: int = option(1, "Discriminator steps", "Discriminator updates per generator "
                           "update (5 is usual for Wasserstein losses).", minimum=1, maximum=50)
    update: str = option("both", "Train", "Which network learns in each step: both (the "
                         "game), or only one of them, to watch what the other does alone.",
                         choices={"both": "Both networks", "d": "Discriminator only",
                                  "g": "Generator only"}, advanced=True)
    ema: float = option(0.999, "Generator averaging (EMA)", "Samples come from a slowly moving "
                        "average of the generator's weights, which is smoother; 0 = off.",
                        minimum=0.0, exclusive_maximum=1.0, step=0.001)
    threads: int = option(0, "Processor threads", "How many processor threads training uses. "
                          "0 = automatic: measures which is fastest and adapts when other "
                          "programs get busy. Fix a number to repeat a run exactly.",
                          minimum=0, maximum=256, advanced=True)
    # "auto" since bf16 trained as well as 32-bit within the spread of 5 seeds on digits and on
    # fashion-mnist (benchmarks/README.md); it is 32-bit for the 2-D models on a processor
    precision: str = option("auto", "Precision", "The size of numbers the maths uses. "
                            "16-bit is up to twice as fast where the chip computes it natively; "
                            "32-bit repeats a run exactly.", choices=catalog.PRECISIONS,
                            advanced=True)
    quality_every: int = option(250, "Measure quality every", "Steps between live quality "
                                "measurements (clusters found, distance to the real pictures) "
                                "and health checks; measured less often when it would take "
                                "more than 4% of the time (0 = off).", minimum=0,
                                maximum=1_000_000, advanced=True)
    stop_when_flat: bool = option(False, "Stop when no longer improving", "End the run when "
                                  "its quality has not improved for a long stretch (the "
                                  "'No longer improving' notice).")
    sample_every: int = option(500, "Save samples every", "Steps between saved sample pictures "
                               "(command line and TensorBoard logs; 0 = only at the end).",
                               minimum=0, advanced=True)
    checkpoint_every: int = option(0, "Save checkpoint every", "Steps between saved checkpoints "
                                   "(0 = only at the end).", minimum=0, advanced=True)
    autosave_minutes: float = option(5.0, "Autosave every", "Minutes of training between "
                                     "automatic saves of the whole run, so a crash or a power cut "
                                     "loses at most this much (the newest two are kept; 0 = "
                                     "off).", minimum=0.0, maximum=1440.0, step=0.5,
                                     advanced=True)
    snapshot_mb: float = option(100.0, "Timeline snapshots", "Megabytes of the run's folder "
                                "for snapshots of the whole run (dense early, sparser later), "
                                "to look back at earlier steps and branch from them (0 = "
                                "none).", minimum=0.0, maximum=100_000.0, step=10.0,
                                advanced=True)
    adapt_to_data: bool = option(False, "Adapt to the pictures", "When the run starts, choose "
                                 "the networks' width, the steps, the batch, the augmentation "
                                 "and the penalty from how many pictures there are and their "
                                 "size (what the 'My pictures' preset does); the run's saved "
                                 "settings say what was chosen.", applies=_is_image)
    tensorboard: bool = option(False, "TensorBoard logs", "Also write the losses, quality "
                               "numbers and sample pictures as TensorBoard files in the run's "
                               "folder, to compare runs in TensorBoard. Written on this "
                               "computer only; needs the tensorboardX package.", advanced=True)


_SECTION_TYPES = dict(data=DataConfig, model=ModelConfig, loss=LossConfig,
                      optimizer=OptimizerConfig, training=TrainingConfig)


def _specs_of(section: str) -> list[FieldSpec]:
    cls = _SECTION_TYPES[section]
    hints = typing.get_type_hints(cls)
    out = []
    for f in dataclasses.fields(cls):
        m = f.metadata
        default = f.default if f.default is not dataclasses.MISSING else f.default_factory()
        out.append(FieldSpec(section, f.name, hints[f.name], default, m["title"],
                             m["description"], m["minimum"], m["maximum"],
                             m["exclusive_minimum"], m["exclusive_maximum"], m["choices"],
                             m["choice_titles"], m["applies"], m["advanced"], m["step"]))
    return out


FIELDS: dict[str, FieldSpec] = {s.path: s for sec in SECTIONS for s in _specs_of(sec)}


# settings of older versions: read (and checked) so old files still load, then ignored.
# training.amp (bool, graphics cards only) became training.precision; its default false was
# written into every saved file: false loads as the default, true as "auto".
_RETIRED = {"training.amp": FieldSpec("training", "amp", bool, False, "Mixed precision", "",
                                      None, None, None, None, None, None, None, True, None)}


def field_specs(section: str | None = None) -> list[FieldSpec]:
    return [s for s in FIELDS.values() if section is None or s.section == section]


def _unknown(kind: str, name: str, known: list[str]) -> ConfigError:
    close = difflib.get_close_matches(name, known, n=1)
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    return ConfigError(f"unknown {kind} '{name}'{hint}", name)


@dataclass
class ExperimentConfig:
    data: DataConfig = field(default_factory=DataConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    loss: LossConfig = field(default_factory=LossConfig)
    optimizer: OptimizerConfig = field(default_factory=OptimizerConfig)
    training: TrainingConfig = field(default_factory=TrainingConfig)
    # settings to change at given steps (ganstudio/changes.py): [{step, field, value}, ...]
    changes: list = field(default_factory=list)

    # --- reading and writing ------------------------------------------------------------------
    @classmethod
    def from_dict(cls, d: dict, *, check_problems: bool = True) -> "ExperimentConfig":
        """Build from plain data (a parsed TOML file); missing fields take their defaults."""
        if not isinstance(d, dict):
            raise ConfigError("an experiment must be a table of sections")
        cfg = cls()
        for section, values in d.items():
            if section == "changes":
                from ganstudio.changes import check_schedule

                cfg.changes = check_schedule(values, FIELDS)
                continue
            if section not in SECTIONS:
                raise _unknown("section", str(section), list(SECTIONS))
            if not isinstance(values, dict):
                raise ConfigError(f"[{section}] must be a section of settings", section)
            for name, value in values.items():
                path = f"{section}.{name}"
                if path in _RETIRED:
                    if _RETIRED[path].check(value) and "precision" not in values:
                        cfg.training.precision = "auto"  # amp = true asked for 16-bit
                    continue
                if path not in FIELDS:
                    raise _unknown("setting", path, list(FIELDS))
                setattr(getattr(cfg, section), name, FIELDS[path].check(value))
        if check_problems:
            cfg.raise_problems()
        return cfg

    def to_dict(self) -> dict:
        d = {sec: dataclasses.asdict(getattr(self, sec)) for sec in SECTIONS}
        if self.changes:
            d["changes"] = [dict(c) for c in self.changes]
        return d

    @classmethod
    def loads(cls, text: str) -> "ExperimentConfig":
        try:
            d = tomllib.loads(text)
        except tomllib.TOMLDecodeError as e:
            raise ConfigError(f"not a readable TOML file: {e}") from None
        return cls.from_dict(d)

    def dumps(self) -> str:
        return tomli_w.dumps(self.to_dict())

    @classmethod
    def load(cls, path: str | os.PathLike) -> "ExperimentConfig":
        p = Path(path).expanduser()
        try:
            text = p.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise ConfigError(f"no such file: {p}") from None
        except (OSError, UnicodeDecodeError) as e:
            raise ConfigError(f"cannot read {p}: {e}") from None
        try:
            return cls.loads(text)
        except ConfigError as e:
            raise ConfigError(f"{p.name}: {e}", e.field) from None

    def save(self, path: str | os.PathLike) -> Path:
        return atomic_write_text(Path(path).expanduser(), self.dumps())

    # --- fields by dotted name ----------------------------------------------------------------
    def get(self, path: str) -> Any:
        if path not in FIELDS:
            raise _unknown("setting", path, list(FIELDS))
        section, name = path.split(".", 1)
        return getattr(getattr(self, section), name)

    def set(self, path: str, value: Any) -> None:
        """Set one field, checking its type and range (not the cross-field problems)."""
        if path not in FIELDS:
            raise _unknown("setting", path, list(FIELDS))
        section, name = path.split(".", 1)
        setattr(getattr(self, section), name, FIELDS[path].check(value))

    def set_text(self, assignment: str) -> None:
        """Apply ``FIELD=VALUE`` as typed on the command line."""
        if "=" not in assignment:
            raise ConfigError(f"--set needs FIELD=VALUE, got {assignment!r}")
        path, text = assignment.split("=", 1)
        path = path.strip()
        if path not in FIELDS:
            raise _unknown("setting", path, list(FIELDS))
        spec = FIELDS[path]
        value = spec.parse(text)
        if path == "data.root":
            value = os.path.expanduser(value)
        self.set(path, value)

    def copy(self) -> "ExperimentConfig":
        return copy.deepcopy(self)

    # --- combinations -------------------------------------------------------------------------
    def problems(self) -> list[tuple[str, str]]:
        """Settings that are valid alone but not together, as (field, plain-words message)."""
        out: list[tuple[str, str]] = []
        src = catalog.SOURCES[self.data.source]
        if self.model.family == "dcgan" and src.kind != "image":
            out.append(("model.family", f"DCGAN makes pictures, but '{src.title}' is points in "
                        "the plane: choose MLP."))
        if self.model.family == "resnet" and src.kind != "image":
            out.append(("model.family", "The residual networks make pictures, but "
                        f"'{src.title}' is points in the plane: choose MLP."))
        if self.model.conditional and src.num_classes == 0:
            out.append(("model.conditional", f"'{src.title}' has no labels to use."))
        if src.needs_root and not self.data.root.strip():
            out.append(("data.root", f"Choose the folder that holds '{src.title}'."))
        if "points" in src.settings and not self.data.points:
            out.append(("data.points", "Place at least one point."))
        if self.loss.diffaugment and src.kind != "image":
            out.append(("loss.diffaugment", "DiffAugment works on pictures only."))
        if self.loss.augment == "adaptive" and src.kind != "image":
            out.append(("loss.augment", "Adaptive augmentation works on pictures only."))
        if self.loss.label_smoothing > 0 and not objectives.LOSSES[self.loss.name].probability:
            names = [c.title for c in objectives.LOSSES.values() if c.probability]
            out.append(("loss.label_smoothing", "Label smoothing needs a loss that scores real "
                        f"as 1 and fake as 0: {', '.join(names[:-1])} or {names[-1]}."))
        breaker = objectives.batchnorm_breaker(self.loss)
        if self.model.family == "dcgan" and self.model.d_norm == "batch" and breaker:
            out.append(("model.d_norm", "Batch normalisation mixes samples, which breaks "
                        f"{breaker.title}: choose Automatic or None."))
        return out

    def raise_problems(self) -> None:
        probs = self.problems()
        if probs:
            path, msg = probs[0]
            more = f" (and {len(probs) - 1} more)" if len(probs) > 1 else ""
            raise ConfigError(f"{path}: {msg}{more}", path)

    # --- derived values -----------------------------------------------------------------------
    @property
    def source_info(self) -> catalog.SourceInfo:
        return catalog.SOURCES[self.data.source]

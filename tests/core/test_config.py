"""The experiment config: defaults, help texts, TOML round trips, validation that names the field,
``--set`` parsing, invalid combinations, and the atomic file write."""

import os
from pathlib import Path

import pytest

from ganstudio import catalog, config, objectives
from ganstudio.config import FIELDS, ConfigError, ExperimentConfig, atomic_write_text

# A valid config in which every field differs from its default (and no combination is refused).
NON_DEFAULTS = {
    "data.source": "cifar10",
    "data.root": "/data/cifar",
    "data.download": True,
    "data.image_size": 64,
    "data.channels": 1,
    "data.size": 500,
    "data.limit": 100,
    "data.noise": 0.1,
    "data.points": [[0.5, -1.25], [3.0, 1e-5]],
    "model.family": "dcgan",
    "model.latent_dim": 100,
    "model.g_width": 64,
    "model.d_width": 32,
    "model.layers": 2,
    "model.conditional": True,
    "model.spectral_norm": True,
    "model.d_norm": "none",
    "loss.name": "lsgan",
    "loss.gp_weight": 5.0,
    "loss.clip": 0.05,
    "loss.r1_weight": 1e-5,
    "loss.penalty_every": 16,
    "loss.label_smoothing": 0.1,
    "loss.instance_noise": 0.3,
    "loss.diffaugment": ["color", "cutout"],
    "loss.augment": "adaptive",
    "loss.ada_target": 0.7,
    "optimizer.name": "rmsprop",
    "optimizer.lr_g": 1e-5,
    "optimizer.lr_d": 3.5e-4,
    "optimizer.beta1": 0.25,
    "optimizer.beta2": 0.95,
    "optimizer.momentum": 0.9,
    "optimizer.lr_decay": "cosine",
    "optimizer.decay_start": 0.7,
    "training.batch_size": 64,
    "training.steps": 1234,
    "training.seed": 42,
    "training.device": "cpu",
    "training.n_critic": 5,
    "training.update": "d",
    "training.ema": 0.0,
    "training.precision": "fp32",
    "training.threads": 3,
    "training.sample_every": 100,
    "training.checkpoint_every": 1000,
    "training.autosave_minutes": 2.5,
    "training.snapshot_mb": 20.0,
    "training.quality_every": 100,
    "training.stop_when_flat": True,
    "training.tensorboard": True,
    "training.adapt_to_data": True,
}
# the fields a stabiliser entry of ganstudio.objectives declares and that are not listed above:
# half the default, or a quarter where the default is 0 (off)
for _s in objectives.STABILISERS.values():
    _path = f"loss.{_s.setting.name}"
    if _path not in NON_DEFAULTS:
        NON_DEFAULTS[_path] = _s.setting.default / 2 if _s.setting.default else 0.25


def non_default_config() -> ExperimentConfig:
    cfg = ExperimentConfig()
    for path, value in NON_DEFAULTS.items():
        cfg.set(path, value)
    cfg.raise_problems()
    return cfg


def error_of(text: str) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        ExperimentConfig.loads(text)
    return info.value


# --- defaults, titles, help -------------------------------------------------------------------

def test_default_config_has_no_problems():
    cfg = ExperimentConfig()
    assert cfg.problems() == []
    cfg.raise_problems()  # does not raise


@pytest.mark.parametrize("path", sorted(FIELDS))
def test_every_default_passes_its_own_check(path):
    spec = FIELDS[path]
    assert spec.check(spec.default) == spec.default
    assert ExperimentConfig().get(path) == spec.default


@pytest.mark.parametrize("path", sorted(FIELDS))
def test_every_field_has_a_title_and_help_text(path):
    spec = FIELDS[path]
    assert spec.title.strip() and spec.help.strip()


def test_non_default_values_cover_every_field():
    assert set(NON_DEFAULTS) == set(FIELDS)
    defaults = ExperimentConfig()
    for path, value in NON_DEFAULTS.items():
        assert value != defaults.get(path), path


# --- TOML round trips --------------------------------------------------------------------------

def test_default_config_survives_dumps_and_loads():
    cfg = ExperimentConfig()
    assert ExperimentConfig.loads(cfg.dumps()).to_dict() == cfg.to_dict()


def test_every_changed_field_survives_dumps_and_loads():
    cfg = non_default_config()
    again = ExperimentConfig.loads(cfg.dumps())
    assert again.to_dict() == cfg.to_dict()
    assert again == cfg


def test_save_and_load_through_a_file(tmp_path):
    cfg = non_default_config()
    path = cfg.save(tmp_path / "sub" / "exp.toml")  # creates the folder
    assert path.exists()
    assert ExperimentConfig.load(path).to_dict() == cfg.to_dict()


def test_small_floats_survive_exactly(tmp_path):
    cfg = ExperimentConfig()
    cfg.optimizer.lr_g = 1e-5
    cfg.optimizer.lr_d = 3.0000000000000004e-4  # not representable in fewer digits
    cfg.loss.r1_weight = 1e-7
    cfg.save(tmp_path / "exp.toml")
    again = ExperimentConfig.load(tmp_path / "exp.toml")
    assert again.optimizer.lr_g == 1e-5
    assert again.optimizer.lr_d == 3.0000000000000004e-4
    assert again.loss.r1_weight == 1e-7


def test_missing_fields_and_sections_take_defaults():
    cfg = ExperimentConfig.loads("[training]\nsteps = 10\n")
    expected = ExperimentConfig()
    expected.training.steps = 10
    assert cfg == expected


def test_load_of_a_missing_file_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="no such file"):
        ExperimentConfig.load(tmp_path / "nope.toml")


def test_unreadable_toml_is_a_config_error():
    with pytest.raises(ConfigError, match="not a readable TOML"):
        ExperimentConfig.loads("[training\nsteps = ")


# --- errors that name the field ----------------------------------------------------------------

def test_negative_learning_rate_message_is_exact():
    err = error_of("[optimizer]\nlr_g = -0.001\n")
    assert str(err) == "optimizer.lr_g must be > 0, got -0.001"
    assert err.field == "optimizer.lr_g"


def test_negative_learning_rate_in_a_file_names_file_and_field(tmp_path):
    path = tmp_path / "exp.toml"
    path.write_text("[optimizer]\nlr_g = -0.001\n", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        ExperimentConfig.load(path)
    assert str(info.value) == "exp.toml: optimizer.lr_g must be > 0, got -0.001"
    assert info.value.field == "optimizer.lr_g"


def test_misspelt_setting_is_named_with_a_suggestion():
    err = error_of('[data]\nsorce = "ring"\n')
    assert "data.sorce" in str(err)
    assert "did you mean 'data.source'" in str(err)
    assert err.field == "data.sorce"


def test_unknown_section_is_named_with_a_suggestion():
    err = error_of("[trainig]\nsteps = 5\n")
    assert "trainig" in str(err) and "training" in str(err)
    assert err.field == "trainig"


def test_a_section_that_is_not_a_table_is_refused():
    err = error_of("data = 3\n")
    assert err.field == "data"


@pytest.mark.parametrize("toml, field", [
    ('[training]\nsteps = "many"', "training.steps"),  # text for a whole number
    ("[training]\nbatch_size = 12.5", "training.batch_size"),  # not whole
    ("[training]\nseed = true", "training.seed"),  # a bool is not a number here
    ("[optimizer]\nlr_d = true", "optimizer.lr_d"),
    ('[optimizer]\nlr_d = "fast"', "optimizer.lr_d"),
    ("[optimizer]\nlr_g = nan", "optimizer.lr_g"),
    ("[optimizer]\nlr_g = inf", "optimizer.lr_g"),
    ("[loss]\ngp_weight = -inf", "loss.gp_weight"),
    ("[training]\nsteps = nan", "training.steps"),
    ("[training]\nsteps = inf", "training.steps"),
    ("[training]\namp = 1", "training.amp"),  # 1 is not true
    ("[data]\nsource = 5", "data.source"),
    ('[loss]\ndiffaugment = "color"', "loss.diffaugment"),  # not a list
    ("[data]\npoints = [[0, 0, 0]]", "data.points"),  # not a pair
    ('[data]\npoints = [[0, "a"]]', "data.points"),
    ("[data]\npoints = [[0, nan]]", "data.points"),
    ("[data]\npoints = [[0, true]]", "data.points"),
])
def test_wrong_types_are_refused_naming_the_field(toml, field):
    assert error_of(toml).field == field


def test_huge_whole_number_for_a_float_field_is_a_config_error():
    # TOML allows any number of digits; converting 1e400 to a float overflows
    assert error_of("[optimizer]\nlr_g = 1" + "0" * 400).field == "optimizer.lr_g"
    assert error_of("[data]\npoints = [[1" + "0" * 400 + ", 0]]").field == "data.points"


def test_whole_float_for_an_int_field_is_accepted_as_int():
    cfg = ExperimentConfig.loads("[training]\nsteps = 300.0\n")
    assert cfg.training.steps == 300 and type(cfg.training.steps) is int


def test_int_for_a_float_field_is_accepted_as_float():
    cfg = ExperimentConfig.loads("[loss]\ngp_weight = 5\n")
    assert cfg.loss.gp_weight == 5.0 and type(cfg.loss.gp_weight) is float


@pytest.mark.parametrize("toml, field, words", [
    ("[training]\nbatch_size = 0", "training.batch_size", ">= 1"),
    ("[training]\nseed = -1", "training.seed", ">= 0"),
    ("[model]\nlatent_dim = 5000", "model.latent_dim", "<= 1024"),
    ("[optimizer]\nlr_d = 0.0", "optimizer.lr_d", "> 0"),
    ("[optimizer]\nbeta1 = 1.0", "optimizer.beta1", "< 1"),
    ("[training]\nema = 1.0", "training.ema", "< 1"),
    ("[loss]\nlabel_smoothing = 0.5", "loss.label_smoothing", "< 0.5"),
    ("[loss]\nclip = 0.0", "loss.clip", "> 0"),
])
def test_out_of_range_values_are_refused_naming_the_field(toml, field, words):
    err = error_of(toml)
    assert err.field == field
    assert str(err).startswith(field) and words in str(err)


@pytest.mark.parametrize("toml, field", [
    ('[data]\nsource = "rings"', "data.source"),
    ("[data]\nimage_size = 48", "data.image_size"),
    ("[data]\nchannels = 2", "data.channels"),
    ('[loss]\nname = "wasserstein"', "loss.name"),
    ('[optimizer]\nname = "adagrad"', "optimizer.name"),
    ('[training]\ndevice = "tpu"', "training.device"),
    ('[model]\nfamily = "resnet"', "model.family"),
    ('[loss]\ndiffaugment = ["color", "blur"]', "loss.diffaugment"),
])
def test_bad_choices_are_refused_naming_the_field(toml, field):
    err = error_of(toml)
    assert err.field == field
    assert field in str(err)


def test_repeated_augmentations_are_kept_once_in_order():
    cfg = ExperimentConfig.loads('[data]\nsource = "shapes"\n'
                                 '[loss]\ndiffaugment = ["cutout", "color", "cutout"]\n')
    assert cfg.loss.diffaugment == ["cutout", "color"]


# --- set_text (the command line's --set) -------------------------------------------------------

def test_set_text_parses_whole_numbers_and_floats():
    cfg = ExperimentConfig()
    cfg.set_text("training.steps=250")
    cfg.set_text(" training.batch_size = 64 ")
    cfg.set_text("optimizer.lr_g=1e-5")
    cfg.set_text("loss.gp_weight=5")
    assert cfg.training.steps == 250 and type(cfg.training.steps) is int
    assert cfg.training.batch_size == 64
    assert cfg.optimizer.lr_g == 1e-5
    assert cfg.loss.gp_weight == 5.0 and type(cfg.loss.gp_weight) is float


@pytest.mark.parametrize("text, value", [
    ("true", True), ("True", True), ("yes", True), ("on", True), ("1", True), ("YES", True),
    ("false", False), ("no", False), ("off", False), ("0", False), ("Off", False),
])
def test_set_text_parses_yes_and_no(text, value):
    cfg = ExperimentConfig()
    cfg.model.spectral_norm = not value
    cfg.set_text(f"model.spectral_norm={text}")
    assert cfg.model.spectral_norm is value


def test_set_text_parses_comma_lists_and_toml_lists():
    cfg = ExperimentConfig()
    cfg.set_text("loss.diffaugment=color, translation")
    assert cfg.loss.diffaugment == ["color", "translation"]
    cfg.set_text('loss.diffaugment=["cutout"]')
    assert cfg.loss.diffaugment == ["cutout"]
    cfg.set_text("loss.diffaugment=")
    assert cfg.loss.diffaugment == []


def test_set_text_parses_points():
    cfg = ExperimentConfig()
    cfg.set_text("data.points=[[0,0],[1,1]]")
    assert cfg.data.points == [[0.0, 0.0], [1.0, 1.0]]
    cfg.set_text("data.points=[[-0.5, 2.25]]")
    assert cfg.data.points == [[-0.5, 2.25]]


def test_set_text_keeps_text_and_choices():
    cfg = ExperimentConfig()
    cfg.set_text("data.source=grid")
    cfg.set_text("data.image_size=64")
    assert cfg.data.source == "grid" and cfg.data.image_size == 64


def test_set_text_expands_home_in_data_root(monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))
    cfg = ExperimentConfig()
    cfg.set_text("data.root=~/pictures")
    assert cfg.data.root == str(tmp_path / "pictures")
    assert "~" not in cfg.data.root


def test_set_text_value_may_contain_an_equals_sign():
    cfg = ExperimentConfig()
    cfg.set_text("data.root=/data/a=b")
    assert cfg.data.root == "/data/a=b"


@pytest.mark.parametrize("assignment, field", [
    ("training.steps", None),  # no "="
    ("training.steps=abc", "training.steps"),
    ("training.steps=1.5", "training.steps"),
    ("training.steps=-3", "training.steps"),
    ("optimizer.lr_g=fast", "optimizer.lr_g"),
    ("optimizer.lr_g=nan", "optimizer.lr_g"),
    ("optimizer.lr_g=1e400", "optimizer.lr_g"),
    ("model.spectral_norm=maybe", "model.spectral_norm"),
    ("loss.diffaugment=color,blur", "loss.diffaugment"),
    ("data.points=[[0,0]", "data.points"),  # unreadable
    ("data.points=0,0", "data.points"),  # not pairs
    ("data.source=rings", "data.source"),
    ("data.sorce=ring", "data.sorce"),
])
def test_set_text_refuses_bad_input(assignment, field):
    cfg = ExperimentConfig()
    before = cfg.to_dict()
    with pytest.raises(ConfigError) as info:
        cfg.set_text(assignment)
    assert info.value.field == field
    assert cfg.to_dict() == before  # nothing changed


def test_set_text_suggests_the_right_name():
    with pytest.raises(ConfigError, match="did you mean 'data.source'"):
        ExperimentConfig().set_text("data.sorce=ring")


# --- combinations that do not work together ----------------------------------------------------

def _problem_fields(**values):
    cfg = ExperimentConfig()
    for path, value in values.items():
        cfg.set(path.replace("__", "."), value)
    return [f for f, _ in cfg.problems()]


@pytest.mark.parametrize("values, field", [
    (dict(data__source="ring", model__family="dcgan"), "model.family"),
    (dict(data__source="grid", model__conditional=True), "model.conditional"),
    (dict(data__source="folder", data__root="   "), "data.root"),
    (dict(data__source="cifar10"), "data.root"),
    (dict(data__source="points"), "data.points"),
    (dict(data__source="moons", loss__diffaugment=["color"]), "loss.diffaugment"),
    (dict(loss__name="wgan", loss__label_smoothing=0.1), "loss.label_smoothing"),
    (dict(loss__name="wgan-gp", loss__label_smoothing=0.1), "loss.label_smoothing"),
    (dict(loss__name="hinge", loss__label_smoothing=0.1), "loss.label_smoothing"),
    (dict(data__source="shapes", model__family="dcgan", model__d_norm="batch",
          loss__name="wgan-gp", loss__r1_weight=0.0), "model.d_norm"),
    (dict(data__source="shapes", model__family="dcgan", model__d_norm="batch",
          loss__r1_weight=1.0), "model.d_norm"),
])
def test_problems_name_the_field(values, field):
    assert _problem_fields(**values) == [field]


@pytest.mark.parametrize("values", [
    dict(data__source="shapes", model__family="dcgan"),
    dict(data__source="digits", model__conditional=True),
    dict(data__source="folder", data__root="/pics", model__conditional=True),
    dict(data__source="points", data__points=[[0, 0]]),
    dict(data__source="shapes", loss__diffaugment=["translation"]),
    dict(loss__name="minimax", loss__label_smoothing=0.1),
    dict(loss__name="lsgan", loss__label_smoothing=0.1),
    dict(data__source="shapes", model__family="dcgan", model__d_norm="batch",
         loss__r1_weight=0.0),
    dict(data__source="shapes", model__family="dcgan", loss__name="wgan-gp"),  # auto is fine
    dict(model__d_norm="batch", loss__name="wgan-gp"),  # MLP: d_norm does not apply
])
def test_valid_combinations_have_no_problems(values):
    assert _problem_fields(**values) == []


def test_several_problems_are_all_listed():
    fields = _problem_fields(data__source="ring", model__family="dcgan",
                             model__conditional=True)
    assert fields == ["model.family", "model.conditional"]


def test_raise_problems_names_the_first_field_and_counts_the_rest():
    cfg = ExperimentConfig()
    cfg.model.family = "dcgan"
    cfg.model.conditional = True
    with pytest.raises(ConfigError) as info:
        cfg.raise_problems()
    assert info.value.field == "model.family"
    assert "DCGAN" in str(info.value) and "1 more" in str(info.value)


def test_from_dict_and_loads_refuse_problems_naming_the_field():
    with pytest.raises(ConfigError) as info:
        ExperimentConfig.from_dict({"data": {"source": "points"}})
    assert info.value.field == "data.points"
    err = error_of('[data]\nsource = "ring"\n[model]\nfamily = "dcgan"\n')
    assert err.field == "model.family"


def test_from_dict_can_skip_the_problem_check():
    cfg = ExperimentConfig.from_dict({"data": {"source": "points"}}, check_problems=False)
    assert cfg.data.source == "points"
    assert cfg.problems()


def test_from_dict_refuses_what_is_not_a_table():
    with pytest.raises(ConfigError):
        ExperimentConfig.from_dict(["data"])


# --- which fields apply ------------------------------------------------------------------------

def _cfg(**values):
    cfg = ExperimentConfig()
    for path, value in values.items():
        cfg.set(path.replace("__", "."), value)
    return cfg


def test_gradient_penalty_weight_applies_only_to_wgan_gp():
    spec = FIELDS["loss.gp_weight"]
    assert spec.applies_to(_cfg(loss__name="wgan-gp"))
    for name in ("minimax", "nonsaturating", "lsgan", "wgan", "hinge"):
        assert not spec.applies_to(_cfg(loss__name=name)), name


def test_weight_clip_applies_only_to_wgan():
    spec = FIELDS["loss.clip"]
    assert spec.applies_to(_cfg(loss__name="wgan"))
    assert not spec.applies_to(_cfg(loss__name="wgan-gp"))


def test_data_root_applies_to_sources_read_from_disk():
    spec = FIELDS["data.root"]
    for source in ("folder", "mnist", "cifar10"):
        assert spec.applies_to(_cfg(data__source=source)), source
    for source in ("ring", "grid", "shapes", "digits"):
        assert not spec.applies_to(_cfg(data__source=source)), source


def test_picture_fields_apply_only_to_pictures():
    for path in ("data.image_size", "data.channels", "loss.diffaugment"):
        assert FIELDS[path].applies_to(_cfg(data__source="shapes")), path
        assert not FIELDS[path].applies_to(_cfg(data__source="ring")), path


def test_fields_without_a_condition_always_apply():
    assert FIELDS["training.steps"].applies_to(ExperimentConfig())
    assert FIELDS["loss.name"].applies_to(_cfg(data__source="shapes"))


# --- stable names (the product's promise to users and scripts) ---------------------------------

STABLE_FIELDS = ["data.source", "data.root", "data.image_size", "data.channels", "model.family",
                 "model.latent_dim", "loss.name", "optimizer.name", "optimizer.lr_g",
                 "optimizer.lr_d", "training.batch_size", "training.steps", "training.seed",
                 "training.device"]


@pytest.mark.parametrize("path", STABLE_FIELDS)
def test_stable_field_names_exist(path):
    assert path in FIELDS
    ExperimentConfig().get(path)  # readable by name


@pytest.mark.parametrize("path, ids", [
    ("data.source", ["ring", "grid", "spiral", "moons", "circles", "points", "shapes", "digits",
                     "folder", "fashion-mnist", "mnist-5k", "mnist", "cifar10"]),
    ("model.family", ["mlp", "dcgan"]),
    ("loss.name", ["minimax", "nonsaturating", "lsgan", "wgan", "wgan-gp", "hinge"]),
    ("optimizer.name", ["adam", "rmsprop", "sgd"]),
])
def test_stable_choice_ids_are_accepted(path, ids):
    spec = FIELDS[path]
    assert set(ids) <= set(spec.choices)
    for choice in ids:
        assert spec.title_of(choice) and spec.title_of(choice) != choice
        assert spec.help_of(choice)


def test_every_choice_has_a_title_and_help_text():
    for table in (catalog.SOURCES, catalog.FAMILIES, catalog.LOSSES, catalog.OPTIMIZERS,
                  catalog.AUGMENTATIONS, catalog.DEVICES, catalog.D_NORMS):
        for key, choice in table.items():
            assert choice.id == key
            assert choice.title.strip() and choice.help.strip()


def test_sources_of_kind_splits_points_from_pictures():
    assert set(catalog.sources_of_kind("2d")) == {"ring", "grid", "spiral", "moons", "circles",
                                                   "points"}
    assert "shapes" in catalog.sources_of_kind("image")
    assert set(catalog.sources_of_kind("2d")).isdisjoint(catalog.sources_of_kind("image"))


def test_get_and_set_by_dotted_name():
    cfg = ExperimentConfig()
    cfg.set("training.steps", 77)
    assert cfg.get("training.steps") == 77 == cfg.training.steps
    with pytest.raises(ConfigError) as info:
        cfg.set("training.stepz", 1)
    assert info.value.field == "training.stepz"
    with pytest.raises(ConfigError):
        cfg.get("nothing.here")


def test_copy_is_independent():
    cfg = ExperimentConfig()
    other = cfg.copy()
    other.loss.diffaugment.append("color")
    other.data.points.append([1.0, 2.0])
    assert cfg.loss.diffaugment == [] and cfg.data.points == []


def test_list_defaults_are_not_shared_between_configs():
    a, b = ExperimentConfig(), ExperimentConfig()
    a.data.points.append([0.0, 0.0])
    assert b.data.points == []


# --- the atomic write --------------------------------------------------------------------------

def test_atomic_write_replaces_the_file_and_leaves_no_temp_file(tmp_path):
    path = tmp_path / "exp.toml"
    path.write_text("old", encoding="utf-8")
    atomic_write_text(path, "new text")
    assert path.read_text(encoding="utf-8") == "new text"
    assert os.listdir(tmp_path) == ["exp.toml"]


def test_atomic_write_gives_new_files_the_usual_permissions_and_keeps_old_ones(tmp_path):
    fresh = atomic_write_text(tmp_path / "new.toml", "x")
    plain = tmp_path / "plain.toml"
    plain.write_text("x", encoding="utf-8")  # what any other program would have made
    assert fresh.stat().st_mode & 0o777 == plain.stat().st_mode & 0o777 != 0o600
    kept = tmp_path / "private.toml"
    kept.write_text("old", encoding="utf-8")
    kept.chmod(0o640)
    atomic_write_text(kept, "new")
    assert kept.stat().st_mode & 0o777 == 0o640


def test_atomic_write_keeps_the_old_file_when_the_rename_fails(tmp_path, monkeypatch):
    path = tmp_path / "exp.toml"
    path.write_text("old", encoding="utf-8")

    def fail(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(config.os, "replace", fail)
    with pytest.raises(OSError, match="disk full"):
        atomic_write_text(path, "new")
    monkeypatch.undo()
    assert path.read_text(encoding="utf-8") == "old"
    assert os.listdir(tmp_path) == ["exp.toml"]


def test_atomic_write_keeps_the_old_file_when_the_write_fails(tmp_path, monkeypatch):
    path = tmp_path / "exp.toml"
    path.write_text("old", encoding="utf-8")

    def fail(fd):
        raise OSError("write failed")

    monkeypatch.setattr(config.os, "fsync", fail)
    with pytest.raises(OSError, match="write failed"):
        non_default_config().save(path)
    monkeypatch.undo()
    assert path.read_text(encoding="utf-8") == "old"
    assert os.listdir(tmp_path) == ["exp.toml"]


def test_save_returns_the_path_and_expands_home(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    written = ExperimentConfig().save("~/exp.toml")
    assert Path(written) == tmp_path / "exp.toml"
    assert (tmp_path / "exp.toml").is_file()
    assert ExperimentConfig.load("~/exp.toml") == ExperimentConfig()


@pytest.mark.parametrize("old, new", [("true", "auto"),
                                      ("false", ExperimentConfig().training.precision)])
def test_files_with_the_retired_amp_setting_still_load(old, new):
    cfg = ExperimentConfig.loads(f"[training]\namp = {old}\n")
    assert cfg.training.precision == new
    assert "amp" not in cfg.to_dict()["training"]

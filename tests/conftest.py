"""Test configuration: Qt runs offscreen; tiny experiment configs for fast tests."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("GANSTUDIO_SETTINGS_SCOPE", "tests")  # keep the user's QSettings untouched

import pytest  # noqa: E402

from ganstudio.config import ExperimentConfig  # noqa: E402


def tiny_config(source: str = "ring", **overrides) -> ExperimentConfig:
    """A small, fast experiment: a narrow MLP on points, or a narrow DCGAN on few pictures."""
    cfg = ExperimentConfig()
    cfg.data.source = source
    cfg.training.batch_size = 32
    cfg.training.steps = 20
    cfg.training.threads = 1  # fixed: runs repeat exactly (see training/threads.py)
    cfg.model.latent_dim = 8
    if cfg.source_info.kind == "image":
        cfg.model.family = "dcgan"
        cfg.model.g_width = cfg.model.d_width = 8
        cfg.data.size = 96
    else:
        cfg.model.g_width = cfg.model.d_width = 32
    for path, value in overrides.items():
        cfg.set(path.replace("__", "."), value)
    return cfg


@pytest.fixture
def make_config():
    return tiny_config

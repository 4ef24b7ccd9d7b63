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
    # 32-bit: the same numbers on every processor (bf16 is tested on its own, where it is on)
    cfg.training.precision = "fp32"
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


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    """Each test gets its own cache of real pictures' features (never the user's)."""
    monkeypatch.setenv("GANSTUDIO_CACHE_DIR", str(tmp_path / "feature-cache"))


@pytest.fixture(autouse=True)
def no_internet(monkeypatch):
    """Tests never reach the internet: a connection to anywhere but this machine fails at once,
    as it does offline. (The download tests replace torchvision's data set classes by fakes;
    this makes sure nothing slips past them.)"""
    import socket

    real_connect = socket.socket.connect

    def connect(self, address):
        host = address[0] if isinstance(address, tuple) else address
        if isinstance(host, str) and host not in ("127.0.0.1", "::1", "localhost") \
                and self.family in (socket.AF_INET, socket.AF_INET6):
            raise OSError(f"tests may not use the internet (tried {host})")
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", connect)


@pytest.fixture
def make_config():
    return tiny_config


def collapse_generator(trainer) -> int:
    """Make a 2-D run's generator (and its average) draw every sample at the first cluster, and
    unable to learn out of it: a mode collapse made on purpose. Returns the step it was done at."""
    import torch

    for G in (trainer.G, trainer.ema):
        last = [m for m in G.modules() if isinstance(m, torch.nn.Linear)][-1]
        with torch.no_grad():
            last.weight.zero_()
            last.bias.copy_(trainer.source.means[0].to(last.bias))
    trainer.config.optimizer.lr_decay = "none"  # a schedule would set the rate back each step
    for group in trainer.opt_g.param_groups:
        group["lr"] = 0.0
    return trainer.steps_done

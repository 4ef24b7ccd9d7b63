"""Checkpoints: exact resume, atomic writes, safe loading, clear errors."""

import json
import struct

import pytest
import torch
from safetensors.torch import save_file

from ganstudio.training import Trainer, train
from ganstudio.training import checkpoint as ck
from ganstudio.training.checkpoint import CheckpointError, load_checkpoint, load_generator
from tests.conftest import tiny_config


@pytest.mark.parametrize("cfg", [
    tiny_config("ring"),
    tiny_config("digits", model__conditional=True, loss__diffaugment=["color", "cutout"],
                loss__instance_noise=0.2, training__n_critic=2),
    tiny_config("grid", loss__name="wgan-gp", optimizer__name="rmsprop"),
], ids=["ring", "digits-conditional-augmented", "grid-wgan-gp"])
def test_resuming_from_a_checkpoint_continues_the_same_trajectory(cfg, tmp_path):
    straight = Trainer(cfg)
    train(straight, 12)

    first = Trainer(cfg)
    train(first, 6)
    path = first.save_checkpoint(tmp_path / "half")
    assert path.name == "half.safetensors"
    resumed = Trainer.from_checkpoint(path)
    assert resumed.steps_done == 6 and len(resumed.history) == 6
    train(resumed, 6)

    assert resumed.history.column("d_loss").tolist() == straight.history.column("d_loss").tolist()
    assert resumed.history.column("g_loss").tolist() == straight.history.column("g_loss").tolist()
    for a, b in zip(straight.G.state_dict().values(), resumed.G.state_dict().values()):
        assert torch.equal(a, b)
    # the averaged generator as samples are drawn from it (its batch-norm statistics measured)
    for a, b in zip(straight.sampling_generator().state_dict().values(),
                    resumed.sampling_generator().state_dict().values()):
        assert torch.equal(a, b)


def test_the_file_is_plain_safetensors_with_the_config_inside(tmp_path):
    t = Trainer(tiny_config())
    train(t, 2)
    path = t.save_checkpoint(tmp_path / "run.safetensors")
    raw = path.read_bytes()
    header_len = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8:8 + header_len])
    assert header["__metadata__"]["format"] == "ganstudio-checkpoint"
    assert "[training]" in header["__metadata__"]["config"]
    ckpt = load_checkpoint(path)
    assert ckpt.config.to_dict() == t.config.to_dict()
    assert ckpt.steps_done == 2


def test_writing_is_atomic_and_a_failed_write_keeps_the_old_checkpoint(tmp_path, monkeypatch):
    t = Trainer(tiny_config())
    t.step()
    path = t.save_checkpoint(tmp_path / "c.safetensors")
    before = path.read_bytes()
    t.step()

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(ck, "st_save", broken)
    with pytest.raises(OSError):
        t.save_checkpoint(path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["c.safetensors"]  # no temp files left


def test_generator_loads_without_the_data_and_samples_like_the_trainer(tmp_path):
    t = Trainer(tiny_config("digits", model__conditional=True))
    train(t, 3)
    path = t.save_checkpoint(tmp_path / "d")
    G, ckpt = load_generator(path)
    z = torch.randn(6, t.spec.latent_dim)
    y = torch.arange(6) % 10
    assert torch.equal(G(z, y), t.sample(z, y))
    assert ckpt.spec.label_names == tuple(str(i) for i in range(10))
    raw, _ = load_generator(path, use_ema=False)
    assert torch.equal(raw(z, y), t.sample(z, y, use_ema=False))


def test_resume_with_a_new_learning_rate_uses_it(tmp_path):
    t = Trainer(tiny_config())
    t.step()
    path = t.save_checkpoint(tmp_path / "c")
    cfg = t.config.copy()
    cfg.optimizer.lr_g = 1e-5
    resumed = Trainer.from_checkpoint(path, config=cfg)
    assert resumed.opt_g.param_groups[0]["lr"] == 1e-5


def test_a_checkpoint_of_another_architecture_is_refused_in_one_line(tmp_path):
    t = Trainer(tiny_config("digits"))
    path = t.save_checkpoint(tmp_path / "dcgan")
    other = Trainer(tiny_config("ring"))
    with pytest.raises(CheckpointError) as err:
        other.load_state(load_checkpoint(path))
    msg = str(err.value)
    assert "DCGAN" in msg and "MLP" in msg and "\n" not in msg


def test_a_truncated_checkpoint_is_refused(tmp_path):
    t = Trainer(tiny_config())
    path = t.save_checkpoint(tmp_path / "c")
    data = path.read_bytes()
    cut = tmp_path / "cut.safetensors"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(CheckpointError, match="damaged"):
        load_checkpoint(cut)


def test_foreign_files_are_refused_with_a_plain_message(tmp_path):
    junk = tmp_path / "photo.safetensors"
    junk.write_bytes(b"\x89PNG not a checkpoint at all")
    with pytest.raises(CheckpointError, match="not a GAN Studio checkpoint"):
        load_checkpoint(junk)
    other = tmp_path / "other.safetensors"
    save_file({"w": torch.zeros(3)}, str(other))
    with pytest.raises(CheckpointError, match="safetensors file, but not a GAN Studio"):
        load_checkpoint(other)
    with pytest.raises(CheckpointError, match="no such checkpoint"):
        load_checkpoint(tmp_path / "missing.safetensors")


def test_a_pickle_file_is_never_executed(tmp_path):
    import pickle

    class Boom:
        def __reduce__(self):
            return (open, (str(tmp_path / "pwned"), "w"))

    evil = tmp_path / "evil.safetensors"
    evil.write_bytes(pickle.dumps(Boom()))
    with pytest.raises(CheckpointError):
        load_checkpoint(evil)
    assert not (tmp_path / "pwned").exists()

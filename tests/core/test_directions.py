"""Directions found (SeFa) and taught (tagged samples): what they are, saved beside the
checkpoint and reopened with it, from the command line, and bad input said in words."""

import numpy as np
import pytest
import torch

from ganstudio.cli import main
from ganstudio.errors import UserError
from ganstudio.explore import direction_files
from ganstudio.explore.directions import (Direction, first_layer, hold_fixed, sefa, strips,
                                          teach)
from ganstudio.explore.exploration import Exploration
from ganstudio.models import ModelSpec, build_models
from ganstudio.paths import resources_dir
from ganstudio.training import Trainer
from tests.conftest import tiny_config

FASHION = resources_dir() / "demos" / "fashion-mnist.safetensors"


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    """A tiny conditional DCGAN checkpoint in a folder of the user's (writable)."""
    t = Trainer(tiny_config("digits", model__conditional=True))
    return t.save_checkpoint(tmp_path_factory.mktemp("ckpt") / "digits")


@pytest.fixture(autouse=True)
def _data_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("GANSTUDIO_DATA_DIR", str(tmp_path / "appdata"))


def planted(n=40, dim=16, seed=0, rule=lambda z: z[:, 3] > 0):
    z = torch.randn(n, dim, generator=torch.Generator().manual_seed(seed))
    keep = rule(z)
    return z[keep], z[~keep]


def unit(i, dim=16):
    return torch.eye(dim)[i]


# --- SeFa ---------------------------------------------------------------------------------
@pytest.mark.parametrize("family,kind,conditional", [("dcgan", "image", True),
                                                     ("mlp", "2d", False),
                                                     ("mlp", "image", True)])
def test_sefa_directions_are_orthonormal_eigenvectors_of_the_first_layer(family, kind,
                                                                         conditional):
    spec = ModelSpec(kind=kind, family=family, latent_dim=12, g_width=16, d_width=16, layers=2,
                     image_size=32 if kind == "image" else 0, channels=1 if kind == "image"
                     else 0, num_classes=3 if conditional else 0)
    G, _ = build_models(spec)
    d = sefa(G, 12)
    V = d.vectors.double()
    assert V.shape == (12, 12)
    assert torch.allclose(V @ V.T, torch.eye(12, dtype=torch.float64), atol=1e-5)
    # A, measured: the first layer's response to each noise number alone (label held at none)
    first = next(m for m in G.modules() if isinstance(m, (torch.nn.Linear,
                                                          torch.nn.ConvTranspose2d)))
    with torch.no_grad():
        x = torch.zeros(13, 12 + spec.num_classes)
        x[1:, :12] = torch.eye(12)
        if isinstance(first, torch.nn.ConvTranspose2d):
            x = x[:, :, None, None]
        out = first(x).reshape(13, -1).double()
    A = (out[1:] - out[0]).T  # bias taken off: (outputs, 12)
    assert torch.allclose(first_layer(G, 12), A, atol=1e-5)
    values, _ = torch.linalg.eigh(A.T @ A)
    values = values.flip(0)
    for v, lam in zip(V, values):  # each is an eigenvector, largest eigenvalue first
        assert torch.allclose(A.T @ A @ v, lam * v, atol=1e-4 * float(values[0]))
    assert torch.allclose(d.explained.double(), values / values.sum(), atol=1e-5)
    assert (d.explained[:-1] >= d.explained[1:] - 1e-7).all()


def test_sefa_is_a_slider_mode_named_by_share(checkpoint):
    ex = Exploration.from_checkpoint(checkpoint)
    ex.set_mode("sefa")
    names = ex.slider_names()
    assert len(names) == 8 and names[0][0] == "SeFa 1" and "%" in names[0][1]
    z = ex.raw_z.clone()
    ex.values[0] += 1.0  # the first slider moves the point along SeFa 1
    assert torch.allclose(ex.raw_z - z, sefa(ex.G, 8).vectors[0], atol=1e-5)


def test_a_generator_without_a_first_layer_on_the_noise_is_said_in_words():
    G = torch.nn.Sequential(torch.nn.Linear(4, 8))  # takes 4 numbers, the noise has 12
    with pytest.raises(UserError, match="first layer takes the noise"):
        first_layer(G, 12)


# --- taught -------------------------------------------------------------------------------
def test_a_taught_direction_recovers_a_planted_rule():
    has, lacks = planted()
    taught = teach("rule", has, lacks)
    v = taught.direction.vector
    assert abs(float(v.norm()) - 1) < 1e-5
    assert float(v @ unit(3)) > 0.85  # toward "has it": z[3] > 0
    assert taught.separated == taught.tags == 40
    assert taught.direction.details["has"] == len(has)
    assert 0.5 < taught.direction.details["accuracy"] <= 1


def test_holding_a_direction_fixed_makes_the_taught_one_orthogonal_to_it():
    has, lacks = planted(n=50, rule=lambda z: z[:, 3] + z[:, 5] > 0)
    free = teach("both", has, lacks).direction.vector
    assert float(free @ unit(3)) > 0.5 and float(free @ unit(5)) > 0.5
    held = Direction("three", "taught", unit(3))
    v = teach("five alone", has, lacks, hold=held).direction.vector
    assert abs(float(v @ unit(3))) < 1e-6
    assert float(v @ unit(5)) > 0.85
    assert abs(float(v.norm()) - 1) < 1e-5
    assert torch.allclose(hold_fixed(free, unit(3)), v, atol=1e-6)


@pytest.mark.parametrize("has,lacks,message", [
    (2, 10, "too few tags"),
    (10, 0, "every tag is on one side"),
    (0, 10, "every tag is on one side"),
])
def test_too_few_tags_or_all_on_one_side_are_refused_in_words(has, lacks, message):
    z = torch.randn(20, 16)
    with pytest.raises(UserError, match=message):
        teach("x", z[:has], z[10:10 + lacks])


def test_other_bad_teaching_is_refused_in_words():
    has, lacks = planted()
    with pytest.raises(UserError, match="give the direction a name"):
        teach("   ", has, lacks)
    with pytest.raises(UserError, match="tagged both"):
        teach("x", has, torch.cat([lacks, has[:1]]))
    with pytest.raises(UserError, match="16 numbers"):
        teach("x", has, lacks[:, :8], hold=Direction("h", "taught", unit(1)))
    with pytest.raises(UserError, match="same as the one taught"):
        hold_fixed(unit(3), -unit(3))


# --- saved beside the checkpoint ----------------------------------------------------------
def test_taught_directions_are_saved_beside_the_checkpoint_and_reopened_with_it(checkpoint):
    has, lacks = planted(dim=8)
    taught = teach("thick strokes", has, lacks).direction
    path, replaced = direction_files.add(checkpoint, taught, 8)
    assert path == checkpoint.with_name("digits.directions.safetensors") and not replaced
    ex = Exploration.from_checkpoint(checkpoint)
    [back] = ex.taught
    assert back.name == "thick strokes" and back.kind == "taught"
    assert torch.equal(back.vector, taught.vector) and back.details == taught.details
    ex.set_mode("chosen")  # the sliders of "directions you chose or taught": the taught one
    assert [n for n, _ in ex.slider_names()] == ["thick strokes"]
    before = ex.picture()
    ex.values[0] = 3.0
    assert not np.array_equal(ex.picture(), before)
    # teaching again under the same name replaces it; another name is added
    again = teach("Thick  strokes", lacks, has).direction
    assert direction_files.add(checkpoint, again, 8)[1]
    direction_files.add(checkpoint, Direction("SeFa 1", "sefa", sefa(ex.G, 8).vectors[0],
                                              0.3), 8)
    names = [d.name for d in direction_files.load_for(checkpoint, 8)]
    assert names == ["Thick strokes", "SeFa 1"]
    # the run folder's newest checkpoint is never the directions file
    from ganstudio.training.autosave import newest_checkpoint

    assert newest_checkpoint(checkpoint.parent) == checkpoint


def test_info_and_directions_list_the_saved_directions(checkpoint, capsys, tmp_path):
    has, lacks = planted(dim=8, seed=4)
    direction_files.add(checkpoint, teach("round", has, lacks).direction, 8)
    assert main(["info", str(checkpoint)]) == 0
    out = capsys.readouterr().out
    assert "Directions:" in out and "round: taught from" in out
    strip = tmp_path / "strips.png"
    assert main(["directions", str(checkpoint), "--top", "3", "--strip", str(strip)]) == 0
    out = capsys.readouterr().out
    assert "round" in out and "SeFa 3" in out and "% of the change" in out
    from PIL import Image

    assert Image.open(strip).height > 4 * 96  # one row per direction: 1 saved + 3 found


def test_teach_from_the_command_line_with_seeds_and_noise_files(checkpoint, capsys,
                                                                tmp_path):
    ex = Exploration.from_checkpoint(checkpoint)
    seeds = range(40)
    z = torch.stack([ex.z_for_seed(s) for s in seeds])
    has = [str(s) for s in seeds if z[s, 2] > 0]
    lacks = [s for s in seeds if z[s, 2] <= 0]
    np.save(tmp_path / "lacks.npy", z[lacks[3:]].numpy())
    code = main(["teach", str(checkpoint), "third number", "--label", "1", "--has", *has,
                 "--lacks", ",".join(map(str, lacks[:3])), str(tmp_path / "lacks.npy")])
    assert code == 0, capsys.readouterr().err
    out = capsys.readouterr().out
    assert "Taught 'third number'" in out
    saved = {d.name: d for d in direction_files.load_for(checkpoint, 8)}
    v = saved["third number"].vector
    assert float(v[2]) == float(v.abs().max()) and saved["third number"].details["label"] == 1
    grid = tmp_path / "grid.png"
    assert main(["teach", str(checkpoint), "--grid", str(grid), "--seeds", "0-15"]) == 0
    assert grid.is_file()


def test_strips_start_from_a_found_picture_and_labels_go_by_name(checkpoint, tmp_path, capsys):
    """The done-when path: a picture found by ``ganstudio project --save-noise`` is where the
    strips start (its noise, not seed 0's), and --label takes the label's name as ``project``
    does."""
    from PIL import Image

    ex = Exploration.from_checkpoint(checkpoint)
    np.save(tmp_path / "found.npy", (3 * ex.z_for_seed(7)).numpy())  # far from seed 0
    np.save(tmp_path / "zero.npy", ex.z_for_seed(0).numpy())  # seed 0's noise, as a file
    strips = []
    for start in ("0", str(tmp_path / "found.npy"), str(tmp_path / "zero.npy")):
        out = tmp_path / f"s{len(strips)}.png"
        assert main(["directions", str(checkpoint), "--top", "2", "--strip", str(out),
                     "--seed", start, "--label", "7"]) == 0, capsys.readouterr().err
        strips.append(np.asarray(Image.open(out).convert("L"), dtype=float)[40:])  # no caption
    seed0, found, zero = strips
    assert np.array_equal(seed0, zero)  # the file's noise is where the strips start...
    assert not np.array_equal(seed0, found)  # ...so another noise draws other strips
    assert main(["directions", str(checkpoint), "--strip", str(tmp_path / "x.png"), "--seed",
                 str(tmp_path / "found.npy"), "--label", "seven"]) == 2
    assert "neither a number nor one of the labels" in capsys.readouterr().err


@pytest.mark.parametrize("args,expected", [
    (["teach", "{ckpt}", "x", "--has", "1", "2", "3", "--lacks", "4", "x5"],
     "'x5' is neither a seed"),
    (["teach", "{ckpt}", "x", "--has", "1", "2", "--lacks", "4", "5", "6"], "too few tags"),
    (["teach", "{ckpt}", "x", "--has", "1-5"], "every tag is on one side"),
    (["teach", "{ckpt}", "--has", "1-5"], "name the direction"),
    (["teach", "{ckpt}", "x", "--has", "1-5", "--lacks", "6-9", "--hold", "nothing"],
     "no direction named 'nothing'"),
    (["teach", "{ckpt}", "x", "--has", "{tmp}/missing.npy", "--lacks", "6-9"],
     "no such noise file"),
    (["teach", "{ckpt}", "x", "--has", "{tmp}/bad.npy", "--lacks", "6-9"],
     "this model takes 8 numbers per sample"),
    (["teach", "{ckpt}", "x", "--label", "12", "--has", "1-5", "--lacks", "6-9"],
     "--label must be between 0 and 9"),
    (["directions", "{ckpt}", "--remove", "nothing"], "no saved direction is named"),
    (["directions", "{ckpt}", "--strip", "{tmp}/x.jpg"], "written as .png"),
    (["teach", "{ckpt}", "x", "--has", "1-5", "{tmp}/nan.npy", "--lacks", "6-9"],
     "nan.npy holds numbers that are not finite"),
    (["directions", "{tmp}/bad.npy"], "not a GAN Studio checkpoint"),
])
def test_bad_input_exits_2_with_one_plain_line(checkpoint, tmp_path, capsys, args, expected):
    np.save(tmp_path / "bad.npy", np.zeros((3, 5)))
    np.save(tmp_path / "nan.npy", np.full((2, 8), np.nan))
    argv = [a.format(ckpt=checkpoint, tmp=tmp_path) for a in args]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert expected in err and len(err.splitlines()) == 1, err


def test_a_damaged_or_foreign_directions_file_is_said_but_never_stops_opening(checkpoint,
                                                                            tmp_path, capsys):
    import shutil

    ckpt = tmp_path / "copy.safetensors"
    shutil.copy(checkpoint, ckpt)
    direction_files.beside(ckpt).write_bytes(b"not safetensors at all")
    assert Exploration.from_checkpoint(ckpt).taught == []  # opens all the same
    assert main(["directions", str(ckpt)]) == 2
    assert "not a file of directions, or it is damaged" in capsys.readouterr().err
    direction_files.write(direction_files.beside(ckpt), [Direction("x", "taught", unit(1))], 16)
    with pytest.raises(UserError, match="noise of 16 numbers; this model's has 8"):
        direction_files.load_for(ckpt, 8)


def test_a_bundled_demo_keeps_its_directions_in_the_app_data_folder(tmp_path):
    before = sorted(p.name for p in FASHION.parent.iterdir())
    ex = Exploration.from_checkpoint(FASHION)
    has, lacks = planted(dim=64, seed=1)
    path, _ = direction_files.add(FASHION, teach("wide", has, lacks).direction, 64)
    assert path.is_relative_to(tmp_path / "appdata" / "directions")
    assert sorted(p.name for p in FASHION.parent.iterdir()) == before  # nothing bundled changed
    from ganstudio.explore.demos import list_demos

    assert all("directions" not in p for _, p in list_demos())
    assert [d.name for d in Exploration.from_checkpoint(FASHION).taught] == ["wide"]
    assert ex.taught == []  # the one opened before did not have it


def test_strips_show_the_slider_from_minus_3_to_3(checkpoint):
    ex = Exploration.from_checkpoint(checkpoint)
    d = Direction("first", "taught", unit(0, 8))
    [strip] = strips(ex, [d], steps=5)
    assert strip.shape[1] == 5 * 33 + 1  # five 32-px pictures, 1 px apart
    from ganstudio.explore.directions import strip_noise

    zs = strip_noise(ex, d.vector, 5)
    assert torch.allclose(zs[:, 0], torch.tensor([-3.0, -1.5, 0.0, 1.5, 3.0]))
    assert torch.allclose(zs[:, 1:], ex.raw_z[1:].expand(5, -1))


@pytest.mark.parametrize("command", ["directions", "teach"])
def test_the_commands_have_help(command, capsys):
    with pytest.raises(SystemExit) as e:
        main([command, "--help"])
    assert e.value.code == 0 and f"usage: ganstudio {command}" in capsys.readouterr().out

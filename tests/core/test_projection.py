"""Find this picture (explore/projection.py, explore/target_picture.py, ganstudio project): a
picture the model made is found back; cancel stops; bad pictures are one sentence and exit 2."""

import struct
import threading
import zlib

import numpy as np
import pytest
import torch
from PIL import Image

from ganstudio.cli import main
from ganstudio.errors import UserError
from ganstudio.explore.exploration import Exploration
from ganstudio.explore.projection import (ProjectionCancelled, ProjectionSettings, nearest_noise,
                                          project)
from ganstudio.explore.target_picture import BadPicture, load_target
from ganstudio.export import to_uint8_images
from ganstudio.paths import resources_dir
from ganstudio.training.checkpoint import load_generator

DEMOS = resources_dir() / "demos"
FASHION = DEMOS / "fashion-mnist.safetensors"
RING = DEMOS / "ring.safetensors"
FAST = {"steps": 60, "restarts": 2, "candidates": 128}


def exploration(path) -> Exploration:
    G, ckpt = load_generator(path)
    return Exploration(G, ckpt.spec, ckpt.path.name, config=ckpt.config)


@pytest.fixture(scope="module")
def fashion():
    torch.set_num_threads(1)
    return exploration(FASHION)


def own_picture(ex, seed: int, label: int) -> np.ndarray:
    z = torch.randn(1, ex.spec.latent_dim, generator=torch.Generator().manual_seed(seed))
    with torch.no_grad():
        return to_uint8_images(ex.G(z, torch.tensor([label])))[0]


def huge_png(path, width=40_000, height=40_000):
    """A PNG whose header says width x height (its pixels are not there): what a reader must
    refuse before decoding."""
    def chunk(kind, data):
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr)
                     + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b""))
    return path


def cut_short(path):
    noise = (np.random.default_rng(0).random((64, 64, 3)) * 255).astype(np.uint8)
    Image.fromarray(noise).save(path)
    path.write_bytes(path.read_bytes()[:2000])


# --- finding ----------------------------------------------------------------------------------
def test_a_picture_the_model_made_is_found_back_with_its_label(fashion):
    target = own_picture(fashion, 10_003, label=1)  # trousers
    r = project(fashion, target, ProjectionSettings(**FAST))
    assert r.psnr >= 25, r.summary()
    assert r.label == 1 and r.label_name == "Trouser"
    assert r.picture.shape == (32, 32, 3) and r.picture.dtype == np.uint8
    assert r.feature_distance is not None and r.feature_distance < 0.2
    # the noise found makes the picture reported, and stays in the typical shell
    with torch.no_grad():
        again = to_uint8_images(fashion.G(torch.from_numpy(r.z)[None], torch.tensor([1])))[0]
    assert np.array_equal(np.repeat(again, 3, -1), r.picture)
    assert abs(np.linalg.norm(r.z) - 8.0) <= 2.2
    # refining helped: the best starting point alone is far less close
    start = project(fashion, target, ProjectionSettings(**{**FAST, "steps": 0}))
    assert r.psnr > start.psnr + 5


def test_a_grey_target_given_in_colour_and_larger_is_converted(fashion, tmp_path):
    target = own_picture(fashion, 10_001, label=1)[..., 0]  # trousers
    big = Image.fromarray(target).resize((128, 128), Image.Resampling.NEAREST).convert("RGB")
    big.save(tmp_path / "trousers.jpg", quality=95)
    r = project(fashion, tmp_path / "trousers.jpg", ProjectionSettings(**FAST))
    assert r.label_name == "Trouser"
    assert r.psnr >= 22, r.summary()


def test_progress_is_told_and_cancel_stops_within_a_step(fashion):
    calls, seen = [], []
    G = fashion.G

    class Counting(torch.nn.Module):
        def forward(self, z, y=None):
            calls.append(len(z))
            return G(z, y)

    ex = Exploration(Counting(), fashion.spec, "counting", config=fashion.config)
    stop = threading.Event()

    def progress(done, total, what):
        seen.append((done, total, what))
        if what.startswith("Refining"):
            stop.set()
            calls.clear()

    with pytest.raises(ProjectionCancelled):
        project(ex, own_picture(fashion, 5, 0), ProjectionSettings(steps=10_000, restarts=2),
                progress=progress, cancel=stop)
    assert len(calls) <= 1  # the step under way at most
    assert seen[0][0] >= 1 and seen[0][1] > 10_000 and seen[0][2] == "Trying starting points"
    # a callable works too
    with pytest.raises(ProjectionCancelled):
        project(ex, own_picture(fashion, 5, 0), ProjectionSettings(steps=10_000), cancel=lambda: True)


def test_a_fixed_label_is_kept(fashion):
    r = project(fashion, own_picture(fashion, 10_003, label=3),
                ProjectionSettings(steps=5, restarts=1, candidates=32, label=7))
    assert r.label == 7 and r.label_name == "Sneaker"
    with pytest.raises(UserError, match="between 0 and 9"):
        project(fashion, own_picture(fashion, 1, 1), ProjectionSettings(label=10))


def test_inception_finish_when_asked(fashion):
    from ganstudio.metrics.inception import available

    if not available():
        pytest.skip("the Inception weights are not installed")
    seen = []
    r = project(fashion, own_picture(fashion, 10_007, 7), ProjectionSettings(
        steps=10, restarts=1, candidates=64, inception=True, inception_steps=2),
        progress=lambda d, t, w: seen.append(w))
    assert r.inception_distance is not None and 0 <= r.inception_distance < 2
    assert "Inception features" in r.summary() and r.steps == 12
    assert "Refining with Inception's features" in seen


# --- pictures in, bad and good ----------------------------------------------------------------
@pytest.mark.parametrize("make, words", [
    (lambda p: p.write_bytes(b""), "is empty"),
    (lambda p: p.write_text("hello, not a picture"), "not a picture"),
    (lambda p: huge_png(p), "too large (1,600,000,000 pixels)"),
    (lambda p: huge_png(p, 40_000, 3), "too large (40,000 x 3 pixels)"),
    (lambda p: cut_short(p), "damaged"),
])
def test_bad_pictures_are_one_sentence(tmp_path, make, words):
    path = tmp_path / "picture.png"
    make(path)
    with pytest.raises(BadPicture, match=words.replace("(", r"\(").replace(")", r"\)")) as e:
        load_target(path, 32, 1)
    assert "\n" not in str(e.value)


def test_transparent_palette_and_16_bit_pictures_are_read(tmp_path):
    rgba = np.zeros((40, 40, 4), np.uint8)
    rgba[10:30, 10:30] = (255, 255, 255, 255)  # an opaque white square on see-through white
    rgba[:10, :, :3] = 255
    Image.fromarray(rgba, "RGBA").save(tmp_path / "cut.png")
    grey = load_target(tmp_path / "cut.png", 32, 1, background=(0, 0, 0))
    assert grey.shape == (32, 32, 1)
    assert grey[16, 16, 0] == 255 and grey[2, 2, 0] == 0  # see-through is the background
    assert load_target(tmp_path / "cut.png", 32, 3, background=(255, 0, 0))[2, 2].tolist() \
        == [255, 0, 0]
    Image.fromarray(rgba[..., :3]).convert("P").save(tmp_path / "palette.gif")
    assert load_target(tmp_path / "palette.gif", 32, 3)[16, 16].tolist() == [255, 255, 255]
    Image.fromarray((np.arange(64 * 64).reshape(64, 64) * 16).astype(np.uint16)).save(
        tmp_path / "deep.png")
    deep = load_target(tmp_path / "deep.png", 32, 1)
    assert deep.max() > 200 and deep.min() < 10  # scaled to 8 bits, not clipped to white
    with pytest.raises(BadPicture):
        load_target(np.zeros((4, 4, 2)), 32, 1)


def test_conversion_matches_the_data_sets_own():
    """A 28 x 28 Fashion-MNIST picture becomes the 32 x 32 the model was trained on."""
    from ganstudio.data.base import fit_size

    rng = np.random.default_rng(0)
    a = (rng.random((28, 28)) * 255).astype(np.uint8)
    a[4:24, 8:20] = 220
    ours = load_target(a, 32, 1)[..., 0].astype(float)
    theirs = fit_size(torch.from_numpy(a)[None, None], 32)[0, 0].numpy().astype(float)
    assert np.abs(ours - theirs).mean() < 3


# --- points in the plane ----------------------------------------------------------------------
def test_a_spot_in_the_plane_finds_the_noise_landing_nearest():
    ring = exploration(RING)
    on = ring.G(torch.randn(1, 2, generator=torch.Generator().manual_seed(3))).detach()[0]
    found = nearest_noise(ring, on.numpy(), candidates=512, steps=40)
    assert found.distance < 0.05
    with torch.no_grad():
        landed = ring.G(torch.from_numpy(found.z)[None])[0]
    assert torch.allclose(landed, torch.from_numpy(found.point), atol=1e-5)
    with pytest.raises(UserError, match="points in the plane"):
        project(ring, np.zeros((8, 8), np.uint8))


# --- the command line -------------------------------------------------------------------------
def test_cli_writes_the_picture_noise_and_pair(tmp_path, fashion, capsys):
    Image.fromarray(own_picture(fashion, 10_004, 4)[..., 0]).save(tmp_path / "coat.png")
    out, z, pair = tmp_path / "found.png", tmp_path / "z.npy", tmp_path / "pair.png"
    code = main(["project", str(FASHION), str(tmp_path / "coat.png"), "--out", str(out),
                 "--save-noise", str(z), "--side-by-side", str(pair), "--steps", "40",
                 "--restarts", "2", "--label", "coat"])
    assert code == 0
    assert Image.open(out).size == (32, 32)
    assert np.load(z).shape == (1, 64)
    assert Image.open(pair).size == (2 * 256 + 8, 256)
    last = capsys.readouterr().out.splitlines()[-1]
    assert "PSNR" in last and " dB" in last and " s (40 steps" in last and "label Coat" in last


@pytest.mark.parametrize("what", ["empty", "text", "huge", "ring", "not a generator"])
def test_cli_bad_input_is_one_line_and_exit_2(tmp_path, capsys, what):
    picture = tmp_path / "p.png"
    Image.new("L", (28, 28)).save(picture)
    ckpt = FASHION
    if what == "empty":
        picture.write_bytes(b"")
    elif what == "text":
        picture.write_text("not a picture")
    elif what == "huge":
        huge_png(picture)
    elif what == "ring":
        ckpt = RING
    else:
        ckpt = resources_dir() / "classifiers" / "fashion-mnist.safetensors"
    code = main(["project", str(ckpt), str(picture), "--out", str(tmp_path / "o.png"),
                 "--steps", "2"])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("ganstudio: error: ")
    assert not (tmp_path / "o.png").exists()

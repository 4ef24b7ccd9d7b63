"""A folder of the user's pictures: common formats load, bad files are counted, never fatal."""

import io
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from ganstudio.config import ExperimentConfig
from ganstudio.data import DataError, ImageTensorSource, build_source
from ganstudio.data import folder
from ganstudio.data.folder import load_folder, load_picture

RED, GREEN, BLUE, WHITE = (255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 255)


def rgb(w: int, h: int, colour=RED) -> Image.Image:
    return Image.new("RGB", (w, h), colour)


def save(im: Image.Image, path: Path, **kw) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    im.save(path, **kw)
    return path


def close(pixel, colour, tol: int = 40) -> bool:
    return all(abs(int(a) - int(b)) <= tol for a, b in zip(pixel, colour))


def load(root, **kw) -> ImageTensorSource:
    kw.setdefault("image_size", 32)
    kw.setdefault("channels", 0)
    return load_folder(root, **kw)


def picture(path: Path, size: int = 32) -> np.ndarray:
    arr, _, reason = load_picture(path, size)
    assert reason is None, reason
    return arr


# --- files of every kind ------------------------------------------------------------------------

def write_good_files(d: Path) -> dict[str, Path]:
    """One picture of each kind that should load."""
    files = {}
    files["rgb_png"] = save(rgb(40, 30, RED), d / "rgb.png")
    files["grey_jpeg"] = save(Image.new("L", (30, 30), 90), d / "grey.jpg", quality=95)
    rgba = Image.new("RGBA", (32, 32), (0, 0, 0, 0))
    rgba.paste((0, 200, 0, 255), (16, 0, 32, 32))  # right half opaque green, left transparent
    files["rgba_png"] = save(rgba, d / "rgba.png")
    frames = [rgb(20, 20, RED).convert("P"), rgb(20, 20, BLUE).convert("P")]
    files["gif"] = save(frames[0], d / "anim.gif", save_all=True, append_images=frames[1:])
    files["grey16_png"] = save(Image.fromarray(np.full((20, 20), 32768, np.uint16)),
                               d / "grey16.png")
    files["cmyk_jpeg"] = save(Image.new("CMYK", (24, 24), (0, 255, 255, 0)), d / "cmyk.jpg",
                              quality=95)
    files["webp"] = save(rgb(24, 24, BLUE), d / "pic.webp", lossless=True)
    files["bmp"] = save(rgb(24, 24, GREEN), d / "pic.BMP")
    files["tiny"] = save(rgb(1, 1, (10, 20, 200)), d / "tiny.png")
    return files


def write_bad_files(d: Path) -> None:
    d.mkdir(parents=True, exist_ok=True)
    (d / "noise.png").write_bytes(np.random.default_rng(0).bytes(500))
    buf = io.BytesIO()
    Image.fromarray(np.random.default_rng(1).integers(0, 255, (64, 64, 3), np.uint8)).save(
        buf, "JPEG", quality=95)
    (d / "cut.jpg").write_bytes(buf.getvalue()[:len(buf.getvalue()) // 3])
    (d / "empty.png").write_bytes(b"")
    (d / "notes.txt").write_text("not a picture")


def test_every_common_format_loads_and_every_bad_file_is_skipped_and_counted(tmp_path):
    good = write_good_files(tmp_path)
    write_bad_files(tmp_path)
    src = load(tmp_path)
    assert src.count == len(good)
    assert src.skipped.counts == {"not a picture": 1, "cut short": 1, "empty file": 1}
    assert src.skipped.total == 3  # the .txt file is not a picture at all: not counted
    assert str(tmp_path / "empty.png") in src.skipped.examples["empty file"]
    assert "3 skipped" in src.describe()
    assert src.labels is None and src.num_classes == 0


@pytest.mark.parametrize("kind", ["rgb_png", "grey_jpeg", "rgba_png", "gif", "grey16_png",
                                  "cmyk_jpeg", "webp", "bmp", "tiny"])
def test_each_format_loads_alone(tmp_path, kind):
    files = write_good_files(tmp_path)
    arr, grey, reason = load_picture(files[kind], 32)
    assert reason is None
    assert arr.shape == (32, 32, 3) and arr.dtype == np.uint8
    assert grey == (kind in ("grey_jpeg", "grey16_png"))


def test_colours_survive_loading(tmp_path):
    files = write_good_files(tmp_path)
    assert close(picture(files["rgb_png"])[16, 16], RED, 2)
    assert close(picture(files["webp"])[16, 16], BLUE, 2)
    assert close(picture(files["bmp"])[16, 16], GREEN, 2)
    assert close(picture(files["cmyk_jpeg"])[16, 16], RED)
    assert close(picture(files["grey_jpeg"])[16, 16], (90, 90, 90), 3)
    # a one-pixel picture becomes a flat square of its colour
    tiny = picture(files["tiny"])
    assert (np.abs(tiny.astype(int) - (10, 20, 200)) <= 1).all()


def test_transparent_areas_become_white(tmp_path):
    arr = picture(write_good_files(tmp_path)["rgba_png"])
    assert close(arr[16, 3], WHITE, 2)
    assert close(arr[16, 28], (0, 200, 0), 2)


def test_transparent_palette_picture_gets_a_white_background(tmp_path):
    im = Image.new("P", (16, 16), 1)
    im.putpalette([0, 0, 0, 255, 0, 0] + [0] * 762)
    im.paste(0, (0, 0, 8, 16))  # left half: colour 0, which is the transparent one
    path = save(im, tmp_path / "t.png", transparency=0)
    arr = picture(path)
    assert close(arr[16, 2], WHITE, 2)
    assert close(arr[16, 29], RED, 2)


def test_animated_gif_uses_its_first_frame(tmp_path):
    arr = picture(write_good_files(tmp_path)["gif"])
    assert close(arr[16, 16], RED, 2)


def test_sixteen_bit_grey_is_scaled_to_eight_bits_not_clipped(tmp_path):
    path = write_good_files(tmp_path)["grey16_png"]
    assert Image.open(path).mode.startswith("I")
    arr, grey, _ = load_picture(path, 32)
    assert grey
    assert np.abs(arr.astype(int) - 128).max() <= 1


def test_sixteen_bit_grey_gradient_keeps_its_order_and_range(tmp_path):
    ramp = np.tile(np.linspace(0, 65535, 64).astype(np.uint16), (64, 1))
    path = save(Image.fromarray(ramp), tmp_path / "ramp.png")
    row = picture(path, 64)[32, :, 0].astype(int)
    assert row[0] <= 2 and row[-1] >= 253
    assert (np.diff(row) >= 0).all()


def test_exif_rotation_is_applied(tmp_path):
    # a wide picture, red on the left and blue on the right, stored with "rotate 90 degrees
    # clockwise to display": shown upright it is tall, red on top and blue below
    im = rgb(40, 20, BLUE)
    im.paste(RED, (0, 0, 20, 20))
    exif = Image.Exif()
    exif[0x0112] = 6
    path = save(im, tmp_path / "phone.jpg", exif=exif, quality=95)
    arr = picture(path)
    assert close(arr[2, 28], RED) and close(arr[2, 3], RED)
    assert close(arr[29, 3], BLUE) and close(arr[29, 28], BLUE)


def test_wide_picture_is_centre_cropped_not_squashed(tmp_path):
    im = rgb(120, 30, BLUE)
    im.paste(RED, (40, 0, 80, 30))  # blue sides, red middle third
    path = save(im, tmp_path / "wide.png")
    for size in (32, 64):
        arr = picture(path, size)
        assert close(arr[size // 2, size // 2], RED, 2)
        # the blue sides are cut off, not squeezed in
        assert close(arr[size // 2, 1], RED) and close(arr[size // 2, size - 2], RED)


def test_tall_picture_is_centre_cropped_not_squashed(tmp_path):
    im = rgb(30, 120, BLUE)
    im.paste(GREEN, (0, 40, 30, 80))
    arr = picture(save(im, tmp_path / "tall.png"))
    assert close(arr[1, 16], GREEN) and close(arr[16, 16], GREEN, 2) and close(arr[30, 16], GREEN)


@pytest.mark.parametrize("size", [32, 64])
def test_output_is_uint8_n_c_size_size(tmp_path, size):
    for i in range(3):
        save(rgb(50 + i * 7, 40, (i * 80, 0, 0)), tmp_path / f"p{i}.png")
    src = load(tmp_path, image_size=size)
    assert src.images.shape == (3, 3, size, size)
    assert src.images.dtype == torch.uint8
    assert src.image_size == size and src.channels == 3
    assert src.sample_shape == (3, size, size)
    x, y = src.next_batch(3)
    assert x.shape == (3, 3, size, size) and x.dtype == torch.float32 and y is None
    assert x.min() >= -1 and x.max() <= 1


# --- bad files, one at a time ---------------------------------------------------------------------

def test_random_bytes_named_png_is_not_a_picture(tmp_path):
    (tmp_path / "x.png").write_bytes(np.random.default_rng(0).bytes(300))
    assert load_picture(tmp_path / "x.png", 32)[2] == "not a picture"


def test_truncated_jpeg_is_cut_short(tmp_path):
    write_bad_files(tmp_path)
    assert load_picture(tmp_path / "cut.jpg", 32)[2] == "cut short"


def test_empty_file_is_counted_as_empty(tmp_path):
    (tmp_path / "e.jpg").write_bytes(b"")
    assert load_picture(tmp_path / "e.jpg", 32)[2] == "empty file"


def test_too_large_picture_is_refused_and_counted(tmp_path, monkeypatch):
    save(rgb(16, 16), tmp_path / "small.png")
    save(rgb(100, 100), tmp_path / "huge.png")
    monkeypatch.setattr(folder, "MAX_PIXELS", 5000)
    src = load(tmp_path)
    assert src.count == 1
    assert src.skipped.counts == {"too large": 1}
    assert src.skipped.examples["too large"] == [str(tmp_path / "huge.png")]


def test_hidden_files_and_other_extensions_are_ignored(tmp_path):
    save(rgb(8, 8), tmp_path / "a.png")
    save(rgb(8, 8), tmp_path / ".hidden.png")
    (tmp_path / "readme.md").write_text("hello")
    (tmp_path / "data.npy").write_bytes(b"\x93NUMPY")
    src = load(tmp_path)
    assert src.count == 1 and src.skipped.total == 0


# --- labels from subfolders -----------------------------------------------------------------------

def test_subfolders_are_labels_sorted_by_name(tmp_path):
    save(rgb(10, 10, RED), tmp_path / "dogs" / "d1.png")
    save(rgb(10, 10, RED), tmp_path / "dogs" / "deep" / "er" / "d2.png")  # any depth
    save(rgb(10, 10, BLUE), tmp_path / "cats" / "c1.png")
    save(rgb(10, 10, BLUE), tmp_path / "cats" / "c2.jpg")
    save(rgb(10, 10, BLUE), tmp_path / "cats" / "c3.webp")
    save(rgb(10, 10, GREEN), tmp_path / "loose.png")
    src = load(tmp_path)
    assert src.label_names == ["cats", "dogs"] and src.num_classes == 2
    assert src.count == 5
    assert src.labels.tolist() == [0, 0, 0, 1, 1]
    # each picture carries its own folder's label: cats are blue, dogs red
    for img, label in zip(src.images, src.labels):
        colour = img[:, 16, 16].tolist()
        assert close(colour, BLUE if label == 0 else RED, 10)
    assert src.skipped.counts == {"outside a label folder": 1}
    assert "2 labels (cats, dogs)" in src.describe()


def test_bad_file_inside_a_label_folder_keeps_the_other_labels_aligned(tmp_path):
    save(rgb(10, 10, BLUE), tmp_path / "a" / "1.png")
    (tmp_path / "a" / "2.png").write_bytes(b"garbage")
    save(rgb(10, 10, RED), tmp_path / "b" / "1.png")
    save(rgb(10, 10, RED), tmp_path / "b" / "2.png")
    src = load(tmp_path)
    assert src.labels.tolist() == [0, 1, 1]
    assert close(src.images[0, :, 5, 5].tolist(), BLUE, 2)
    assert src.skipped.counts == {"not a picture": 1}


def test_a_single_subfolder_is_a_container_not_a_label(tmp_path):
    save(rgb(10, 10), tmp_path / "photos" / "a.png")
    save(rgb(10, 10), tmp_path / "photos" / "b.png")
    save(rgb(10, 10), tmp_path / "top.png")
    (tmp_path / "empty_dir").mkdir()
    src = load(tmp_path)
    assert src.count == 3
    assert src.labels is None and src.num_classes == 0 and src.label_names == []
    assert src.skipped.total == 0
    assert src.next_batch(2)[1] is None


def test_subfolders_without_pictures_are_not_labels(tmp_path):
    save(rgb(10, 10), tmp_path / "only" / "a.png")
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "notes.txt").write_text("x")
    src = load(tmp_path)
    assert src.labels is None and src.count == 1


# --- channels -------------------------------------------------------------------------------------

def grey_and_colour_folders(tmp_path: Path) -> tuple[Path, Path]:
    grey, mixed = tmp_path / "grey", tmp_path / "mixed"
    for i in range(3):
        save(Image.new("L", (12, 12), 40 * i), grey / f"g{i}.png")
        save(Image.new("L", (12, 12), 40 * i), mixed / f"g{i}.png")
    save(Image.fromarray(np.full((12, 12), 60000, np.uint16)), grey / "g16.png")
    save(rgb(12, 12, RED), mixed / "red.png")
    return grey, mixed


def test_channels_zero_keeps_the_folders_own(tmp_path):
    grey, mixed = grey_and_colour_folders(tmp_path)
    g = load(grey, channels=0)
    assert g.channels == 1 and g.images.shape[1] == 1
    assert "grey" in g.describe()
    m = load(mixed, channels=0)
    assert m.channels == 3 and m.images.shape[1] == 3
    assert "colour" in m.describe()


def test_channels_can_be_forced(tmp_path):
    grey, mixed = grey_and_colour_folders(tmp_path)
    g3 = load(grey, channels=3)
    assert g3.channels == 3
    assert torch.equal(g3.images[:, 0], g3.images[:, 1]) and torch.equal(g3.images[:, 1],
                                                                        g3.images[:, 2])
    m1 = load(mixed, channels=1)
    assert m1.channels == 1
    values = sorted(int(v) for v in m1.images[:, 0, 6, 6])
    assert values == [0, 40, 76, 80]  # pure red is grey 76 (ITU-R 601 luma)


# --- limit, errors, progress ----------------------------------------------------------------------

def test_limit_uses_a_seeded_subset(tmp_path):
    for i in range(12):
        save(Image.new("L", (8, 8), i * 20), tmp_path / f"{i:02d}.png")
    a = load(tmp_path, limit=5, seed=1)
    b = load(tmp_path, limit=5, seed=1)
    assert a.count == 5
    assert torch.equal(a.images, b.images)
    assert load(tmp_path, limit=50).count == 12
    assert load(tmp_path, limit=0).count == 12


def test_limit_keeps_labels_matched_to_their_pictures(tmp_path):
    for i in range(6):
        save(rgb(8, 8, RED), tmp_path / "red" / f"{i}.png")
        save(rgb(8, 8, BLUE), tmp_path / "blue" / f"{i}.png")
    src = load(tmp_path, limit=7, seed=3)
    assert src.count == 7 and src.label_names == ["blue", "red"]
    for img, label in zip(src.images, src.labels):
        assert close(img[:, 4, 4].tolist(), BLUE if label == 0 else RED, 2)


def test_missing_folder_is_a_plain_data_error_naming_it(tmp_path):
    where = tmp_path / "nowhere"
    with pytest.raises(DataError, match="does not exist") as e:
        load(where)
    assert str(where) in str(e.value)


@pytest.mark.parametrize("root", ["", "   "])
def test_no_folder_chosen_is_a_data_error(root):
    with pytest.raises(DataError, match="choose a folder"):
        load(root)


def test_folder_without_pictures_is_a_data_error_naming_it(tmp_path):
    (tmp_path / "a.txt").write_text("x")
    with pytest.raises(DataError, match="no pictures") as e:
        load(tmp_path)
    assert str(tmp_path) in str(e.value)


def test_folder_of_only_unreadable_pictures_is_a_data_error_naming_it(tmp_path):
    write_bad_files(tmp_path)
    with pytest.raises(DataError, match="could be read") as e:
        load(tmp_path)
    msg = str(e.value)
    assert str(tmp_path) in msg
    assert "1 empty file" in msg and "1 cut short" in msg and "1 not a picture" in msg
    assert "Traceback" not in msg


def test_progress_reaches_done_equals_total(tmp_path):
    for i in range(70):
        save(Image.new("L", (4, 4), i), tmp_path / f"{i:03d}.png")
    (tmp_path / "bad.png").write_bytes(b"nope")
    calls = []
    load(tmp_path, progress=lambda done, total, what: calls.append((done, total, what)))
    assert calls, "progress was never reported"
    assert calls[-1][:2] == (71, 71)
    assert all(total == 71 for _, total, _ in calls)
    dones = [done for done, _, _ in calls]
    assert dones == sorted(dones) and dones[0] >= 1
    assert all(isinstance(what, str) and what for _, _, what in calls)


def test_load_is_repeatable_and_the_order_is_seeded(tmp_path):
    for i in range(8):
        save(Image.new("L", (8, 8), i * 30), tmp_path / f"{i}.png")
    a, b = load(tmp_path, seed=5), load(tmp_path, seed=5)
    assert torch.equal(a.images, b.images)
    assert torch.equal(a.next_batch(8)[0], b.next_batch(8)[0])


def test_grey_picture_with_alpha_is_grey_on_white(tmp_path):
    la = Image.new("LA", (16, 16), (50, 255))
    la.paste((0, 0), (0, 0, 8, 16))  # left half transparent
    arr, grey, _ = load_picture(save(la, tmp_path / "la.png"), 32)
    assert grey
    assert arr[16, 2].tolist() == [255, 255, 255] and arr[16, 29].tolist() == [50, 50, 50]


def test_the_current_folder_is_named_in_the_title(tmp_path, monkeypatch):
    photos = tmp_path / "holiday"
    save(rgb(8, 8), photos / "a.png")
    monkeypatch.chdir(photos)
    src = load(".")
    assert src.title == "My images (holiday)"
    assert src.describe().startswith("My images (holiday): 1 colour")


def test_build_source_reads_a_folder_from_the_config(tmp_path):
    save(rgb(20, 20, RED), tmp_path / "cats" / "a.png")
    save(rgb(20, 20, BLUE), tmp_path / "dogs" / "b.png")
    cfg = ExperimentConfig()
    cfg.data.source = "folder"
    cfg.data.root = str(tmp_path)
    cfg.data.image_size = 64
    cfg.data.channels = 1
    cfg.training.seed = 4
    calls = []
    src = build_source(cfg, progress=lambda d, t, w: calls.append((d, t)))
    assert isinstance(src, ImageTensorSource) and src.id == "folder"
    assert src.images.shape == (2, 1, 64, 64)
    assert src.label_names == ["cats", "dogs"]
    assert src.seed == 4
    assert calls[-1] == (2, 2)
    assert tmp_path.name in src.title


def test_build_source_with_a_missing_folder_raises_data_error(tmp_path):
    cfg = ExperimentConfig()
    cfg.data.source = "folder"
    cfg.data.root = str(tmp_path / "gone")
    with pytest.raises(DataError, match="gone"):
        build_source(cfg)

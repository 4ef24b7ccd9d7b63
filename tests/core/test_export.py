"""What comes out of GAN Studio: sample grids, scatter plots, point files and GIFs."""

import os

import numpy as np
import pytest
import torch
from PIL import Image

from ganstudio.export import (FAKE_COLOUR, REAL_COLOUR, image_grid, save_animation, save_gif,
                              save_image_grid, save_video,
                              save_points, save_scatter, scatter_image, to_uint8_images)


def flat(n: int, value: float, channels: int = 3, size: int = 8) -> torch.Tensor:
    return torch.full((n, channels, size, size), value)


def files_in(folder) -> list[str]:
    return sorted(os.listdir(folder))


# --- image grids ----------------------------------------------------------------------------------

@pytest.mark.parametrize("n,nrow,rows,cols", [(6, 3, 2, 3), (6, 2, 3, 2), (5, None, 2, 3),
                                              (16, None, 4, 4), (3, 8, 1, 3), (7, 1, 7, 1)])
def test_grid_shape_follows_the_number_of_pictures_and_nrow(n, nrow, rows, cols):
    g = image_grid(flat(n, 0.0, size=8), nrow=nrow, padding=2)
    assert g.dtype == np.uint8
    assert g.shape == (rows * 10 + 2, cols * 10 + 2, 3)


def test_grid_maps_minus_one_to_black_and_one_to_white():
    x = torch.cat([flat(1, -1.0), flat(1, 1.0), flat(1, 0.0), flat(1, 5.0)])
    g = image_grid(x, nrow=4, padding=2)
    # picture k starts at column 2 + 10 k
    assert (g[2:10, 2:10] == 0).all()
    assert (g[2:10, 12:20] == 255).all()
    assert (np.abs(g[2:10, 22:30].astype(int) - 128) <= 1).all()
    assert (g[2:10, 32:40] == 255).all()  # out of range values are clipped, not wrapped
    assert (np.abs(g[0, :].astype(int) - 51) <= 1).all()  # the padding is dark grey


def test_grid_of_grey_pictures_is_three_equal_channels():
    x = torch.linspace(-1, 1, 4 * 64).view(4, 1, 8, 8)
    g = image_grid(x, nrow=2)
    assert g.shape[2] == 3
    assert (g[..., 0] == g[..., 1]).all() and (g[..., 1] == g[..., 2]).all()
    assert g.min() == 0 and g.max() == 255


def test_grid_keeps_colours_in_their_channels():
    x = torch.full((1, 3, 4, 4), -1.0)
    x[:, 0] = 1.0  # red
    g = image_grid(torch.cat([x, x]), nrow=2)
    assert g[3, 3].tolist() == [255, 0, 0]


def test_to_uint8_images_is_channels_last():
    x = torch.zeros(2, 3, 5, 7)
    x[:, 2] = 1.0
    out = to_uint8_images(x)
    assert out.shape == (2, 5, 7, 3) and out.dtype == np.uint8
    assert out[0, 0, 0].tolist() == [128, 128, 255]


def test_grid_does_not_change_the_callers_tensor():
    x = torch.full((2, 1, 4, 4), 3.0)
    image_grid(x)
    assert (x == 3.0).all()


def test_saved_grid_reloads_with_the_same_pixels(tmp_path):
    x = torch.rand(6, 3, 8, 8) * 2 - 1
    path = save_image_grid(x, tmp_path / "grid.png", nrow=3)
    assert path == tmp_path / "grid.png"
    with Image.open(path) as im:
        assert im.format == "PNG" and im.size == (32, 22)
        assert np.array_equal(np.asarray(im.convert("RGB")), image_grid(x, nrow=3))


def test_saved_grid_is_enlarged_to_min_side_with_sharp_pixels(tmp_path):
    x = torch.rand(6, 3, 8, 8) * 2 - 1
    small = image_grid(x, nrow=3)  # 22 x 32
    path = save_image_grid(x, tmp_path / "big.png", nrow=3, min_side=100)
    with Image.open(path) as im:
        w, h = im.size
        big = np.asarray(im.convert("RGB"))
    # a whole-number enlargement whose short side just reaches min_side
    k = h // 22
    assert (w, h) == (32 * k, 22 * k)
    assert 100 <= h < 100 + 22
    # every original pixel became a k x k block of the same colour
    assert np.array_equal(big[::k, ::k], small)
    assert np.array_equal(big[k - 1::k, k - 1::k], small)


def test_min_side_smaller_than_the_grid_leaves_it_alone(tmp_path):
    path = save_image_grid(flat(4, 0.5), tmp_path / "g.png", min_side=10)
    with Image.open(path) as im:
        assert im.size == (22, 22)


def test_grid_can_be_saved_as_jpeg_and_into_a_new_folder(tmp_path):
    path = save_image_grid(flat(4, 1.0), tmp_path / "new" / "deeper" / "g.jpg")
    with Image.open(path) as im:
        assert im.format == "JPEG"


# --- scatter plots --------------------------------------------------------------------------------

def test_scatter_draws_fake_points_orange_where_they_are():
    im = scatter_image(np.array([[0.5, 0.5]]), (-1, 1, -1, 1), size=100)
    assert im.size == (100, 100) and im.mode == "RGB"
    assert im.getpixel((75, 25)) == FAKE_COLOUR  # x to the right, y up
    for empty in [(25, 75), (75, 75), (25, 25), (5, 5)]:
        assert im.getpixel(empty) == (255, 255, 255)


def test_scatter_draws_real_points_grey_under_the_fake_ones():
    real = torch.tensor([[-0.5, -0.5], [0.5, 0.5]])
    im = scatter_image(torch.tensor([[0.5, 0.5]]), (-1, 1, -1, 1), real=real, size=100)
    assert im.getpixel((25, 75)) == REAL_COLOUR
    assert im.getpixel((75, 25)) == FAKE_COLOUR


def test_scatter_uses_the_bounds_given():
    im = scatter_image([[4.0, -4.0], [-4.0, 4.0]], (-5, 5, -5, 5), size=200)
    assert im.getpixel((180, 180)) == FAKE_COLOUR
    assert im.getpixel((20, 20)) == FAKE_COLOUR
    assert im.getpixel((20, 180)) == (255, 255, 255)


def test_scatter_ignores_points_outside_the_view_and_counts_orange_pixels():
    fake = np.array([[10.0, 10.0], [-0.2, 0.3]])
    im = np.asarray(scatter_image(fake, (-1, 1, -1, 1), size=100))
    orange = (im == FAKE_COLOUR).all(2)
    ys, xs = np.nonzero(orange)
    assert orange.sum() > 4
    assert abs(xs.mean() - 40) <= 1 and abs(ys.mean() - 35) <= 1


def test_scatter_draws_light_axes_through_the_origin_only_when_in_view():
    axis = (230, 230, 235)
    im = scatter_image(np.empty((0, 2)), (-1, 3, -1, 3), size=100)
    assert im.getpixel((25, 10)) == axis and im.getpixel((25, 90)) == axis  # x = 0
    assert im.getpixel((10, 75)) == axis and im.getpixel((90, 75)) == axis  # y = 0
    assert im.getpixel((10, 25)) == (255, 255, 255)
    away = np.asarray(scatter_image(np.empty((0, 2)), (1, 3, 1, 3), size=50))
    assert (away == 255).all()


def test_save_scatter_writes_a_png_of_the_asked_size(tmp_path):
    path = save_scatter([[0, 0]], tmp_path / "s.png", (-1, 1, -1, 1), size=64)
    with Image.open(path) as im:
        assert im.format == "PNG" and im.size == (64, 64)
        assert im.convert("RGB").getpixel((32, 32)) == FAKE_COLOUR


# --- point files ----------------------------------------------------------------------------------

POINTS = np.array([[0.1, -2.5], [3.14159265, 1e-7], [-1234.5678, 42.0]], dtype=np.float32)


def test_points_as_npy_reload_exactly(tmp_path):
    path = save_points(torch.from_numpy(POINTS), tmp_path / "p.npy")
    back = np.load(path)
    assert back.dtype == np.float32 and back.shape == (3, 2)
    assert np.array_equal(back, POINTS)


def test_points_as_csv_reload_within_print_precision(tmp_path):
    path = save_points(POINTS, tmp_path / "p.csv")
    lines = path.read_text().splitlines()
    assert lines[0] == "x,y" and len(lines) == 4
    back = np.loadtxt(path, delimiter=",", skiprows=1)
    assert np.allclose(back, POINTS, rtol=1e-5, atol=0)


def test_points_file_suffix_is_case_insensitive(tmp_path):
    save_points(POINTS, tmp_path / "P.NPY")
    assert np.array_equal(np.load(tmp_path / "P.NPY"), POINTS)


@pytest.mark.parametrize("name", ["p.txt", "p", "p.json"])
def test_points_with_another_suffix_raise_and_write_nothing(tmp_path, name):
    with pytest.raises(ValueError, match=r"\.npy or \.csv"):
        save_points(POINTS, tmp_path / name)
    assert files_in(tmp_path) == []


# --- GIFs -----------------------------------------------------------------------------------------

COLOURS = [(255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 0), (0, 0, 0)]


def frames(n: int = 5, w: int = 30, h: int = 20) -> list[np.ndarray]:
    out = []
    for i in range(n):
        f = np.zeros((h, w, 3), np.uint8)
        f[:] = COLOURS[i % len(COLOURS)]
        f[0, i] = (255, 255, 255)  # a marker, so no two frames are the same
        out.append(f)
    return out


def test_gif_has_every_frame_at_the_right_size_and_timing(tmp_path):
    path = save_gif(frames(5), tmp_path / "a.gif", fps=10)
    with Image.open(path) as im:
        assert im.format == "GIF"
        assert im.n_frames == 5 and im.is_animated
        assert im.size == (30, 20)
        assert im.info["loop"] == 0  # loops forever
        for i in range(5):
            im.seek(i)
            assert im.size == (30, 20)
            assert im.info["duration"] == 100
            assert im.convert("RGB").getpixel((15, 10)) == COLOURS[i]


def test_gif_can_play_once(tmp_path):
    path = save_gif(frames(3), tmp_path / "once.gif", loop=False)
    with Image.open(path) as im:
        assert im.n_frames == 3
        assert "loop" not in im.info


def test_gif_frame_time_has_a_floor_of_20_ms(tmp_path):
    path = save_gif(frames(2), tmp_path / "fast.gif", fps=200)
    with Image.open(path) as im:
        assert im.info["duration"] == 20


def test_gif_accepts_pil_images_and_reports_progress(tmp_path):
    pics = [Image.fromarray(f) for f in frames(4)]
    calls = []
    path = save_gif(pics, tmp_path / "p.gif", progress=lambda d, t: calls.append((d, t)))
    assert calls == [(1, 4), (2, 4), (3, 4), (4, 4)]
    with Image.open(path) as im:
        assert im.n_frames == 4


def test_gif_needs_a_frame(tmp_path):
    with pytest.raises(ValueError, match="at least one frame"):
        save_gif([], tmp_path / "none.gif")
    assert files_in(tmp_path) == []


def test_a_single_frame_gif_is_a_still_picture(tmp_path):
    path = save_gif(frames(1), tmp_path / "still.gif")
    with Image.open(path) as im:
        assert im.n_frames == 1
        assert im.convert("RGB").getpixel((15, 10)) == COLOURS[0]


# --- atomic writes --------------------------------------------------------------------------------

def test_writes_leave_only_the_files_asked_for(tmp_path):
    x = flat(4, 0.0)
    for _ in range(2):  # the second round overwrites the first
        save_image_grid(x, tmp_path / "grid.png", min_side=64)
        save_scatter([[0, 0]], tmp_path / "scatter.png", (-1, 1, -1, 1))
        save_points(POINTS, tmp_path / "points.npy")
        save_points(POINTS, tmp_path / "points.csv")
        save_gif(frames(3), tmp_path / "anim.gif")
    assert files_in(tmp_path) == ["anim.gif", "grid.png", "points.csv", "points.npy",
                                  "scatter.png"]


def test_overwriting_replaces_the_old_file_completely(tmp_path):
    path = tmp_path / "points.csv"
    save_points(np.zeros((100, 2)), path)
    save_points(np.ones((2, 2)), path)
    assert path.read_text() == "x,y\n1,1\n1,1\n"


def test_a_failed_write_leaves_the_old_file_and_no_temporary_one(tmp_path, monkeypatch):
    path = save_points(POINTS, tmp_path / "p.npy")
    before = path.read_bytes()

    def broken_fsync(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", broken_fsync)
    with pytest.raises(OSError):
        save_points(np.zeros((5, 2)), path)
    assert path.read_bytes() == before
    assert files_in(tmp_path) == ["p.npy"]


def decode_video(path) -> tuple[list[np.ndarray], float]:
    import av

    with av.open(str(path)) as box:
        rate = float(box.streams.video[0].average_rate)
        return [f.to_ndarray(format="rgb24") for f in box.decode(video=0)], rate


def test_mp4_plays_back_every_frame_in_its_colour_and_speed(tmp_path):
    big = [np.kron(f, np.ones((4, 4, 1), np.uint8)) for f in frames(6)]  # 120 x 80
    calls = []
    path = save_video(big, tmp_path / "walk.mp4", fps=8, progress=lambda d, t: calls.append(d))
    assert calls == [1, 2, 3, 4, 5, 6]
    decoded, rate = decode_video(path)
    assert rate == 8 and len(decoded) == 6
    for got, colour in zip(decoded, COLOURS * 2):
        assert got.shape == (80, 120, 3)
        assert np.abs(got[40, 60].astype(int) - colour).max() <= 12  # lossy, but that colour


def test_mp4_of_odd_sized_frames_keeps_the_picture_and_pads_one_pixel(tmp_path):
    odd = [np.kron(f, np.ones((3, 3, 1), np.uint8))[:59, :89] for f in frames(3)]  # 89 x 59
    decoded, _ = decode_video(save_video(odd, tmp_path / "odd.mp4"))
    assert len(decoded) == 3 and decoded[0].shape == (60, 90, 3)


def test_mp4_refuses_frames_of_different_sizes_and_writes_nothing(tmp_path):
    with pytest.raises(ValueError, match="frame 2 is 10x10, the first was 30x20"):
        save_video([frames(1)[0], np.zeros((10, 10, 3), np.uint8)], tmp_path / "bad.mp4")
    assert files_in(tmp_path) == []


def test_animation_format_follows_the_extension(tmp_path):
    with Image.open(save_animation(frames(3), tmp_path / "a.gif")) as im:
        assert im.format == "GIF" and im.n_frames == 3
    assert len(decode_video(save_animation(frames(3), tmp_path / "a.mp4"))[0]) == 3
    with pytest.raises(ValueError, match=r"\.gif or \.mp4, not \.avi"):
        save_animation(frames(3), tmp_path / "a.avi")

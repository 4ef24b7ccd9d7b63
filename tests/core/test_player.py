"""The explorer's player, without any GUI: the point, paths, the wander, animation stepping and
what gets exported."""

import numpy as np
import pytest
import torch
from PIL import Image

from ganstudio.explore import latent
from ganstudio.explore.exploration import Exploration
from ganstudio.explore.player import (PICK_COLS, WALK_FRAMES_BETWEEN, WALK_KEYPOINTS, Player,
                                      next_frame)
from ganstudio.training import Trainer, train
from tests.conftest import tiny_config


@pytest.fixture(scope="module")
def trainer():
    t = Trainer(tiny_config("digits", model__conditional=True))
    train(t, 2)
    return t


@pytest.fixture
def player(trainer):
    return Player(Exploration.from_trainer(trainer))


def positions(player, ticks: int) -> list[int]:
    """The frame shown after each of ``ticks`` frame-long steps of time."""
    out = []
    for _ in range(ticks):
        player.tick(1 / player.fps)
        out.append(player.position)
    return out


# --- animation stepping ------------------------------------------------------------------------
def test_a_looping_path_goes_back_to_its_first_frame(player):
    player.set_frame_count(4)
    player.play()
    assert player.playing and player.position == 0
    assert positions(player, 6) == [1, 2, 3, 0, 1, 2]


def test_back_and_forth_turns_at_each_end_without_showing_it_twice(player):
    player.set_frame_count(4)
    player.set_repeat("pingpong")
    player.play()
    assert positions(player, 8) == [1, 2, 3, 2, 1, 0, 1, 2]


def test_once_stops_on_the_last_frame(player):
    told = []
    player.listen(told.append)
    player.set_frame_count(3)
    player.set_repeat("once")
    player.play()
    assert positions(player, 4) == [1, 2, 2, 2]
    assert not player.playing and {"play"} in told
    assert not player.tick(1.0)  # stopped: time passing changes nothing


def test_frames_follow_the_time_passed_at_the_speed_set(player):
    player.set_frame_count(100)
    player.set_speed(20)
    player.play()
    assert not player.tick(0.02)  # under half a frame
    assert player.tick(0.02) and player.position == 1  # a timer a little early still moves
    player.tick(0.5)
    assert player.position == 11  # 10 more frames in half a second at 20 per second
    player.set_speed(500)
    assert player.fps == 30  # as fast as the speed slider goes


def test_next_frame_plays_backwards_too():
    assert next_frame(0, -1, 5, "loop") == (4, -1, True)
    assert next_frame(0, -1, 5, "pingpong") == (1, 1, True)
    assert next_frame(0, -1, 5, "once") == (0, -1, False)
    assert next_frame(0, 1, 1, "pingpong") == (0, 1, False)  # one frame: nothing to play


def test_moving_a_slider_stops_the_animation(player):
    player.play()
    player.move_slider(0, 120)
    assert not player.playing and player.ex.values[0] == pytest.approx(1.2)


def test_a_shorter_path_while_playing_keeps_a_frame_of_it(player):
    player.set_frame_count(10)
    player.play()
    player.tick(7 / player.fps)
    player.set_frame_count(4)
    assert player.position == 3 and torch.equal(player.frame_z, player.path_z[3])


# --- paths ---------------------------------------------------------------------------------------
def test_path_frames_are_the_spherical_or_straight_points_between_the_ends(player):
    player.set_end_seed(0, 11)
    player.set_end_seed(1, 12)
    player.set_frame_count(5)
    a, b = player.ex.z_for_seed(11), player.ex.z_for_seed(12)
    assert torch.allclose(player.path_z[0], a, atol=1e-6)
    assert torch.allclose(player.path_z[-1], b, atol=1e-6)
    assert torch.allclose(player.path_z[1], latent.slerp(a, b, 0.25), atol=1e-6)
    player.set_path_kind("lerp")
    assert torch.allclose(player.path_z[2], (a + b) / 2, atol=1e-6)


def test_the_current_point_and_picked_samples_become_ends(player):
    player.randomise()
    player.end_here(0)
    player.pick(5, is_end=True)
    assert torch.allclose(player.path_z[0], player.ex.z)
    assert torch.allclose(player.path_z[-1], player.pick_z[5])
    # the sample picked is the one drawn in the grid: its tile is the picture of its noise
    grid = player.pick_grid()
    picture = player.ex.pictures(player.pick_z[5:6])[0]
    h, w = picture.shape[:2]
    row, col = divmod(5, PICK_COLS)
    tile = grid[2 + row * (h + 2):2 + row * (h + 2) + h, 2 + col * (w + 2):2 + col * (w + 2) + w]
    assert np.array_equal(tile, picture)


def test_moving_a_slider_back_restores_the_exact_point(player):
    player.randomise()
    z = player.ex.z.clone()
    tick = player.slider_ticks()[2]
    player.move_slider(2, tick + 50)
    assert not torch.allclose(player.ex.z, z)
    player.move_slider(2, tick)
    assert torch.equal(player.ex.z, z)  # not the tick's rounded value


# --- the wander ----------------------------------------------------------------------------------
def test_the_wander_starts_here_moves_smoothly_loops_and_is_seeded(trainer):
    one, two = (Player(Exploration.from_trainer(trainer)) for _ in range(2))
    for p in (one, two):
        p.randomise()
        p.play(walk=True)
    assert torch.equal(one.walk_z, two.walk_z)  # the same start and seed: the same wander
    w = one.walk_z
    assert len(w) == (WALK_KEYPOINTS + 1) * WALK_FRAMES_BETWEEN
    assert torch.allclose(w[0], one.ex.z, atol=1e-5)
    steps = (w[1:] - w[:-1]).norm(dim=1)
    assert steps.max() < 0.25 * w.norm(dim=1).mean()  # no jumps
    assert (w[0] - w[-1]).norm() <= steps.max() + 1e-6  # the end joins the start
    positions(one, len(w))
    assert one.position == 0 and one.playing  # a wander never stops
    first = one.walk_z
    one.play(walk=True)
    assert not torch.allclose(one.walk_z, first)  # another wander each time


# --- pictures and files --------------------------------------------------------------------------
def test_a_snapshot_keeps_its_point_while_the_player_moves_on(player):
    snap = player.snapshot()
    before = snap.picture()
    player.move_slider(0, 250)
    player.set_label(3)
    assert np.array_equal(snap.picture(), before)
    assert not np.array_equal(player.picture(), before)


def test_the_picture_is_the_frame_while_playing(player):
    player.set_frame_count(6)
    player.play()
    player.tick(2 / player.fps)
    frame = player.ex.pictures(player.path_z[2:3])[0]
    assert np.array_equal(player.picture(), frame)
    player.set_every_label(True)
    player.pause()
    assert player.picture().shape == (2 + 2 * 34, 2 + 5 * 34, 3)  # ten labels, five a row


def test_export_frames_count_and_shape(player, tmp_path):
    player.set_frame_count(7)
    frames = player.animation_frames(size=48)
    assert len(frames) == 7 and all(f.shape == (48, 48, 3) for f in frames)
    assert not np.array_equal(frames[0], frames[-1])
    player.set_repeat("pingpong")
    there_and_back = player.animation_frames(size=48)
    assert len(there_and_back) == 12 and np.array_equal(there_and_back[7], frames[5])
    seen = []
    gif = player.save_animation(tmp_path / "path.gif", 40,
                                progress=lambda d, t, what: seen.append((d, t)))
    with Image.open(gif) as im:
        assert im.n_frames == 12 and im.size == (40, 40)
    assert seen[-1][0] == seen[-1][1]  # progress reaches the end
    assert player.strip(size=30).shape == (30 + 2, 7 * 31 + 1, 3)
    strip = Image.open(player.save_strip(tmp_path / "strip.png", 30))
    assert strip.size == (7 * 30, 30)


def test_the_wander_is_exported_while_wandering(player):
    player.play(walk=True)
    frames = player.animation_frames(size=16)
    assert len(frames) == len(player.walk_z)
    player.pause()
    assert len(player.animation_frames(size=16)) == player.frame_count  # the path again


def test_a_grid_of_samples_has_the_labels_in_turn(player, tmp_path):
    path = player.save_grid(tmp_path / "grid.png", n=10, size=20)
    assert Image.open(path).size == (2 + 4 * 22, 2 + 3 * 22)
    grid, zs = player.ex.sample_grid(10, player.ex.seed, every_label=True)
    labels = torch.arange(10) % 10
    assert np.array_equal(player.ex.pictures(zs[3:4], labels=labels[3:4])[0],
                          grid[2:34, 2 + 3 * 34:2 + 3 * 34 + 32])


# --- where explorations come from ----------------------------------------------------------------
def test_from_trainer_is_a_copy_that_training_does_not_move(trainer):
    ex = Exploration.from_trainer(trainer)
    assert not ex.prepared  # cheap in the training thread: the sliders come later
    assert f"step {trainer.steps_done}" in ex.title and ex.steps == trainer.steps_done
    ex.prepare()
    before = ex.picture()
    train(trainer, 1)
    assert np.array_equal(ex.picture(), before)
    assert ex.config.data.source == "digits" and ex.config is not trainer.config


def test_from_checkpoint_takes_a_path_or_a_loaded_checkpoint(tmp_path):
    from ganstudio.training.checkpoint import load_checkpoint

    t = Trainer(tiny_config("ring"))
    train(t, 2)
    path = t.save_checkpoint(tmp_path / "ring")
    ex = Exploration.from_checkpoint(path)
    again = Exploration.from_checkpoint(load_checkpoint(path))
    assert ex.prepared and ex.steps == 2 and ex.checkpoint_path == path and not ex.demo
    assert ex.real.shape[1] == 2 and ex.bounds is not None  # the data drawn behind the point
    assert np.array_equal(ex.picture(), again.picture())


def test_a_fresher_copy_of_the_same_model_stays_where_the_sliders_were(trainer):
    player = Player(Exploration.from_trainer(trainer))
    player.randomise()
    player.set_label(4)
    fresher = Exploration.from_trainer(trainer)
    fresher.continue_from(player.ex)
    assert torch.equal(fresher.z, player.ex.z) and fresher.label == 4
    other = Exploration.from_trainer(Trainer(tiny_config("digits", model__latent_dim=12)))
    other.continue_from(player.ex)  # another model starts afresh
    assert other.prepared and other.z.shape == (12,)
    player.load(other)
    assert player.path_z.shape == (player.frame_count, 12)

"""The explorer's player: what the explorer shows and how it moves, without any GUI.

A Player holds an Exploration (the current point: sliders, label, truncation) and everything
around it: the two ends of a path, its kind and frame count, the samples to pick ends from, the
random wander, and the animation (playing or not, speed, repeat, position and direction). It
never keeps time itself: a view calls ``tick(seconds)`` with the time passed, so stepping is
deterministic. Views (the explorer, demo mode) bind to it: they change it through its methods
and ``listen`` to what changed. Pictures and files are made by ``snapshot()`` copies, which a
view may render in another thread while the player keeps changing.
"""

from __future__ import annotations

import copy
import math
from pathlib import Path
from typing import TYPE_CHECKING, Callable

import numpy as np

if TYPE_CHECKING:
    import torch

    from ganstudio.explore.exploration import Exploration


class _OnFirstUse:
    """A module imported when first used: the window builds its player (and imports this file)
    before torch has loaded in the background, and must not wait for it."""

    def __init__(self, name: str):
        self._name = name

    def __getattr__(self, attr: str):
        import importlib

        return getattr(importlib.import_module(self._name), attr)


torch = _OnFirstUse("torch")  # noqa: F811 (the real module, on first use)
latent = _OnFirstUse("ganstudio.explore.latent")
_exploration = _OnFirstUse("ganstudio.explore.exploration")


def tile(*args, **kwargs):
    return _exploration.tile(*args, **kwargs)

REPEATS = {"loop": "Loop", "pingpong": "Back and forth", "once": "Once"}
PATH_KINDS = {"slerp": "Spherical (slerp)", "lerp": "Straight line"}
MIN_FPS, MAX_FPS = 1, 30
MIN_FRAMES, MAX_FRAMES = 2, 240
SLIDER_STEPS = 100  # slider ticks per unit of noise
PICK_SAMPLES, PICK_COLS = 16, 4
WALK_KEYPOINTS, WALK_FRAMES_BETWEEN = 6, 45
EXPORT_CHUNK = 16  # frames drawn between two progress reports

Progress = Callable[[int, int, str], None]  # (done, total, what)


def next_frame(position: int, direction: int, count: int, repeat: str) -> tuple[int, int, bool]:
    """The frame after ``position`` in an animation of ``count`` frames:
    (position, direction, still playing). Back and forth turns at each end without showing the
    end frame twice; once stops on the last frame."""
    nxt = position + direction
    if 0 <= nxt < count:
        return nxt, direction, True
    if repeat == "loop":
        return (0 if direction > 0 else count - 1), direction, True
    if repeat == "pingpong" and count > 1:
        return position - direction, -direction, True
    return position, direction, False


class Player:
    """The explorer's model. Changes are told to listeners as a set of names:

    exploration (another model), sliders (what they move along), point, label, psi, view
    (one picture or every label), path, pick, play (started or stopped), speed, frame."""

    def __init__(self, exploration: Exploration | None = None):
        self.ex: Exploration | None = None
        self.every_label = False  # the picture: the point with every label, not one
        self.end_seeds = [1, 2]  # a path's ends, as seeds, unless set to a point
        self.ends: list[torch.Tensor | None] = [None, None]
        self.path_kind = "slerp"
        self.frame_count = 12
        self.path_z: torch.Tensor | None = None  # the path's noise, one row per frame
        self.pick_seed = 100
        self.pick_z: torch.Tensor | None = None  # the samples ends are picked from
        self.repeat = "loop"
        self.fps = 12
        self.playing = False
        self.walking = False  # playing the wander, not the path
        self.walk_z: torch.Tensor | None = None
        self.position = 0  # the animation's frame shown
        self.direction = 1
        self._due = 0.0  # frames owed by the time passed, not yet shown
        self._homes: dict[int, tuple[int, float]] = {}  # slider -> (tick, exact value) last set
        self._listeners: list[Callable[[set[str]], None]] = []
        if exploration is not None:
            self.load(exploration)

    # --- listening ----------------------------------------------------------------------------
    def listen(self, fn: Callable[[set[str]], None]) -> None:
        self._listeners.append(fn)

    def _tell(self, *what: str) -> None:
        changes = set(what)
        for fn in list(self._listeners):
            fn(changes)

    # --- the model ----------------------------------------------------------------------------
    def load(self, ex: Exploration) -> None:
        """Explore another model (or a fresher copy of this one)."""
        old = self.ex
        self._stop()
        self.walking, self.walk_z = False, None
        ex.prepare()
        if old is None or old.spec.latent_dim != ex.spec.latent_dim:
            self.ends = [None, None]  # points of another noise size mean nothing here
        if old is not None and old.spec.conditional and not ex.spec.conditional:
            self.every_label = False
        self.ex = ex
        self._values_set()
        self._update_path()
        self._update_pick()
        self._tell("exploration", "play")

    def replace(self, ex: Exploration) -> None:
        """The same model with its sliders along other directions (``ex.set_mode`` done)."""
        self.ex = ex
        self._values_set()
        self._tell("sliders", "point")

    def set_mode(self, mode: str) -> None:
        """Change what the sliders move along, here (principal directions take a moment: a
        view may rather do it on a copy in another thread, then ``replace``)."""
        ex = self.ex.copy()
        ex.set_mode(mode)
        self.replace(ex)

    # --- the point ----------------------------------------------------------------------------
    def _values_set(self) -> None:
        # each slider's tick and the exact value it stands for (a random point falls between
        # ticks): moving a slider back to that tick restores the exact point
        self._homes = {i: (tick, float(v)) for i, (tick, v) in
                       enumerate(zip(self.slider_ticks(), self.ex.values))}

    def slider_ticks(self) -> list[int]:
        return [int(round(v * SLIDER_STEPS)) for v in self.ex.values]

    def move_slider(self, i: int, tick: int) -> None:
        """A slider moved by hand to ``tick`` (SLIDER_STEPS per unit); stops the animation."""
        home, exact = self._homes.get(i, (None, 0.0))
        self.ex.values[i] = exact if tick == home else tick / SLIDER_STEPS
        stopped = self._stop()
        self._tell("point", *(("play",) if stopped else ()))

    def set_values(self, values) -> None:
        """Move every slider at once (one picture, not one per slider)."""
        self.ex.values = np.clip(np.asarray(values, dtype=np.float64), -_exploration.SLIDER_RANGE,
                                 _exploration.SLIDER_RANGE)
        self._values_set()
        self._tell("point")

    def randomise(self) -> None:
        self._stop()
        self.ex.randomise()
        self._values_set()
        self._tell("point", "play")

    def centre(self) -> None:
        self._stop()
        self.ex.centre()
        self._values_set()
        self._tell("point", "play")

    def set_label(self, label: int) -> None:
        if not self.ex.spec.conditional:
            return
        self.ex.label = int(label) % self.ex.spec.num_classes
        self._tell("label")

    def next_label(self, delta: int = 1) -> None:
        self.set_label(self.ex.label + delta)

    def set_psi(self, psi: float) -> None:
        """Truncation: 1 = none, 0 = the centre of the noise."""
        self.ex.psi = min(1.0, max(0.0, float(psi)))
        self._update_pick()
        self._tell("psi")

    def set_every_label(self, on: bool) -> None:
        self.every_label = bool(on)
        self._tell("view")

    # --- the path -----------------------------------------------------------------------------
    def end(self, i: int) -> torch.Tensor:
        """The path's start (0) or end (1)."""
        return self.ends[i] if self.ends[i] is not None else self.ex.z_for_seed(
            self.end_seeds[i])

    def set_end(self, i: int, z: torch.Tensor | None) -> None:
        """A noise vector, or None for the seed's point."""
        self.ends[i] = None if z is None else torch.as_tensor(z, dtype=torch.float32).clone()
        self._path_changed()

    def set_end_seed(self, i: int, seed: int) -> None:
        self.end_seeds[i] = int(seed)
        self.set_end(i, None)

    def end_here(self, i: int) -> None:
        """The point the sliders are at becomes the path's start (0) or end (1)."""
        self.set_end(i, self.ex.z)

    def pick(self, index: int, is_end: bool) -> None:
        """One of the samples to pick from becomes the path's start or (``is_end``) end."""
        if self.pick_z is not None and 0 <= index < len(self.pick_z):
            self.set_end(1 if is_end else 0, self.pick_z[index])

    def other_samples(self) -> None:
        self.pick_seed += 1
        self._update_pick()
        self._tell("pick")

    def set_path_kind(self, kind: str) -> None:
        if kind not in PATH_KINDS:
            raise ValueError(f"unknown path kind '{kind}'")
        self.path_kind = kind
        self._path_changed()

    def set_frame_count(self, n: int) -> None:
        self.frame_count = min(MAX_FRAMES, max(MIN_FRAMES, int(n)))
        self._path_changed()

    def _update_path(self) -> None:
        self.path_z = latent.path(self.end(0), self.end(1), self.frame_count, self.path_kind)
        if self.playing and not self.walking:  # the path being played changed: follow it
            self.position = min(self.position, len(self.path_z) - 1)

    def _path_changed(self) -> None:
        self._update_path()
        self._tell("path", *(("frame",) if self.playing and not self.walking else ()))

    def _update_pick(self) -> None:
        self.pick_z = self.ex.sample_noise(PICK_SAMPLES, self.pick_seed)

    # --- the animation ------------------------------------------------------------------------
    @property
    def frames(self) -> torch.Tensor | None:
        """The noise of the animation playing (or to play): the wander or the path."""
        return self.walk_z if self.walking else self.path_z

    @property
    def frame_z(self) -> torch.Tensor | None:
        frames = self.frames
        return None if frames is None else frames[self.position]

    def play(self, walk: bool = False) -> None:
        """Play the path (or a new wander) from its first frame."""
        if self.ex is None:
            return
        self.walking = walk
        if walk:  # a new wander each time, starting where the sliders are
            self.ex.seed += 1
            self.walk_z = self.ex.walk(WALK_KEYPOINTS, WALK_FRAMES_BETWEEN, self.ex.seed)
        self.position, self.direction, self._due = 0, 1, 0.0
        self.playing = True
        self._tell("play", "frame")

    def pause(self) -> None:
        if self._stop():
            self._tell("play")

    def _stop(self) -> bool:
        was, self.playing = self.playing, False
        return was

    def toggle_play(self) -> None:
        if self.playing and not self.walking:
            self.pause()
        else:
            self.play(walk=False)

    def toggle_walk(self) -> None:
        if self.playing and self.walking:
            self.pause()
        else:
            self.play(walk=True)

    def set_speed(self, fps: float) -> None:
        self.fps = min(MAX_FPS, max(MIN_FPS, int(round(fps))))
        self._tell("speed")

    def set_repeat(self, repeat: str) -> None:
        if repeat not in REPEATS:
            raise ValueError(f"unknown repeat '{repeat}'")
        self.repeat = repeat

    def tick(self, seconds: float) -> bool:
        """``seconds`` have passed: move on by as many frames as are due at the speed set.
        True when another frame is to be shown. A wander always loops."""
        if not self.playing:
            return False
        self._due += max(0.0, seconds) * self.fps
        # rounded, not floored: a timer firing a little early still moves one frame
        steps = int(math.floor(self._due + 0.5))
        self._due -= steps
        repeat = "loop" if self.walking else self.repeat
        start, n = self.position, len(self.frames)
        for _ in range(min(steps, 100 * n)):  # a long stall skips ahead, never hangs
            self.position, self.direction, going = next_frame(self.position, self.direction,
                                                              n, repeat)
            if not going:
                self.playing = False
                self._tell("play")
                break
        moved = self.position != start
        if moved:
            self._tell("frame")
        return moved

    # --- pictures (of a snapshot, in any thread) ----------------------------------------------
    def snapshot(self) -> "Player":
        """A copy to render from while this one keeps changing; it tells nobody."""
        snap = copy.copy(self)
        snap.ex = self.ex.copy()
        snap.ends, snap.end_seeds = list(self.ends), list(self.end_seeds)
        snap._homes, snap._listeners = dict(self._homes), []
        return snap

    def picture(self) -> np.ndarray:
        """What the explorer shows: the animation's frame while playing, else the point
        (with every label, when asked and the model has labels)."""
        if self.playing and self.frame_z is not None:
            return self.ex.pictures(self.frame_z[None])[0]
        if self.every_label and self.ex.spec.conditional:
            return self.ex.every_label()
        return self.ex.picture()

    def strip(self, size: int | None = None, padding: int = 1) -> np.ndarray:
        """Every frame of the path side by side (each scaled to ``size`` if given)."""
        return tile(self._drawn(self.path_z, size), padding=padding)

    def pick_grid(self) -> np.ndarray:
        """The samples to pick a path's ends from (their noise is ``pick_z``)."""
        return self.ex.sample_grid(PICK_SAMPLES, self.pick_seed, cols=PICK_COLS)[0]

    def _drawn(self, zs: torch.Tensor, size: int | None, progress: Progress | None = None,
               total: int | None = None) -> list[np.ndarray]:
        from ganstudio.export import fit_picture

        pics = []
        for i in range(0, len(zs), EXPORT_CHUNK):
            chunk = self.ex.pictures(zs[i:i + EXPORT_CHUNK])
            pics += [fit_picture(p, size) for p in chunk] if size else chunk
            if progress:
                progress(len(pics), total or len(zs), "Drawing frames")
        return pics

    def animation_noise(self) -> torch.Tensor:
        """The noise an exported animation shows: the wander while wandering, else the path."""
        return self.walk_z if (self.playing and self.walking) else self.path_z

    def animation_frames(self, size: int | None = None,
                         progress: Progress | None = None) -> list[np.ndarray]:
        """The pictures of the animation as it plays: back and forth adds the way back
        (without repeating the ends), so a looping file plays like the explorer."""
        zs = self.animation_noise()
        frames = self._drawn(zs, size, progress, 2 * len(zs))
        if self.repeat == "pingpong" and not (self.playing and self.walking):
            frames = frames + frames[-2:0:-1]
        return frames

    # --- files --------------------------------------------------------------------------------
    def save_animation(self, path, size: int, progress: Progress | None = None) -> Path:
        """A GIF or an MP4 (by the extension) of the animation, at its speed."""
        from ganstudio.export import save_animation

        frames = self.animation_frames(size, progress)
        n = len(frames)

        def writing(done, total):
            if progress:
                progress(n + done * n // max(total, 1), 2 * n, "Writing")

        return save_animation(frames, path, fps=self.fps, progress=writing)

    def save_picture(self, path, size: int) -> Path:
        from PIL import Image

        from ganstudio.export import fit_picture, save_pil

        return save_pil(Image.fromarray(fit_picture(self.picture(), size)), Path(path))

    def save_strip(self, path, size: int, progress: Progress | None = None) -> Path:
        from PIL import Image

        from ganstudio.export import save_pil

        strip = tile(self._drawn(self.path_z, size, progress), padding=0)
        return save_pil(Image.fromarray(strip), Path(path))

    def save_noise(self, path) -> Path:
        """The path's noise, one row per frame, as .npy."""
        from ganstudio.export import save_array

        return save_array(self.path_z.numpy().astype(np.float32), Path(path))

    def save_grid(self, path, n: int, size: int, progress: Progress | None = None) -> Path:
        """``n`` random samples with the labels in turn, in a square grid."""
        from PIL import Image

        from ganstudio.export import save_pil

        grid, _ = self.ex.sample_grid(n, self.ex.seed, cols=math.ceil(math.sqrt(n)),
                                      every_label=True, size=size, progress=progress)
        return save_pil(Image.fromarray(grid), Path(path))

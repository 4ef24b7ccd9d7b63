"""Exploring a trained generator, GUI-free: a point in latent space moved by sliders, paths
between points, a smooth random walk, and the pictures of all of these.

The generator is a copy on the CPU in eval mode, never the module being trained:
``Exploration.from_trainer`` (a snapshot of the run's averaged generator) or
``Exploration.from_checkpoint``; either carries what a view needs (spec, title, config, and for
points in the plane the real points and the view's box). The explorer's player
(ganstudio.explore.player) moves it around. Pictures come back as uint8 arrays at the model's
own size (the viewer zooms); points in the plane are drawn as a picture of the data, the
generator's noise grid and the point.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import torch

from ganstudio.explore import latent
from ganstudio.export import fit_picture, image_grid, scatter_image, to_uint8_images
from ganstudio.training.visuals import latent_mesh

from ganstudio.explore.modes import (DIRECTION_SLIDERS, MAX_DIMENSION_SLIDERS,
                                     MODES, PLANE_SIZE, SLIDER_RANGE)


@dataclass
class Exploration:
    """Where we are: z = truncate(base + values @ directions, psi)."""

    G: torch.nn.Module
    spec: object  # ModelSpec
    title: str
    real: np.ndarray | None = None  # 2-D models: real points drawn behind
    bounds: tuple | None = None  # 2-D models: the view
    mode: str = "dimensions"
    base: torch.Tensor = None
    directions: torch.Tensor = None  # (k, latent_dim), orthonormal rows
    explained: torch.Tensor | None = None  # share of output variance per direction
    values: np.ndarray = field(default_factory=lambda: np.zeros(0))
    label: int = 0
    psi: float = 1.0  # truncation: 1 = none
    seed: int = 0
    config: object = None  # the ExperimentConfig it was trained with, when known
    steps: int | None = None  # training steps behind the generator, when known
    checkpoint_path: Path | None = None  # the checkpoint it came from, if any
    demo: bool = False  # a bundled demo model
    taught: list = field(default_factory=list)  # directions saved with it (explore/directions)
    picked: list | None = None  # the directions of the "chosen" slider mode

    # --- set-up -------------------------------------------------------------------------------
    @classmethod
    def of(cls, G, spec, title: str, real=None, bounds=None, mode: str | None = None):
        ex = cls(G.eval(), spec, title, real, bounds)
        ex.prepare(mode)
        return ex

    @classmethod
    def from_checkpoint(cls, checkpoint) -> "Exploration":
        """An exploration of a checkpoint's generator (the averaged one when there is one).
        ``checkpoint``: a path, or a Checkpoint already loaded (to resume from it as well)."""
        from ganstudio.training.checkpoint import Checkpoint, load_checkpoint, load_generator

        ckpt = checkpoint if isinstance(checkpoint, Checkpoint) else load_checkpoint(checkpoint)
        G, _ = load_generator(ckpt)
        real = bounds = None
        if ckpt.spec.kind == "2d":
            real, bounds = plane_backdrop(ckpt.config)
        title = ckpt.meta.get("title") or f"{ckpt.path.name}: {ckpt.describe()}"
        ex = cls(G, ckpt.spec, title, real, bounds, config=ckpt.config,
                 steps=ckpt.steps_done, checkpoint_path=ckpt.path, demo=bool(ckpt.info.get("demo")))
        from ganstudio.explore.direction_files import load_quietly

        ex.taught = load_quietly(ckpt.path, ckpt.spec.latent_dim)  # saved beside it
        ex.prepare()  # loading is off the UI thread already: find the directions here too
        return ex

    @classmethod
    def from_trainer(cls, trainer) -> "Exploration":
        """An exploration of a CPU copy of the run's sampling generator (the averaged one when
        there is one); training goes on undisturbed. Cheap enough for the training thread: the
        sliders' directions are found later, by ``prepare()`` (the explorer does it)."""
        spec, steps = trainer.spec, trainer.steps_done
        real = bounds = None
        if spec.kind == "2d":
            real, bounds = trainer.source.preview(800)[0].numpy(), trainer.source.bounds
        averaged = " (averaged weights)" if trainer.ema is not None else ""
        title = f"The current run's generator at step {steps:,}{averaged}: {spec.describe()}"
        return cls(trainer.snapshot_generator(), spec, title, real, bounds,
                   config=trainer.config.copy(), steps=steps)

    @property
    def prepared(self) -> bool:
        return self.directions is not None

    def prepare(self, mode: str | None = None) -> None:
        """Set the sliders up (a moment for principal directions), once."""
        if self.directions is None or mode is not None:
            self.set_mode(mode or ("dimensions" if self.spec.latent_dim <= MAX_DIMENSION_SLIDERS
                                   else "principal"))

    def continue_from(self, old: "Exploration | None") -> None:
        """A fresher copy of the same model: stay where ``old`` was (sliders, label,
        truncation); a different model starts afresh."""
        if old is None or old.spec != self.spec or not old.prepared:
            self.prepare()
            return
        self.mode, self.directions, self.explained = old.mode, old.directions, old.explained
        self.picked = old.picked
        if self.checkpoint_path == old.checkpoint_path and not self.taught:
            self.taught = old.taught  # taught on this model, not saved with a file
        self.base, self.values = old.base, np.array(old.values, copy=True)
        self.label, self.psi, self.seed = old.label, old.psi, old.seed

    def set_mode(self, mode: str) -> None:
        """Change what the sliders move along, keeping the current point."""
        if mode not in MODES:
            raise ValueError(f"unknown slider mode '{mode}'")
        n = self.spec.latent_dim
        current = self.raw_z if self.directions is not None else self.start_point()
        self.mode = mode
        self.explained = None
        if mode == "dimensions":
            self.directions = torch.eye(n)[:MAX_DIMENSION_SLIDERS]
        elif mode == "principal":
            d = latent.principal_directions(self.G, n, k=DIRECTION_SLIDERS,
                                            y=self._labels(1024))
            self.directions, self.explained = d.vectors, d.explained
        elif mode in ("sefa", "chosen"):  # found in the weights, or chosen and taught
            from ganstudio.explore import directions

            self.directions, self.explained, chosen = directions.slider_directions(self, mode)
            self.picked = chosen if mode == "chosen" else self.picked
        else:
            self.directions = latent.random_directions(n, min(DIRECTION_SLIDERS, n),
                                                       seed=self.seed)
        self.move_to(current)

    def _labels(self, n: int) -> torch.Tensor | None:
        if not self.spec.conditional:
            return None
        return torch.arange(n) % self.spec.num_classes

    # --- the point ----------------------------------------------------------------------------
    def start_point(self) -> torch.Tensor:
        """Where the sliders start on a model shown afresh: the noise of seed 0."""
        return torch.randn(self.spec.latent_dim, generator=torch.Generator().manual_seed(0))

    def first_picture(self, every_label: bool = False) -> np.ndarray:
        """The picture of the point the sliders will show, without setting them up: it is
        drawn in a moment, while principal directions can take seconds (``prepare``)."""
        raw = self.raw_z if self.prepared else self.start_point()
        z = latent.truncate(raw, self.psi)
        if every_label and self.spec.conditional:
            return self.every_label(z)
        return self.pictures(z[None])[0]

    @property
    def raw_z(self) -> torch.Tensor:
        self.prepare()
        v = torch.as_tensor(self.values, dtype=torch.float32)
        return self.base + v @ self.directions

    @property
    def z(self) -> torch.Tensor:
        return latent.truncate(self.raw_z, self.psi)

    def move_to(self, z: torch.Tensor) -> None:
        """Make ``z`` the current point: sliders show its coordinates along the directions,
        the rest of it stays in ``base`` (so nothing of z is lost)."""
        z = torch.as_tensor(z, dtype=torch.float32).reshape(-1)
        coords = (self.directions @ z).clamp(-SLIDER_RANGE, SLIDER_RANGE)
        self.base = z - coords @ self.directions
        self.values = coords.double().numpy()

    def randomise(self) -> None:
        self.seed += 1
        self.move_to(self.z_for_seed(1000 + self.seed))

    def centre(self) -> None:
        self.values = np.zeros(len(self.values))
        if self.mode == "dimensions":  # the centre of the noise itself
            self.base = torch.zeros(self.spec.latent_dim)

    def noise(self, n: int, seed: int) -> torch.Tensor:
        """``n`` points of noise given by a seed: the same seed is always the same points."""
        return torch.randn(n, self.spec.latent_dim, generator=torch.Generator().manual_seed(seed))

    def z_for_seed(self, seed: int) -> torch.Tensor:
        return self.noise(1, seed)[0]

    def copy(self) -> "Exploration":
        """A copy safe to render from another thread while this one keeps changing."""
        return replace(self, values=np.array(self.values, copy=True))

    def slider_names(self) -> list[tuple[str, str]]:
        """(name, tooltip) for each slider."""
        out = []
        for i in range(len(self.values)):
            if self.mode in ("sefa", "chosen"):
                from ganstudio.explore import directions

                return directions.slider_names(self)
            if self.mode == "dimensions":
                out.append((f"Noise {i + 1}", f"The generator's noise number {i + 1}"))
            elif self.mode == "principal":
                share = float(self.explained[i]) * 100
                out.append((f"Direction {i + 1}", f"A main direction of change: moves "
                            f"{share:.0f}% of how the output varies (principal components)"))
            else:
                out.append((f"Random {i + 1}", "A random direction through the noise"))
        return out

    # --- pictures -----------------------------------------------------------------------------
    @torch.no_grad()
    def pictures(self, zs: torch.Tensor, label: int | None = None,
                 labels: torch.Tensor | None = None) -> list[np.ndarray]:
        """One picture per row of ``zs`` (batched)."""
        zs = torch.as_tensor(zs, dtype=torch.float32).reshape(-1, self.spec.latent_dim)
        if self.spec.conditional and labels is None:
            labels = torch.full((len(zs),), self.label if label is None else label)
        out = []
        for start in range(0, len(zs), 256):
            z = zs[start:start + 256]
            y = None if labels is None else labels[start:start + 256]
            x = self.G(z, y)
            if self.spec.kind == "2d":
                out += [self._plane(zi, xi) for zi, xi in zip(z, x)]
            else:
                pics = to_uint8_images(x)
                if pics.shape[-1] == 1:  # grey: shown and saved as RGB like the rest
                    pics = np.repeat(pics, 3, axis=-1)
                out += list(pics)
        return out

    def _plane(self, z: torch.Tensor, point: torch.Tensor) -> np.ndarray:
        mesh = None
        if self.spec.latent_dim >= 2:  # the grid of the first two noise numbers, through z
            mesh = latent_mesh(self.G, self.spec.latent_dim, "cpu", base=z).numpy()
        im = scatter_image(np.zeros((0, 2)), self.bounds, real=self.real, size=PLANE_SIZE,
                           mesh=mesh, highlight=point[None])
        return np.asarray(im)

    def picture(self) -> np.ndarray:
        return self.pictures(self.z[None])[0]

    @torch.no_grad()
    def output(self) -> torch.Tensor:
        """The generator's raw output for the current point and label ((1, C, H, W) in
        [-1, 1]): what the memorisation check compares with the training pictures."""
        y = torch.full((1,), self.label) if self.spec.conditional else None
        return self.G(self.z[None], y).float()

    def nearest_training_pictures(self, progress=None, index=None):
        """The training pictures nearest the current sample (metrics/nearest.py), and the
        index searched (pass it back to search the same data again without reading it)."""
        from ganstudio.data import build_source
        from ganstudio.metrics.nearest import NearestPictures

        if self.config is None or self.spec.kind == "2d":
            raise ValueError("the memorisation check needs pictures and the data they were "
                             "trained on")
        if index is None:
            index = NearestPictures(build_source(self.config, progress=progress),
                                    progress=progress)
        return index.query(self.output()), index

    def every_label(self, z: torch.Tensor | None = None) -> np.ndarray:
        """The current noise (or ``z``) drawn with every label: what the label alone
        changes."""
        k = self.spec.num_classes
        zs = (self.z if z is None else z)[None].expand(k, -1)
        pics = self.pictures(zs, labels=torch.arange(k))
        return tile(pics, cols=min(k, 5))

    def sample_noise(self, n: int, seed: int) -> torch.Tensor:
        """The noise of ``sample_grid``: truncated like the current point."""
        return latent.truncate(self.noise(n, seed), self.psi)

    def sample_grid(self, n: int, seed: int, cols: int | None = None,
                    every_label: bool = False, size: int | None = None, padding: int = 2,
                    progress=None) -> tuple[np.ndarray, torch.Tensor]:
        """``n`` random samples (truncated like the current point) and their noise; with the
        current label, or with the labels in turn. ``size``: each picture scaled to it;
        ``progress(done, total, what)`` is told as pictures are drawn."""
        zs = self.sample_noise(n, seed)
        labels = self._labels(n) if every_label else None
        pics = []
        for start in range(0, n, 64):  # in chunks, to tell progress on large grids
            chunk = self.pictures(zs[start:start + 64],
                                  labels=None if labels is None else labels[start:start + 64])
            pics += [fit_picture(p, size) for p in chunk] if size else chunk
            if progress:
                progress(len(pics), n, "Drawing samples")
        return tile(pics, cols, padding=padding), zs

    # --- paths --------------------------------------------------------------------------------
    def path(self, a: torch.Tensor, b: torch.Tensor, frames: int,
             kind: str = "slerp") -> torch.Tensor:
        return latent.path(a, b, frames, kind)

    def walk(self, keypoints: int, frames_between: int, seed: int) -> torch.Tensor:
        """A smooth random walk: spherical paths through random points, eased so the motion
        slows into each point and out of it; ends where it began, so it loops seamlessly."""
        g = torch.Generator().manual_seed(seed)
        keys = torch.randn(keypoints, self.spec.latent_dim, generator=g)
        keys = torch.cat([self.z[None], keys, self.z[None]])
        t = torch.linspace(0, 1, frames_between + 1)[:-1]
        eased = 0.5 - 0.5 * torch.cos(math.pi * t)
        legs = [latent.slerp(keys[i], keys[i + 1], eased) for i in range(len(keys) - 1)]
        return latent.truncate(torch.cat(legs), self.psi)


def tile(pictures: list[np.ndarray], cols: int | None = None, padding: int = 2) -> np.ndarray:
    """Pictures (H, W, 3) side by side in rows."""
    x = torch.from_numpy(np.stack(pictures)).permute(0, 3, 1, 2).float() / 127.5 - 1
    return image_grid(x, nrow=cols or len(pictures), padding=padding)


def plane_backdrop(config) -> tuple[np.ndarray, tuple]:
    """For a 2-D experiment: real points to draw behind generated ones, and the view's box."""
    from ganstudio.data import build_source

    src = build_source(config, seed=0)
    return src.preview(800)[0].numpy(), src.bounds


def open_for_exploring(path: str | Path) -> Exploration:
    """An exploration of a checkpoint's generator (the averaged one when there is one)."""
    return Exploration.from_checkpoint(path)

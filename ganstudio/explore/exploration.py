"""Exploring a trained generator, GUI-free: a point in latent space moved by sliders, paths
between points, a smooth random walk, and the pictures of all of these.

The generator is a copy on the CPU in eval mode (a snapshot or a checkpoint's), never the module
being trained. Pictures come back as uint8 arrays at the model's own size (the viewer zooms);
points in the plane are drawn as a picture of the data, the generator's noise grid and the point.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import torch

from ganstudio.explore import latent
from ganstudio.export import image_grid, scatter_image, to_uint8_images
from ganstudio.training.visuals import latent_mesh

SLIDER_RANGE = 3.0  # sliders span -3..3 (the noise is standard normal)
MAX_DIMENSION_SLIDERS = 16  # above this, sliders move along directions instead
DIRECTION_SLIDERS = 10
PLANE_SIZE = 420  # pixels of a 2-D model's picture

MODES = {
    "dimensions": "Noise numbers",
    "principal": "Main directions",
    "random": "Random directions",
}


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

    # --- set-up -------------------------------------------------------------------------------
    @classmethod
    def of(cls, G, spec, title: str, real=None, bounds=None, mode: str | None = None):
        ex = cls(G.eval(), spec, title, real, bounds)
        ex.set_mode(mode or ("dimensions" if spec.latent_dim <= MAX_DIMENSION_SLIDERS
                             else "principal"))
        return ex

    def set_mode(self, mode: str) -> None:
        """Change what the sliders move along, keeping the current point."""
        if mode not in MODES:
            raise ValueError(f"unknown slider mode '{mode}'")
        n = self.spec.latent_dim
        current = self.raw_z if self.directions is not None else torch.randn(
            n, generator=torch.Generator().manual_seed(0))
        self.mode = mode
        self.explained = None
        if mode == "dimensions":
            self.directions = torch.eye(n)[:MAX_DIMENSION_SLIDERS]
        elif mode == "principal":
            d = latent.principal_directions(self.G, n, k=DIRECTION_SLIDERS,
                                            y=self._labels(1024))
            self.directions, self.explained = d.vectors, d.explained
        else:
            self.directions = latent.random_directions(n, min(DIRECTION_SLIDERS, n),
                                                       seed=self.seed)
        self.move_to(current)

    def _labels(self, n: int) -> torch.Tensor | None:
        if not self.spec.conditional:
            return None
        return torch.arange(n) % self.spec.num_classes

    # --- the point ----------------------------------------------------------------------------
    @property
    def raw_z(self) -> torch.Tensor:
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

    def z_for_seed(self, seed: int) -> torch.Tensor:
        return torch.randn(self.spec.latent_dim, generator=torch.Generator().manual_seed(seed))

    def copy(self) -> "Exploration":
        """A copy safe to render from another thread while this one keeps changing."""
        return replace(self, values=np.array(self.values, copy=True))

    def slider_names(self) -> list[tuple[str, str]]:
        """(name, tooltip) for each slider."""
        out = []
        for i in range(len(self.values)):
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

    def every_label(self) -> np.ndarray:
        """The current noise drawn with every label: what the label alone changes."""
        k = self.spec.num_classes
        zs = self.z[None].expand(k, -1)
        pics = self.pictures(zs, labels=torch.arange(k))
        return tile(pics, cols=min(k, 5))

    def sample_grid(self, n: int, seed: int, cols: int | None = None,
                    every_label: bool = False) -> tuple[np.ndarray, torch.Tensor]:
        """``n`` random samples (truncated like the current point) and their noise; with the
        current label, or with the labels in turn."""
        zs = torch.randn(n, self.spec.latent_dim, generator=torch.Generator().manual_seed(seed))
        zs = latent.truncate(zs, self.psi)
        labels = self._labels(n) if every_label else None
        return tile(self.pictures(zs, labels=labels), cols), zs

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
    from ganstudio.data.toy2d import Toy2DSource

    d = config.data
    src = Toy2DSource(d.source, noise=d.noise, points=d.points)
    return src.preview(800)[0].numpy(), src.bounds


def load_for_exploring(path: str | Path):
    """(checkpoint, its sampling generator, real points or None, bounds or None)."""
    from ganstudio.training.checkpoint import load_checkpoint, load_generator

    ckpt = load_checkpoint(path)
    G, _ = load_generator(ckpt)
    real = bounds = None
    if ckpt.spec.kind == "2d":
        real, bounds = plane_backdrop(ckpt.config)
    return ckpt, G, real, bounds


def open_for_exploring(path: str | Path) -> Exploration:
    """An exploration of a checkpoint's generator (the averaged one when there is one)."""
    ckpt, G, real, bounds = load_for_exploring(path)
    ex = Exploration.of(G, ckpt.spec, f"{ckpt.path.name}: {ckpt.describe()}", real, bounds)
    ex.config = ckpt.config
    return ex

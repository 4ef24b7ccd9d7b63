"""Points in the plane: the 2-D mixtures used to test GANs for mode collapse, and friends.

Drawn afresh for every batch (as in the literature), from a seeded torch.Generator whose state is
the whole resumable state of the source.
"""

from __future__ import annotations

import math
from typing import Callable

import torch

from ganstudio import catalog
from ganstudio.data.base import DataError, DataSource

# ring: 8 Gaussians with means (cos 2*pi*k/8, sin 2*pi*k/8), k = 0..7, variance 1e-4 (std 0.01).
# grid: 25 Gaussians with means (-4 + 2i, -4 + 2j), i, j = 0..4, variance 0.0025 (std 0.05).
# Both from Lin et al., "PacGAN" (NeurIPS 2018), Sec. 4.1 and Table 1, which follow Srivastava et
# al., "VEEGAN" (NeurIPS 2017), Table 1. The angles are 2*pi*k/8 for k < 8: linspace(0, 2*pi, 8)
# would give only 7 distinct means, a bug in several public implementations.
RING_MODES = 8
RING_RADIUS = 1.0
RING_STD = 0.01
GRID_SIDE = 5
GRID_SPACING = 2.0
GRID_STD = 0.05


def ring_means() -> torch.Tensor:
    angles = 2 * math.pi * torch.arange(RING_MODES, dtype=torch.float64) / RING_MODES
    return (RING_RADIUS * torch.stack([angles.cos(), angles.sin()], 1)).float()


def grid_means() -> torch.Tensor:
    ticks = -4.0 + GRID_SPACING * torch.arange(GRID_SIDE, dtype=torch.float32)
    gx, gy = torch.meshgrid(ticks, ticks, indexing="ij")
    return torch.stack([gx.reshape(-1), gy.reshape(-1)], 1)


class Shape:
    """How one 2-D data set draws its points: the loader its catalogue entry names
    (catalog.SOURCES), called like every loader: ``shape(data, seed=, progress=)`` gives the
    Toy2DSource. ``means``/``std`` are set for the Gaussian mixtures (metrics use them)."""

    needs_points = False  # draws around the user's own points (data.points)

    @property
    def means(self) -> torch.Tensor | None:
        return None

    std: float | None = None

    def draw(self, n: int, gen: torch.Generator, noise: float,
             points: torch.Tensor | None) -> torch.Tensor:
        raise NotImplementedError

    def __call__(self, data, *, seed: int = 0, progress=None) -> "Toy2DSource":
        return Toy2DSource(data.source, noise=data.noise, points=data.points, seed=seed,
                           shape=self)


class Mixture(Shape):
    """Gaussian blobs of one spread around fixed means (made on first use)."""

    def __init__(self, means: Callable[[], torch.Tensor], std: float):
        self._means_of, self._means, self.std = means, None, std

    @property
    def means(self) -> torch.Tensor:
        if self._means is None:
            self._means = self._means_of()
        return self._means

    def draw(self, n, gen, noise, points):
        k = torch.randint(len(self.means), (n,), generator=gen)
        return self.means[k] + self.std * torch.randn(n, 2, generator=gen)


class AroundPoints(Shape):
    needs_points = True

    def draw(self, n, gen, noise, points):
        k = torch.randint(len(points), (n,), generator=gen)
        return points[k] + noise * torch.randn(n, 2, generator=gen)


class Curve(Shape):
    """Points on a curve of two arms, spread by the source's noise: ``curve(u, arm)`` maps
    u in [0, 1) and the arm (0 or 1) to the plane."""

    def __init__(self, curve: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]):
        self.curve = curve

    def draw(self, n, gen, noise, points):
        u = torch.rand(n, generator=gen)
        arm = torch.randint(2, (n,), generator=gen).float()
        return self.curve(u, arm) + noise * torch.randn(n, 2, generator=gen)


def _spiral(u, arm):
    # two arms of 1.5 turns; sqrt spreads points evenly along the curve's length
    t = u.sqrt()
    angle = 3 * math.pi * t + math.pi * arm
    return torch.stack([t * angle.cos(), t * angle.sin()], 1)


def _moons(u, arm):
    angle = math.pi * u
    upper = torch.stack([angle.cos() - 0.5, angle.sin() - 0.25], 1)
    lower = torch.stack([0.5 - angle.cos(), 0.25 - angle.sin()], 1)
    return torch.where(arm[:, None] > 0, lower, upper)


def _circles(u, arm):  # radius 1 and 0.5
    angle = 2 * math.pi * u
    r = 1.0 - 0.5 * arm
    return torch.stack([r * angle.cos(), r * angle.sin()], 1)


# the loaders the catalogue's 2-D entries name ("ganstudio.data.toy2d:RING"...)
RING = Mixture(ring_means, RING_STD)
GRID = Mixture(grid_means, GRID_STD)
SPIRAL = Curve(_spiral)
MOONS = Curve(_moons)
CIRCLES = Curve(_circles)
POINTS = AroundPoints()


def shape_of(name: str) -> Shape:
    """The shape of the 2-D data set ``name``, from its catalogue entry."""
    info = catalog.SOURCES.get(name)
    shape = info.load() if info is not None and info.kind == "2d" else None
    if not isinstance(shape, Shape):
        raise DataError(f"unknown 2-D data set '{name}'")
    return shape


class Toy2DSource(DataSource):
    """A distribution over R^2, drawn by its ``Shape`` (the catalogue entry's, unless given).
    ``means``/``std`` are set for the Gaussian mixtures (metrics use them); ``bounds`` is a box
    that holds nearly all of the data, for plots."""

    kind = "2d"

    def __init__(self, name: str, *, noise: float = 0.05, points: list | None = None,
                 seed: int = 0, shape: Shape | None = None):
        super().__init__(seed)
        self.shape = shape if shape is not None else shape_of(name)
        self.id = name
        info = catalog.SOURCES.get(name)
        self.title = info.title if info is not None else name
        self.noise = float(noise)
        means = self.shape.means
        self.means: torch.Tensor | None = None if means is None else means.clone()
        self.std: float | None = self.shape.std
        self.points = None
        if self.shape.needs_points:
            if not points:
                raise DataError(f"{self.title}: place at least one point")
            self.points = torch.tensor(points, dtype=torch.float32).reshape(-1, 2)
        self._gen = torch.Generator().manual_seed(self.seed)

    # --- drawing ------------------------------------------------------------------------------
    def draw(self, n: int, gen: torch.Generator) -> torch.Tensor:
        return self.shape.draw(n, gen, self.noise, self.points)

    def next_batch(self, n: int) -> tuple[torch.Tensor, None]:
        return self.draw(n, self._gen), None

    def preview(self, n: int, seed: int = 1234) -> tuple[torch.Tensor, None]:
        return self.draw(n, torch.Generator().manual_seed(seed)), None

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """(xmin, xmax, ymin, ymax): the data's box with a margin, square, for plots."""
        if self.means is not None:
            lo = self.means.min(0).values - 4 * self.std
            hi = self.means.max(0).values + 4 * self.std
        else:
            pts = self.preview(4000, seed=7)[0]
            lo, hi = pts.min(0).values, pts.max(0).values
        centre, half = (lo + hi) / 2, float((hi - lo).max()) / 2 * 1.25 + 1e-3
        cx, cy = float(centre[0]), float(centre[1])
        return cx - half, cx + half, cy - half, cy + half

    def fresh(self, seed: int) -> "Toy2DSource":
        points = None if self.points is None else self.points.tolist()
        return Toy2DSource(self.id, noise=self.noise, points=points, seed=seed, shape=self.shape)

    # --- state --------------------------------------------------------------------------------
    def state_dict(self) -> dict:
        return {"rng": self._gen.get_state()}

    def load_state_dict(self, state: dict) -> None:
        self._gen.set_state(state["rng"])

    def describe(self) -> str:
        if self.means is not None:
            return (f"{self.title}: {len(self.means)} Gaussian blobs (std {self.std:g}), "
                    "new points every step")
        if self.points is not None:
            return f"{self.title}: {len(self.points)} points, spread {self.noise:g}"
        return f"{self.title}: spread {self.noise:g}, new points every step"

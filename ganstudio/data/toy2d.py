"""Points in the plane: the 2-D mixtures used to test GANs for mode collapse, and friends.

Drawn afresh for every batch (as in the literature), from a seeded torch.Generator whose state is
the whole resumable state of the source.
"""

from __future__ import annotations

import math

import torch

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


TITLES = {"ring": "Ring of 8 blobs", "grid": "Grid of 25 blobs", "spiral": "Spiral",
          "moons": "Two moons", "circles": "Two circles", "points": "My points"}


class Toy2DSource(DataSource):
    """A distribution over R^2. ``means``/``std`` are set for the Gaussian mixtures (metrics use
    them); ``bounds`` is a box that holds nearly all of the data, for plots."""

    kind = "2d"

    def __init__(self, name: str, *, noise: float = 0.05, points: list | None = None,
                 seed: int = 0):
        super().__init__(seed)
        if name not in TITLES:
            raise DataError(f"unknown 2-D data set '{name}'")
        self.id = name
        self.title = TITLES[name]
        self.noise = float(noise)
        self.means: torch.Tensor | None = None
        self.std: float | None = None
        if name == "ring":
            self.means, self.std = ring_means(), RING_STD
        elif name == "grid":
            self.means, self.std = grid_means(), GRID_STD
        self.points = None
        if name == "points":
            if not points:
                raise DataError("My points: place at least one point")
            self.points = torch.tensor(points, dtype=torch.float32).reshape(-1, 2)
        self._gen = torch.Generator().manual_seed(self.seed)

    # --- drawing ------------------------------------------------------------------------------
    def draw(self, n: int, gen: torch.Generator) -> torch.Tensor:
        if self.means is not None:
            k = torch.randint(len(self.means), (n,), generator=gen)
            return self.means[k] + self.std * torch.randn(n, 2, generator=gen)
        if self.id == "points":
            k = torch.randint(len(self.points), (n,), generator=gen)
            return self.points[k] + self.noise * torch.randn(n, 2, generator=gen)
        u = torch.rand(n, generator=gen)
        arm = torch.randint(2, (n,), generator=gen).float()
        if self.id == "spiral":
            # two arms of 1.5 turns; sqrt spreads points evenly along the curve's length
            t = u.sqrt()
            angle = 3 * math.pi * t + math.pi * arm
            xy = torch.stack([t * angle.cos(), t * angle.sin()], 1)
        elif self.id == "moons":
            angle = math.pi * u
            upper = torch.stack([angle.cos() - 0.5, angle.sin() - 0.25], 1)
            lower = torch.stack([0.5 - angle.cos(), 0.25 - angle.sin()], 1)
            xy = torch.where(arm[:, None] > 0, lower, upper)
        else:  # circles: radius 1 and 0.5
            angle = 2 * math.pi * u
            r = 1.0 - 0.5 * arm
            xy = torch.stack([r * angle.cos(), r * angle.sin()], 1)
        return xy + self.noise * torch.randn(n, 2, generator=gen)

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
        return Toy2DSource(self.id, noise=self.noise, points=points, seed=seed)

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

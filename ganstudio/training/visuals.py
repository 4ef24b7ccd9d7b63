"""What the views show, computed as plain numpy arrays (no Qt): sample grids, and for points in
the plane the GAN Lab picture — real and generated points, the discriminator's opinion of every
place as a heat map, the direction the generator is pushed in at each of its points, and the
generator's latent grid drawn as a mesh over the plane.

Computed in the training thread from the live networks (under the trainer's lock), so the UI
thread only paints.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from ganstudio import objectives
from ganstudio.export import image_grid

HEATMAP_SIZE = 32  # D evaluated on a 32 x 32 grid of the plane...
HEATMAP_SHOWN = 96  # ...and drawn 96 x 96, bilinear: D's opinion is smooth, so this looks finer
# than 48 x 48 evaluated, at half the cost (measured: a 2-D picture 10.6 -> 4.8 ms, ring preset)
MESH_LINES = 21  # latent grid lines per direction
FAKE_POINTS = 512
HEAT_MARGIN = 1.6
REAL_POINTS = 512
# the heat map's colours, D's opinion from 0 ("generated") through 0.5 to 1 ("real"): purple,
# pale, green (after GAN Lab)
HEAT_COLOURS = ((150, 110, 210), (246, 246, 242), (90, 180, 120))


@dataclass
class PlaneView:
    """Everything the 2-D view draws, in data coordinates."""

    bounds: tuple[float, float, float, float]  # the data's box: xmin, xmax, ymin, ymax
    heat_bounds: tuple[float, float, float, float]  # the box the heat map covers
    real: np.ndarray  # (N, 2)
    fake: np.ndarray  # (M, 2)
    heatmap: np.ndarray | None  # (H, W) in [0, 1]: 1 = "real" to D; row 0 is ymin
    arrows: np.ndarray | None  # (M, 2): where the generator's loss pushes each fake point (scaled)
    mesh: np.ndarray | None  # (L, L, 2): G over a grid of the first two latent dimensions
    step: int
    # the heat map coloured, ready to show: (H, W) uint32 0xffRRGGBB (Qt's RGB32 pixels), made
    # here in the training thread so the window's thread only draws it (heat_rgb32)
    heat_rgb32: np.ndarray | None = None


def _heat_lut() -> np.ndarray:
    """256 colours from HEAT_COLOURS, linear between them, as 0xffRRGGBB."""
    t = np.linspace(0.0, 1.0, 256)
    stops = np.array([0.0, 0.5, 1.0])
    rgb = np.stack([np.interp(t, stops, [c[i] for c in HEAT_COLOURS]) for i in range(3)], 1)
    rgb = np.round(rgb).astype(np.uint32)
    return (0xFF000000 | (rgb[:, 0] << 16) | (rgb[:, 1] << 8) | rgb[:, 2]).astype(np.uint32)


_HEAT_LUT = _heat_lut()


def heat_rgb32(heat: np.ndarray) -> np.ndarray:
    """A heat map of values in [0, 1] as (H, W) uint32 pixels 0xffRRGGBB, row 0 first."""
    index = np.clip(np.rint(np.asarray(heat, dtype=np.float32) * 255), 0, 255).astype(np.uint8)
    return np.ascontiguousarray(_HEAT_LUT[index])


def sample_grid(trainer, nrow: int = 8) -> np.ndarray:
    """The fixed-noise samples as one uint8 (H, W, 3) picture. A live picture: the averaged
    generator's batch-norm statistics may be a few steps old (Trainer.sampling_generator)."""
    return image_grid(trainer.fixed_samples(stale_ok=True), nrow=nrow)


SAMPLE_POINTS = 1000  # generated (and real) points in a 2-D run's sample picture


def sample_picture(trainer) -> np.ndarray:
    """A run's sample picture as uint8 (H, W, 3): the fixed-noise grid for pictures; for points,
    1,000 generated points (always the same noise) over 1,000 real ones, 512 x 512. What
    ``ganstudio train`` saves in samples/ and writes to TensorBoard."""
    if trainer.spec.kind == "2d":
        from ganstudio.export import scatter_image

        z = torch.randn(SAMPLE_POINTS, trainer.spec.latent_dim,
                        generator=torch.Generator().manual_seed(0))
        return np.asarray(scatter_image(trainer.sample(z), trainer.source.bounds,
                                        real=trainer.source.preview(SAMPLE_POINTS)[0]))
    return sample_grid(trainer)


def plane_view(trainer, fake_z: torch.Tensor | None = None, real: np.ndarray | None = None,
               heatmap_size: int = HEATMAP_SIZE, mesh: bool = True,
               shown_size: int = HEATMAP_SHOWN, heatmap: bool = True,
               arrows: bool = True) -> PlaneView:
    """The GAN Lab picture of a 2-D run. ``fake_z`` fixes which noise the points come from, so
    they move smoothly from one update to the next. ``heatmap``, ``arrows`` and ``mesh`` say
    which layers to compute: each costs training time (ring preset, measured: heat map 1.4 ms,
    arrows 1.6 ms, mesh 0.7 ms of a 4.8 ms picture), so a viewer asks only for those it shows.
    A layer left out is None."""
    source, spec = trainer.source, trainer.spec
    name = trainer.config.loss.name
    bounds = source.bounds
    # the heat map reaches past the data's box, as far as a wide view usually shows
    cx, cy = (bounds[0] + bounds[1]) / 2, (bounds[2] + bounds[3]) / 2
    half = (bounds[1] - bounds[0]) / 2 * HEAT_MARGIN
    x0, x1, y0, y1 = cx - half, cx + half, cy - half, cy + half
    dev = trainer.device
    if fake_z is None:
        fake_z = torch.randn(FAKE_POINTS, spec.latent_dim, generator=torch.Generator()
                             .manual_seed(5))
    if real is None:
        real = source.preview(REAL_POINTS)[0].numpy()
    heat = grid = push = None
    with trainer.lock:
        G = trainer.sampling_generator()
        D = trainer.D
        g_mode, d_mode = G.training, D.training
        G.eval()
        D.eval()
        try:
            with torch.no_grad():
                fake = G(fake_z.to(dev)).float()
                if heatmap:
                    heat = _heat(trainer, D, (x0, x1, y0, y1), heatmap_size, shown_size)
                if mesh and spec.latent_dim >= 1:
                    grid = latent_mesh(G, spec.latent_dim, dev)
            if arrows:
                push = _push(name, D, fake, bounds, real)
        finally:
            G.train(g_mode)
            D.train(d_mode)
    if heat is None:
        heat_bounds = (x0, x1, y0, y1)
    else:  # each heat map pixel is centred on the place D was asked about (or interpolated at)
        hx = (x1 - x0) / (2 * (heat.shape[1] - 1))
        hy = (y1 - y0) / (2 * (heat.shape[0] - 1))
        heat_bounds = (x0 - hx, x1 + hx, y0 - hy, y1 + hy)
    heat = None if heat is None else heat.cpu().numpy()
    return PlaneView(bounds, heat_bounds, np.asarray(real), fake.cpu().numpy(), heat,
                     None if push is None else push.cpu().numpy(),
                     None if grid is None else grid.cpu().numpy(), trainer.steps_done,
                     None if heat is None else heat_rgb32(heat))


def _heat(trainer, D, box, size: int, shown_size: int) -> torch.Tensor:
    """D's opinion (0..1) on a size x size grid over ``box``, enlarged bilinear to shown_size."""
    x0, x1, y0, y1 = box
    dev = trainer.device
    xs = torch.linspace(x0, x1, size, device=dev)
    ys = torch.linspace(y0, y1, size, device=dev)
    gy, gx = torch.meshgrid(ys, xs, indexing="ij")
    plane = torch.stack([gx.reshape(-1), gy.reshape(-1)], 1)
    # coloured as the loss reads its scores (objectives.ScoreScale.heat)
    scale = objectives.loss(trainer.config.loss.name).scale
    heat = scale.heat(D(plane).float()).reshape(size, size)
    if shown_size > size:
        heat = torch.nn.functional.interpolate(
            heat[None, None], size=(shown_size, shown_size), mode="bilinear",
            align_corners=True)[0, 0]
    return heat


def _push(name: str, D, fake: torch.Tensor, bounds, real) -> torch.Tensor:
    """The generator's gradient at its points, negated: which way its loss wants them to move,
    scaled to a fixed fraction of the view (direction and relative length matter, not the raw
    gradient's scale). A loss that compares with real samples pairs each point with one of
    ``real`` (reused in turn when there are fewer)."""
    with torch.enable_grad():
        pts = fake.detach().clone().requires_grad_(True)
        D.requires_grad_(False)
        try:
            s_real = None
            if objectives.loss(name).g_needs_real:
                with torch.no_grad():
                    s_real = D(torch.as_tensor(real, dtype=pts.dtype, device=pts.device)).float()
                s_real = s_real[torch.arange(len(pts), device=pts.device) % len(s_real)]
            loss = objectives.g_loss(name, D(pts).float(), s_real) * len(pts)
            (grad,) = torch.autograd.grad(loss, pts)
        finally:
            D.requires_grad_(True)
    push = -grad
    norms = push.norm(dim=1, keepdim=True)
    return push * (0.06 * (bounds[1] - bounds[0]) / norms.max().clamp(min=1e-12))


def latent_mesh(G, latent_dim: int, device, lines: int = MESH_LINES,
                 extent: float = 2.0, base: torch.Tensor | None = None) -> torch.Tensor:
    """G applied to a square grid in the first two latent dimensions; the other dimensions are
    those of ``base`` (zero by default)."""
    t = torch.linspace(-extent, extent, lines, device=device)
    a, b = torch.meshgrid(t, t, indexing="ij")
    z = torch.zeros(lines * lines, latent_dim, device=device)
    if base is not None:
        z[:] = base.to(device)
    z[:, 0] = a.reshape(-1)
    if latent_dim > 1:
        z[:, 1] = b.reshape(-1)
    return G(z).float().reshape(lines, lines, 2)

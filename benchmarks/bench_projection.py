"""Find this picture (ganstudio.explore.projection) on the fashion-mnist demo: seconds and PSNR
per picture, for pictures the model can make and for real Fashion-MNIST test pictures.

    python benchmarks/bench_projection.py [--n 8] [--threads 1] [--steps N] [--restarts R]
        [--feature-weight W] [--checkpoint resources/demos/fashion-mnist.safetensors]

- "made": the model's own pictures, from noise of seeds 10,000 + i (the search's starting points
  come from its own seed, 0), with labels 0, 1, 2... in turn. The issue's target: <= 10 s on 2
  cores with PSNR >= 22 dB.
- "real": Fashion-MNIST test pictures (the idx files on disk), the first of each label in turn,
  converted to the model's size as the window and `ganstudio project` convert them (28 -> 32
  pixels). A GAN cannot make every real picture: these PSNRs say how close it gets.

Each picture is one call of ``project`` as the command line makes it (classifier loaded, picture
converted, starting points, refining), timed from the call to its answer; the medians are over
the pictures. The process's torch threads are set by --threads.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def made_pictures(ex, n: int):
    import torch

    from ganstudio.export import to_uint8_images

    out = []
    for i in range(n):
        z = torch.randn(1, ex.spec.latent_dim, generator=torch.Generator().manual_seed(10_000 + i))
        y = torch.tensor([i % ex.spec.num_classes]) if ex.spec.conditional else None
        with torch.no_grad():
            out.append((f"seed {10_000 + i}", to_uint8_images(ex.G(z, y))[0]))
    return out


def real_pictures(n: int):
    import numpy as np

    from ganstudio.data.datasets import DEBIAN_FASHION_MNIST, read_idx

    x = read_idx(DEBIAN_FASHION_MNIST / "t10k-images-idx3-ubyte.gz")
    y = read_idx(DEBIAN_FASHION_MNIST / "t10k-labels-idx1-ubyte.gz")
    out = []
    for i in range(n):
        k = int(np.flatnonzero(y == i % 10)[i // 10])
        out.append((f"test #{k} (label {int(y[k])})", x[k]))
    return out


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--checkpoint", default=str(ROOT / "resources/demos/fashion-mnist.safetensors"))
    p.add_argument("--n", type=int, default=8, help="pictures of each kind (default 8)")
    p.add_argument("--threads", type=int, default=1, help="torch threads (default 1, as "
                   "ganstudio project and the window's jobs thread use)")
    p.add_argument("--steps", type=int)
    p.add_argument("--restarts", type=int)
    p.add_argument("--feature-weight", type=float, help="the classifier's feature distance "
                   "beside pixels (0 = pixels alone)")
    p.add_argument("--kinds", default="made,real")
    args = p.parse_args()

    import torch

    torch.set_num_threads(args.threads)
    from ganstudio.explore.exploration import Exploration
    from ganstudio.explore.projection import ProjectionSettings, project
    from ganstudio.training.checkpoint import load_generator

    G, ckpt = load_generator(args.checkpoint)
    ex = Exploration(G, ckpt.spec, ckpt.path.name, config=ckpt.config)
    settings = ProjectionSettings()
    if args.steps is not None:
        settings.steps = args.steps
    if args.restarts is not None:
        settings.restarts = args.restarts
    if args.feature_weight is not None:
        settings.feature_weight = args.feature_weight
    print(f"{ckpt.path.name}, {args.threads} torch threads, {settings.steps} steps, "
          f"{settings.restarts} restarts, {settings.candidates} starting points tried, "
          f"feature weight {settings.feature_weight}")
    project(ex, made_pictures(ex, 1)[0][1], ProjectionSettings(steps=5))  # warm-up
    kinds = {"made": lambda: made_pictures(ex, args.n), "real": lambda: real_pictures(args.n)}
    for kind in args.kinds.split(","):
        secs, psnrs = [], []
        for name, picture in kinds[kind]():
            t = time.perf_counter()
            r = project(ex, picture, settings)
            secs.append(time.perf_counter() - t)
            psnrs.append(r.psnr)
            print(f"  {kind:4s} {name:24s} {secs[-1]:5.2f} s  PSNR {r.psnr:5.1f} dB  "
                  f"mean diff {r.mean_distance:4.1f}  label {r.label_name}", flush=True)
        ok = sum(s <= 10 and q >= 22 for s, q in zip(secs, psnrs))
        print(f"{kind}: median {statistics.median(secs):.2f} s (max {max(secs):.2f}), "
              f"median PSNR {statistics.median(psnrs):.1f} dB (min {min(psnrs):.1f}); "
              f"{ok}/{len(secs)} within 10 s at >= 22 dB", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

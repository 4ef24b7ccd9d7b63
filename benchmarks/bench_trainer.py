"""The Trainer against a plain PyTorch loop doing the same work, side by side in one process.

    python benchmarks/bench_trainer.py [--steps N] [--repeats R]

Same networks (built by ganstudio.models so the weights match), same loss (non-saturating +
R1), same Adam, same EMA of G, same batch; the plain loop has no callbacks, no finiteness checks,
no metrics record. Runs alternate A/B so drift (thermal, other load) hits both; the table reports
the median steps/s of each and their ratio (Trainer / plain; 1.0 = no overhead).
"""

from __future__ import annotations

import argparse
import copy
import statistics
import sys
import time

import torch
import torch.nn.functional as F

from ganstudio.data import build_source
from ganstudio.models import build_models, make_spec
from ganstudio.presets import load_preset
from ganstudio.training import Trainer


def plain_loop(cfg, steps: int) -> float:
    """steps/s of a hand-written loop: the minimum this work costs in PyTorch."""
    source = build_source(cfg)
    spec = make_spec(cfg, source)
    torch.manual_seed(cfg.training.seed)
    G, D = build_models(spec)
    ema = copy.deepcopy(G).requires_grad_(False)
    o = cfg.optimizer
    opt_g = torch.optim.Adam(G.parameters(), lr=o.lr_g, betas=(o.beta1, o.beta2))
    opt_d = torch.optim.Adam(D.parameters(), lr=o.lr_d, betas=(o.beta1, o.beta2))
    gamma, B, nz = cfg.loss.r1_weight, cfg.training.batch_size, spec.latent_dim
    y_all = spec.num_classes

    def one_step():
        real, y = source.next_batch(B)
        y = y if y_all else None
        z = torch.randn(B, nz)
        yf = torch.randint(y_all, (B,)) if y_all else None
        with torch.no_grad():
            fake = G(z, yf)
        real.requires_grad_(gamma > 0)
        s_real = D(real, y)
        loss = F.softplus(-s_real).mean() + F.softplus(D(fake, yf)).mean()
        if gamma > 0:
            (g,) = torch.autograd.grad(s_real.sum(), real, create_graph=True)
            loss = loss + 0.5 * gamma * g.pow(2).flatten(1).sum(1).mean()
        opt_d.zero_grad(set_to_none=True)
        loss.backward()
        opt_d.step()
        z = torch.randn(B, nz)
        D.requires_grad_(False)
        g_loss = F.softplus(-D(G(z, yf), yf)).mean()
        opt_g.zero_grad(set_to_none=True)
        g_loss.backward()
        D.requires_grad_(True)
        opt_g.step()
        with torch.no_grad():
            torch._foreach_lerp_(list(ema.parameters()), list(G.parameters()), 0.001)

    for _ in range(20):
        one_step()
    t0 = time.perf_counter()
    for _ in range(steps):
        one_step()
    return steps / (time.perf_counter() - t0)


def trainer_loop(cfg, steps: int) -> float:
    t = Trainer(cfg)
    t.callbacks.append(lambda record: None)  # as the command line has callbacks
    t.run(20)
    t0 = time.perf_counter()
    t.run(steps)
    return steps / (time.perf_counter() - t0)


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--steps", type=int, default=1500)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--preset", action="append", help="presets to measure (default ring, digits)")
    args = p.parse_args()
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, "
          f"{sys.platform}", file=sys.stderr)
    print("| preset | plain PyTorch steps/s | Trainer steps/s | ratio |")
    print("| --- | ---: | ---: | ---: |")
    for name in args.preset or ["ring", "digits"]:
        cfg = load_preset(name)
        if cfg.source_info.kind == "image":
            cfg.data.size = 2000
        steps = args.steps if cfg.source_info.kind == "2d" else max(50, args.steps // 10)
        plain, ours = [], []
        for _ in range(args.repeats):  # alternate, so drift hits both
            plain.append(plain_loop(cfg, steps))
            ours.append(trainer_loop(cfg, steps))
        a, b = statistics.median(plain), statistics.median(ours)
        print(f"| {name} | {a:.1f} | {b:.1f} | {b / a:.3f} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The Trainer against a plain PyTorch loop doing the same work, side by side in one process.

    python benchmarks/bench_trainer.py [--steps N] [--repeats R]

Same networks (built by ganstudio.models so the weights match), same loss (non-saturating +
R1, lazy when the preset's is), same Adam, same EMA of G, same batch; the plain loop has no callbacks, no finiteness checks,
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
from ganstudio.training import Trainer, train


def plain_loop(cfg, steps: int, bf16: bool = False) -> float:
    """steps/s of a hand-written loop: the minimum this work costs in PyTorch. ``bf16``: the
    same loop under CPU bfloat16 autocast with channels_last and torch's fused Adam (what a
    careful user would write)."""
    import contextlib

    source = build_source(cfg)
    spec = make_spec(cfg, source)
    torch.manual_seed(cfg.training.seed)
    G, D = build_models(spec)
    if bf16:
        G, D = G.to(memory_format=torch.channels_last), D.to(memory_format=torch.channels_last)
    cast = (lambda: torch.autocast("cpu", dtype=torch.bfloat16)) if bf16 else \
        contextlib.nullcontext
    use_ema = cfg.training.ema > 0
    ema = copy.deepcopy(G).requires_grad_(False)
    o = cfg.optimizer
    opt_g = torch.optim.Adam(G.parameters(), lr=o.lr_g, betas=(o.beta1, o.beta2), fused=bf16)
    opt_d = torch.optim.Adam(D.parameters(), lr=o.lr_d, betas=(o.beta1, o.beta2), fused=bf16)
    gamma, B, nz = cfg.loss.r1_weight, cfg.training.batch_size, spec.latent_dim
    every = cfg.loss.penalty_every  # lazy R1: every k-th step, k times as strong
    y_all = spec.num_classes
    done = [0]

    def one_step():
        lazy_due = done[0] % every == 0
        done[0] += 1
        real, y = source.next_batch(B)
        if bf16 and real.ndim == 4:
            real = real.contiguous(memory_format=torch.channels_last)
        y = y if y_all else None
        z = torch.randn(B, nz)
        yf = torch.randint(y_all, (B,)) if y_all else None
        with torch.no_grad(), cast():
            fake = G(z, yf)
        real.requires_grad_(gamma > 0 and lazy_due)
        with cast():
            s_real = D(real, y).float()
            loss = F.softplus(-s_real).mean() + F.softplus(D(fake, yf).float()).mean()
        if gamma > 0 and lazy_due:
            (g,) = torch.autograd.grad(s_real.sum(), real, create_graph=True)
            loss = loss + every * 0.5 * gamma * g.pow(2).flatten(1).sum(1).mean()
        opt_d.zero_grad(set_to_none=True)
        loss.backward()
        opt_d.step()
        z = torch.randn(B, nz)
        D.requires_grad_(False)
        with cast():
            g_loss = F.softplus(-D(G(z, yf), yf).float()).mean()
        opt_g.zero_grad(set_to_none=True)
        g_loss.backward()
        D.requires_grad_(True)
        opt_g.step()
        if use_ema:
            with torch.no_grad():
                torch._foreach_lerp_(list(ema.parameters()), list(G.parameters()), 0.001)

    for _ in range(20):
        one_step()
    t0 = time.perf_counter()
    for _ in range(steps):
        one_step()
    return steps / (time.perf_counter() - t0)


def trainer_loop(cfg, steps: int, fixed_threads: bool = False) -> float:
    """``fixed_threads``: torch's own thread count, as the plain loop has, instead of the
    Trainer's default of measuring which count is fastest as it runs (a short run pays for
    those probes)."""
    if fixed_threads:
        cfg.set("training.threads", torch.get_num_threads())
    t = Trainer(cfg)
    t.callbacks.append(lambda record: None)  # as the command line has callbacks
    train(t, 20)
    t0 = time.perf_counter()
    train(t, steps)
    return steps / (time.perf_counter() - t0)


def radford(size: int) -> "ExperimentConfig":
    """The DCGAN layout of Radford et al. (2016): noise 100, widths 64, BCE (non-saturating),
    Adam 2e-4 / 0.5, batch 64, no EMA, no penalty; 32 px grey (digits) or 64 px colour
    (shapes)."""
    cfg = load_preset("digits" if size == 32 else "shapes")
    for k, v in {"data.image_size": size, "data.channels": 1 if size == 32 else 3,
                 "data.size": 2000, "model.latent_dim": 100, "model.g_width": 64,
                 "model.d_width": 64, "model.conditional": False, "loss.name": "nonsaturating",
                 "loss.r1_weight": 0.0, "loss.diffaugment": [], "optimizer.lr_g": 2e-4,
                 "optimizer.lr_d": 2e-4, "optimizer.beta1": 0.5, "optimizer.beta2": 0.999,
                 "training.batch_size": 64, "training.ema": 0.0}.items():
        cfg.set(k, v)
    return cfg


def radford_table(steps: dict, repeats: int) -> None:
    print("| layout | plain fp32 | plain bf16 + channels_last + fused Adam | Trainer, precision "
          "fp32, threads fixed | Trainer, precision fp32 | Trainer, precision auto (default) | "
          "Trainer auto / plain fp32 | Trainer fp32 fixed / plain fp32 |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for size, name in ((32, "Radford DCGAN, 32 px grey"), (64, "Radford DCGAN, 64 px colour")):
        runs = {"plain": [], "plain_bf16": [], "fixed": [], "fp32": [], "auto": []}
        n = steps[size]
        for _ in range(repeats):  # alternate, so drift hits all five
            cfg = radford(size)
            runs["plain"].append(plain_loop(cfg, n))
            runs["plain_bf16"].append(plain_loop(cfg, n, bf16=True))
            for key, prec, fixed in (("fixed", "fp32", True), ("fp32", "fp32", False),
                                     ("auto", "auto", False)):
                c = radford(size)
                c.set("training.precision", prec)
                runs[key].append(trainer_loop(c, n, fixed_threads=fixed))
        m = {k: statistics.median(v) for k, v in runs.items()}
        print(f"| {name} | {m['plain']:.2f} | {m['plain_bf16']:.2f} | {m['fixed']:.2f} | "
              f"{m['fp32']:.2f} | {m['auto']:.2f} | **{m['auto'] / m['plain']:.2f}x** | "
              f"{m['fixed'] / m['plain']:.2f}x |", flush=True)


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--steps", type=int, default=1500)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--preset", action="append", help="presets to measure (default ring, digits)")
    p.add_argument("--radford", action="store_true", help="the Radford DCGAN layout at 32 px "
                   "grey and 64 px colour, each speed-up on and off (issue 13's table)")
    args = p.parse_args()
    if args.radford:
        radford_table({32: max(20, args.steps // 15), 64: max(10, args.steps // 50)},
                      args.repeats)
        return 0
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

"""What an Inception pass (FID's feature network) costs on this processor, and which ways of
running it are faster with the same features.

    .venv/bin/python benchmarks/bench_inception.py [--threads 2] [--repeats 3]
        [--parts preprocess,variants,batch,parity,generator] [--parity-n 200] [--bf16-n 0]

Every timing is the median of ``--repeats`` passes after one warm-up pass of the same shape
(TorchScript optimises a graph on its first runs), in wall seconds per picture and in CPU
seconds per picture (all of the process's threads; steadier than wall time on a shared
machine). The 1-minute load average is printed beside each figure. Pictures are the
fashion-mnist demo's data (28 px grey, what ``ganstudio eval`` feeds the network), made
299 x 299 colour as FID does.

- preprocess: the plain way (3 channels, gathered bilinear, float) vs ``network_input`` (one
  channel resized as two small matrix products, then made colour);
- variants: the TorchScript module as loaded vs ``torch.jit.freeze`` vs
  ``optimize_for_inference`` vs the network rebuilt with its batch norms folded
  (metrics/inception_fast.py), eager and scripted + frozen, each with contiguous and
  channels_last pictures, under ``torch.inference_mode`` (and the plain module under
  ``no_grad``), in turn round after round;
- batch: 100 pictures in passes of 16 / 32 / 64 / 100 on the fast path as shipped;
- parity: features and FID (real vs generated) by the plain and the fast path on
  ``--parity-n`` pictures a side; ``--bf16-n N`` also runs bf16 (autocast, channels_last) on N
  a side: emulated, and slow, on a processor without native bfloat16;
- generator: drawing 1,000 pictures from the demo's generator (its share of an evaluation);
- live (not in the default parts): one live KID measurement (training/live_kid.py) on 200
  pictures, its real side cold and cached, and how often its 4% budget lets it run.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import torch  # noqa: E402

from ganstudio.metrics import inception as I  # noqa: E402
from ganstudio.metrics import stats  # noqa: E402

DEMO = Path(__file__).resolve().parent.parent / "resources" / "demos" / "fashion-mnist.safetensors"


def load() -> float:
    return os.getloadavg()[0]


def timed(fn, repeats: int, n: int) -> dict:
    return round_robin({"x": fn}, repeats, n)["x"]


def round_robin(fns: dict, repeats: int, n: int) -> dict:
    """Each function once to warm up, then ``repeats`` rounds of all of them in turn (so a
    change of load falls on all alike); medians per picture."""
    for fn in fns.values():
        fn()  # warm-up (TorchScript's profiling runs, caches, allocator)
    runs = {k: ([], [], []) for k in fns}
    for _ in range(repeats):
        for k, fn in fns.items():
            walls, cpus, loads = runs[k]
            loads.append(load())
            w, c = time.perf_counter(), time.process_time()
            fn()
            walls.append(time.perf_counter() - w)
            cpus.append(time.process_time() - c)
    return {k: {"wall_s_per_picture": statistics.median(w) / n,
                "cpu_s_per_picture": statistics.median(c) / n,
                "wall_runs": [round(t / n, 4) for t in w], "load": round(max(ld), 2)}
            for k, (w, c, ld) in runs.items()}


def line(name: str, r: dict) -> None:
    print(f"  {name:<52} wall {r['wall_s_per_picture']:.4f} s/picture  CPU "
          f"{r['cpu_s_per_picture']:.4f} s/picture  (load {r['load']}, runs {r['wall_runs']})",
          flush=True)


def modules():
    from ganstudio.metrics.inception_fast import FastInception

    path = str(I.weights_path())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        plain = torch.jit.load(path).eval()
        with torch.no_grad():
            frozen = torch.jit.freeze(torch.jit.load(path).eval())
            optimised = torch.jit.optimize_for_inference(
                torch.jit.freeze(torch.jit.load(path).eval()))
            rebuilt = FastInception(plain)
            rebuilt_frozen = torch.jit.freeze(torch.jit.script(FastInception(plain)).eval())
    return {"TorchScript as loaded": plain, "TorchScript, jit.freeze": frozen,
            "TorchScript, optimize_for_inference": optimised,
            "rebuilt, BN folded (inception_fast)": rebuilt,
            "rebuilt, scripted + jit.freeze": rebuilt_frozen}


def real_pictures(n: int, seed: int = 2024) -> torch.Tensor:
    from ganstudio.data import build_source
    from ganstudio.training.checkpoint import load_generator

    _, ckpt = load_generator(DEMO)
    return build_source(ckpt.config).preview(n, seed=seed)[0]


def generated(n: int) -> torch.Tensor:
    from ganstudio.metrics.report import generate
    from ganstudio.training.checkpoint import load_generator

    G, ckpt = load_generator(DEMO)
    return generate(G, ckpt.spec, n)[0]


def live(out: dict, pics: torch.Tensor) -> None:
    """One live KID measurement as a run takes it (training/live_kid.py): the real side once
    (computed, then read back from the disk cache), then 200 generated pictures; and how often
    its 4% budget lets it run."""
    import tempfile

    from ganstudio.metrics import feature_cache
    from ganstudio.metrics.inception_kid import PICTURES, InceptionKID
    from ganstudio.training import live_kid

    real, fake = pics[:PICTURES], generated(PICTURES)
    with tempfile.TemporaryDirectory() as d:
        os.environ[feature_cache.ENV] = d  # a cold cache, whatever the user's holds
        kid = InceptionKID(real)
        t = time.perf_counter()
        kid.real_features()
        real_s = time.perf_counter() - t
        again = InceptionKID(real)
        t = time.perf_counter()
        again.real_features()
        cached_s = time.perf_counter() - t
        t = time.perf_counter()
        value = kid(fake)
        gen_s = time.perf_counter() - t
    every = gen_s / live_kid.SHARE
    out["live_kid"] = {"pictures": PICTURES, "real_side_s": real_s, "real_side_cached_s": cached_s,
                       "measurement_s": gen_s, "kid": value, "share": live_kid.SHARE,
                       "every_s_of_training": every, "load": load()}
    print(f"Live KID on {PICTURES} pictures: real side {real_s:.1f} s once ({cached_s:.2f} s "
          f"from the cache), a measurement {gen_s:.1f} s (KID {value:.4f}); at "
          f"{100 * live_kid.SHARE:.0f}% of the training time: one every {every / 60:.1f} min "
          f"of training (load {load():.2f})", flush=True)


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--parts", default="preprocess,variants,batch,parity,generator")
    p.add_argument("--batch", type=int, default=32, help="pictures per pass for 'variants'")
    p.add_argument("--parity-n", type=int, default=200)
    p.add_argument("--bf16-n", type=int, default=0)
    p.add_argument("--json", metavar="FILE")
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    parts = set(args.parts.split(","))
    out: dict = {"threads": args.threads, "torch": torch.__version__,
                 "cpu": torch.backends.cpu.get_cpu_capability(), "load_at_start": load()}
    print(f"torch {torch.__version__}, {args.threads} threads, {out['cpu']}, load "
          f"{out['load_at_start']:.2f}", flush=True)
    pics = real_pictures(max(100, args.parity_n, args.bf16_n))

    if "preprocess" in parts:
        print("Preprocessing 100 fashion-mnist pictures (28 px grey -> 299 px colour):")
        x = pics[:100]
        fns = {"plain (gather, 3 channels)": lambda: I.InceptionFeatures.preprocess(x),
               "network_input": lambda: I.network_input(x),
               "network_input, channels_last": lambda: I.network_input(x, True)}
        for name, r in round_robin(fns, args.repeats, len(x)).items():
            out[f"preprocess/{name}"] = r
            line(name, r)

    if "variants" in parts:
        nets = modules()
        b = args.batch
        print(f"The network at batch {b}:")
        x = I.network_input(pics[:b])
        xcl = I.network_input(pics[:b], True)
        fns = {}
        for name, net in nets.items():
            for layout, inp in (("contiguous", x), ("channels_last", xcl)):
                def run(net=net, inp=inp):
                    with torch.inference_mode():
                        net(inp)
                fns[f"{name}, {layout}"] = run

        def no_grad(net=nets["TorchScript as loaded"]):
            with torch.no_grad():
                net(x)
        fns["TorchScript as loaded, contiguous, no_grad"] = no_grad
        for name, r in round_robin(fns, args.repeats, b).items():
            out[f"net/{name}"] = r
            line(name, r)

    if "batch" in parts:
        fe = I.InceptionFeatures()
        print("Pictures per pass (InceptionFeatures, the fast path as shipped: "
              f"rebuilt={fe.fast}, channels_last={fe.channels_last}):")
        xs = pics[:100]  # the same 100 pictures in passes of b
        fns = {b: (lambda b=b: fe(xs, batch_size=b)) for b in (16, 32, 64, 100)}
        for b, r in round_robin(fns, args.repeats, len(xs)).items():
            out[f"batch/{b}"] = r
            line(f"batch {b} (preprocessing included)", r)

    if "parity" in parts:
        n = args.parity_n
        real, fake = pics[:n], generated(n)
        print(f"Parity on {n} real and {n} generated pictures:")
        plain = I.InceptionFeatures(fast=False)
        fast = I.InceptionFeatures()
        t = time.perf_counter()
        fr_p, ff_p = plain(real), plain(fake)
        t_plain = time.perf_counter() - t
        t = time.perf_counter()
        fr_f, ff_f = fast(real), fast(fake)
        t_fast = time.perf_counter() - t
        diff = max((fr_p - fr_f).abs().max().item(), (ff_p - ff_f).abs().max().item())
        fid_p = stats.frechet_distance(fr_p, ff_p)
        fid_f = stats.frechet_distance(fr_f, ff_f)
        out["parity"] = {"n": n, "max_abs_diff": diff, "feature_max": fr_p.abs().max().item(),
                         "fid_plain": fid_p, "fid_fast": fid_f, "plain_s": t_plain,
                         "fast_s": t_fast, "load": load()}
        print(f"  features: max abs difference {diff:.3g} (largest feature "
              f"{out['parity']['feature_max']:.3g}); FID plain {fid_p:.6g}, fast {fid_f:.6g}; "
              f"{t_plain:.1f} s vs {t_fast:.1f} s for {2 * n} pictures (load {load():.2f})",
              flush=True)
        if args.bf16_n:
            from ganstudio.training.precision import cpu_has_native_bf16

            m = args.bf16_n
            bf = I.InceptionFeatures(bf16=True)
            t = time.perf_counter()
            fr_b, ff_b = bf(real[:m]), bf(fake[:m])
            t_bf = time.perf_counter() - t
            fid_32 = stats.frechet_distance(fr_f[:m], ff_f[:m])
            fid_b = stats.frechet_distance(fr_b, ff_b)
            kid_32 = stats.kernel_distance(fr_f[:m], ff_f[:m], subset_size=m).mean
            kid_b = stats.kernel_distance(fr_b, ff_b, subset_size=m).mean
            rel = ((fr_b - fr_f[:m]).norm(dim=1) / fr_f[:m].norm(dim=1)).max().item()
            out["parity_bf16"] = {"n": m, "fid_fp32": fid_32, "fid_bf16": fid_b,
                                  "kid_fp32": kid_32, "kid_bf16": kid_b,
                                  "max_relative_feature_error": rel, "seconds": t_bf,
                                  "native_bf16": cpu_has_native_bf16()}
            print(f"  bf16 on {m} a side: FID fp32 {fid_32:.6g}, bf16 {fid_b:.6g}; KID fp32 "
                  f"{kid_32:.5f}, bf16 {kid_b:.5f}; largest relative feature error {rel:.3g}; "
                  f"{t_bf:.1f} s for {2 * m} pictures", flush=True)

    if "generator" in parts:
        from ganstudio.metrics.report import generate
        from ganstudio.training.checkpoint import load_generator

        G, ckpt = load_generator(DEMO)
        r = timed(lambda: generate(G, ckpt.spec, 1000), args.repeats, 1000)
        out["generator_1000"] = r
        line("drawing 1,000 pictures from the generator", r)

    if "live" in parts:
        live(out, pics)

    if args.json:
        Path(args.json).write_text(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

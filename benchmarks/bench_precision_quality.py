"""Does bfloat16 train as well as 32-bit? Quality of S seeds x {fp32, auto} (issue 13, item 3).

    .venv/bin/python benchmarks/bench_precision_quality.py --preset digits --steps 1500 \
        --seeds 1 2 3 4 5 [--n 1000] [--json FILE] [--keep DIR]
    .venv/bin/python benchmarks/bench_precision_quality.py --preset digits \
        --field optimizer.lr_decay --settings none linear     # any other setting, the same way
    .venv/bin/python benchmarks/bench_precision_quality.py --check-2d [--steps 500]

Each run trains one seed at one training.precision (one thread, one run at a time), saves its
checkpoint and evaluates it as ``ganstudio eval CKPT --json`` does: the averaged generator, N
pictures against N real ones in GAN Studio's classifier space (FD, KID, classes made, the
asked-for class). The evaluation itself is always in 32-bit, so only the training differs.
Prints a Markdown table per seed, mean +- std per precision, and the verdict of the issue's
rule: a speed-up stays on by default only where the difference between the means is within
the run-to-run spread (the first setting's seeds' standard deviation) of every metric.

``--check-2d`` asks what "auto" resolves to for each model family and trains the ring preset
with fp32 and with auto from the same seed: after one step the weights must agree to within
rounding ("auto" on the MLPs differs from fp32 only by the fused optimiser step).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import torch  # noqa: E402

from ganstudio.metrics import report as quality  # noqa: E402
from ganstudio.presets import load_preset  # noqa: E402
from ganstudio.training import Trainer, train  # noqa: E402
from ganstudio.training import precision  # noqa: E402
from ganstudio.training.checkpoint import load_generator  # noqa: E402

# (metric key, column title, format, which way is better: +1 higher, -1 lower)
METRICS = [
    ("classifier_fd", "classifier FD", "{:.3f}", -1),
    ("classifier_kid", "classifier KID x 1000", "{:.2f}", -1),
    ("classes", "classes made", "{:.1f}", +1),
    ("class_evenness", "class evenness", "{:.3f}", +1),
    ("label_accuracy", "asked-for class %", "{:.1f}", +1),
]


def config_for(preset: str, seed: int, setting: str, steps: int, threads: int,
               field: str = "training.precision"):
    cfg = load_preset(preset)
    cfg.set("training.seed", seed)
    cfg.set(field, setting)
    cfg.set("training.steps", steps)
    cfg.set("training.threads", threads)
    cfg.set("training.autosave_minutes", 0)
    cfg.raise_problems()
    return cfg


def train_and_evaluate(preset, seed, setting, steps, threads, reference, source, folder,
                       field="training.precision") -> dict:
    trainer = Trainer(config_for(preset, seed, setting, steps, threads, field), source=source)
    plan = trainer.precision.words if field == "training.precision" else f"{field} = {setting}"
    state = train(trainer)
    path = trainer.save_checkpoint(Path(folder) / f"{preset}-{setting}-seed{seed}.safetensors")
    G, ckpt = load_generator(path)  # what `ganstudio eval` evaluates: the EMA, in 32-bit
    rep = reference.evaluate(G, ckpt.spec)
    h = trainer.history
    last = {k: round(float(h.column(k)[-1]), 4) for k in ("d_loss", "g_loss")} if len(h) else None
    return {"preset": preset, "seed": seed, "setting": setting, "resolved": plan,
            "state": str(state), "steps": trainer.steps_done,
            "train_s": round(trainer.elapsed, 1),
            "metrics": {m["key"]: m["value"] for m in rep.to_json()["metrics"]},
            "floors": {m["key"]: m["floor"] for m in rep.to_json()["metrics"]},
            "n": rep.n, "n_real": rep.n_real, "last_record": last}


def mean_std(values: list[float]) -> tuple[float, float]:
    return statistics.fmean(values), (statistics.stdev(values) if len(values) > 1 else 0.0)


def table(runs: list[dict], settings: list[str]) -> tuple[str, bool]:
    """The Markdown table and whether every metric passes the issue's rule."""
    head = "| setting (resolved) | seed | " + " | ".join(t for _, t, _, _ in METRICS) + " |"
    lines = [head, "| --- | ---: | " + " | ".join("---:" for _ in METRICS) + " |"]
    for r in runs:
        cells = [fmt.format(r["metrics"][k]) for k, _, fmt, _ in METRICS]
        lines.append(f"| {r['setting']} ({r['resolved']}) | {r['seed']} | " + " | ".join(cells)
                     + " |")
    stats = {}
    for s in settings:
        mine = [r for r in runs if r["setting"] == s]
        stats[s] = {k: mean_std([r["metrics"][k] for r in mine]) for k, *_ in METRICS}
        cells = [f"{fmt.format(stats[s][k][0])} ± {fmt.format(stats[s][k][1])}"
                 for k, _, fmt, _ in METRICS]
        lines.append(f"| **{s} mean ± std** | {len(mine)} seeds | " + " | ".join(cells) + " |")
    if "floors" in runs[0]:
        floors = runs[0]["floors"]
        cells = [("-" if floors.get(k) is None else fmt.format(floors[k]))
                 for k, _, fmt, _ in METRICS]
        lines.append("| real vs real (floor) | | " + " | ".join(cells) + " |")
    ok = True
    if len(settings) == 2:
        base, other = settings
        cells, verdicts = [], []
        for k, _, fmt, better in METRICS:
            diff = stats[other][k][0] - stats[base][k][0]
            spread = stats[base][k][1]
            within = abs(diff) <= spread or diff * better > 0  # better is never a regression
            ok &= within
            cells.append(f"{diff:+.3g} (spread {spread:.3g})")
            verdicts.append("within" if abs(diff) <= spread else
                            ("better" if diff * better > 0 else "**worse**"))
        lines.append(f"| **{other} − {base}** ({base} std) | | " + " | ".join(cells) + " |")
        lines.append("| verdict | | " + " | ".join(verdicts) + " |")
    return "\n".join(lines), ok


def check_2d(steps: int, threads: int) -> int:
    cpu_bf16 = precision.cpu_has_native_bf16()
    print(f"this processor computes bfloat16 natively: {cpu_bf16}")
    for family in ("mlp", "dcgan"):
        for device in ("cpu", "cuda", "mps"):
            for chip in (True, False):
                plan = precision.choose("auto", device, family, cpu_bf16=chip, cuda_bf16=chip)
                print(f"auto, {family:5s} on {device:4s} (native bf16 {chip!s:5s}): {plan.words}"
                      f"{', channels_last' if plan.channels_last else ''}")
    # "auto" on the MLPs is 32-bit with torch's fused optimiser step: the same formula,
    # rounded in another order. One step agrees to within rounding; over many steps a GAN's
    # dynamics amplify any rounding difference (another thread count does the same), so
    # the trajectories part and only quality over seeds can compare them
    diffs = {}
    for n in (1, steps):
        weights = {}
        for setting in ("fp32", "auto"):
            trainer = Trainer(config_for("ring", 1, setting, n, threads))
            if n == 1:
                print(f"ring, training.precision = {setting}: resolves to "
                      f"{trainer.precision.words}, fused optimiser step: "
                      f"{trainer.precision.fused_optimizer}")
            train(trainer)
            weights[setting] = {k: v.clone() for k, v in trainer.G.state_dict().items()}
        diffs[n] = max((weights["fp32"][k] - weights["auto"][k]).abs().max().item()
                       for k in weights["fp32"])
        print(f"ring after {n} step(s), seed 1: largest generator weight difference "
              f"{diffs[n]:.2e}")
    return 0 if diffs[1] <= 1e-5 else 1

def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--preset", default="digits")
    p.add_argument("--steps", type=int, default=1500)
    p.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    p.add_argument("--field", default="training.precision", help="the setting compared")
    p.add_argument("--settings", nargs="+", default=["fp32", "auto"], help="its values; the "
                   "first is the baseline whose seeds' spread judges the others")
    p.add_argument("--n", type=int, default=quality.PICTURE_SAMPLES, help="pictures evaluated")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--json", metavar="FILE", help="write every run's figures (after each run)")
    p.add_argument("--keep", metavar="DIR", help="keep the checkpoints here (default: a "
                   "temporary folder)")
    p.add_argument("--check-2d", action="store_true")
    args = p.parse_args()
    if args.check_2d:
        return check_2d(args.steps, args.threads)
    runs = []
    if args.json and Path(args.json).exists():  # resume an interrupted benchmark
        runs = [r for r in json.loads(Path(args.json).read_text())
                if r["preset"] == args.preset and r["steps"] == args.steps
                and r.get("field", "training.precision") == args.field]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(args.keep or tmp)
        folder.mkdir(parents=True, exist_ok=True)
        # the real side (data set, real features, floors) is computed once for every run
        source = Trainer(config_for(args.preset, 1, "fp32", args.steps, args.threads)).source
        reference = quality.PictureReference(source, args.n)
        for seed in args.seeds:
            for setting in args.settings:
                if any(r["seed"] == seed and r["setting"] == setting
                       and r.get("field", "training.precision") == args.field for r in runs):
                    continue
                t0 = time.perf_counter()
                r = train_and_evaluate(args.preset, seed, setting, args.steps, args.threads,
                                       reference, source, folder, args.field)
                r["field"] = args.field
                runs.append(r)
                print(f"{args.preset} seed {seed} {setting} ({r['resolved']}): "
                      + ", ".join(f"{k} {r['metrics'][k]:.3f}" for k, *_ in METRICS)
                      + f"  [{time.perf_counter() - t0:.0f} s]", file=sys.stderr, flush=True)
                if args.json:
                    Path(args.json).write_text(json.dumps(runs, indent=1))
    runs.sort(key=lambda r: (args.settings.index(r["setting"]), r["seed"]))
    text, ok = table(runs, args.settings)
    print(f"{args.preset}, {args.steps:,} steps, seeds {args.seeds}, N = {args.n} generated "
          f"against {runs[0]['n_real']} real, GAN Studio's classifier space\n")
    print(text)
    print(f"\nverdict: {'within the run-to-run spread' if ok else 'NOT within the spread'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

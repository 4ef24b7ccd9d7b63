"""Record every preset trained as shipped, for the health alarms' no-false-alarm test.

    .venv/bin/python benchmarks/record_health_runs.py --train [PRESET ...]   # ~1 h, 1 thread
    .venv/bin/python benchmarks/record_health_runs.py --from DIR [PRESET ...]  # runs already there

Trains each preset with `ganstudio train --preset NAME --threads 1 --autosave 0` into
DIR/NAME (or reads a run folder made that way), then keeps what the alarms look at, per step
(losses, D's verdicts, G's gradient size) and per live measurement (the q_ columns), in
tests/data/health_runs/NAME.npz: about 60 kB a preset. tests/core/test_health_presets.py replays
them through a fresh HealthMonitor and asserts that no alarm fires. Re-record after changing a
preset, a loss, the live measurements or a default (training.precision): one preset at a time,
in the background (nohup), each alone takes 2-18 minutes (ring 139 s ... shapes 1,063 s).

The meta also keeps the number format that training.precision = auto chose on the machine
(bf16 only on a processor with native bf16, for the picture models: record there to replay
bf16 runs) and the training time. Run --from on the machine that trained.
"""

from __future__ import annotations

import argparse
import csv
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ganstudio.presets import list_presets  # noqa: E402

OUT = ROOT / "tests" / "data" / "health_runs"
PER_STEP = ("d_real", "d_fake", "d_loss", "g_loss", "g_grad_norm")


def train(preset: str, folder: Path) -> float:
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "ganstudio", "train", "--preset", preset,
                    "--threads", "1", "--autosave", "0", "--out", str(folder), "--quiet"],
                   check=True, cwd=ROOT)
    return time.perf_counter() - t0


def measures_of(folder: Path) -> tuple[list[dict], str | None, int, dict, str]:
    """What the run measured live and how its monitor was set up (with the real-vs-real
    floors, measured as the live measurement does), from its config; and the number format
    training.precision chose on this machine (run this where the run trained)."""
    from ganstudio.config import ExperimentConfig
    from ganstudio.training.health import monitor_for
    from ganstudio.training.trainer import Trainer

    cfg = ExperimentConfig.load(folder / "config.toml")
    trainer = Trainer(cfg)
    judge = trainer.live_quality()
    judge.measure()  # fills judge.floors
    monitor = monitor_for(trainer, judge.measures, judge.floors)
    return ([dict(key=m.key, title=m.title, better=m.better, space=m.space, total=m.total)
             for m in judge.measures], monitor.loss_scale, monitor.budget, dict(judge.floors),
            trainer.precision.words)


def record(preset: str, folder: Path, seconds: float | None) -> Path:
    with open(folder / "metrics.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    q_keys = [k[2:] for k in rows[0] if k.startswith("q_")]
    arrays = {"step": np.array([int(r["step"]) for r in rows], dtype=np.int32)}
    for k in PER_STEP:
        arrays[k] = np.array([float(r[k] or "nan") for r in rows], dtype=np.float16)
    measured = [r for r in rows if any(r[f"q_{k}"] for k in q_keys)]
    arrays["q_step"] = np.array([int(r["step"]) for r in measured], dtype=np.int32)
    for k in q_keys:
        arrays[f"q_{k}"] = np.array([float(r[f"q_{k}"] or "nan") for r in measured],
                                    dtype=np.float32)
    measures, loss_scale, budget, floors, precision = measures_of(folder)
    from ganstudio.training.checkpoint import load_checkpoint

    ckpt = load_checkpoint(folder / "checkpoint.safetensors")
    live_alarms = [a.to_json() for a in ckpt.alarms()]
    meta = dict(preset=preset, measures=measures, loss_scale=loss_scale, budget=budget,
                floors=floors, precision=precision,
                live_alarms=live_alarms, wall_s=seconds,
                train_s=round(float(ckpt.info.get("elapsed", 0.0)), 1),  # in steps only
                recorded=time.strftime("%Y-%m-%d"))
    arrays["meta"] = np.array(json.dumps(meta))
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"{preset}.npz"
    np.savez_compressed(path, **arrays)
    return path


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("presets", nargs="*", help="default: every preset")
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument("--train", metavar="DIR", nargs="?", const="runs/health",
                   help="train each preset into DIR/NAME first (default runs/health)")
    g.add_argument("--from", dest="source", metavar="DIR",
                   help="read DIR/NAME, trained as above")
    args = p.parse_args()
    names = args.presets or [pr.name for pr in list_presets()]
    base = Path(args.train or args.source)
    for name in names:
        folder = base / name
        seconds = train(name, folder) if args.train else None
        path = record(name, folder, seconds)
        data = np.load(path)
        meta = json.loads(str(data["meta"]))
        last = ", ".join(f"{m['key']} {float(data['q_' + m['key']][-1]):.3g}"
                         for m in meta["measures"])
        print(f"{name}: {path.stat().st_size / 1000:.0f} kB, {meta['precision']}, "
              f"{meta['train_s']:.0f} s of training; last measurement (step "
              f"{int(data['q_step'][-1]):,}): {last}; alarms during the run: "
              f"{[a['kind'] for a in meta['live_alarms']] or 'none'}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Which recipe trains pictures best in a fixed time on this machine? (issue 26, items 1-2)

    nice -n 10 .venv/bin/python benchmarks/bench_recipe.py --preset fashion-mnist \
        --name base --seed 1 --steps 6000 --at-steps 1500 3000 [--seconds 600 --at 300] \
        [--set FIELD=VALUE ...] [--threads 0] [--out DIR] [--json FILE]

Trains one preset (with ``--set`` changes) for ``--steps`` steps (the config's budget, which
learning-rate decay follows) or ``--seconds`` of training time (the trainer's own clock: the
steps alone, no evaluation or saving), whichever comes first; saves a checkpoint at each
``--at-steps`` step and when each ``--at`` time is passed, then evaluates each checkpoint as
``ganstudio eval CKPT --json`` does (the averaged generator, N = 1,000 pictures against 1,000
real ones, GAN Studio's classifier space). Inception figures are ``ganstudio eval CKPT
--inception`` on the saved checkpoints.

The machine is shared, so its speed varies: the load average is written beside every figure,
and comparisons at equal time are made at equal steps converted with steps/s measured on a
quiet moment (``--seconds 60`` runs). One JSON line per checkpoint is appended to ``--json``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ganstudio.metrics import report as quality  # noqa: E402
from ganstudio.presets import load_preset  # noqa: E402
from ganstudio.training import Trainer, train  # noqa: E402
from ganstudio.training.checkpoint import load_generator  # noqa: E402


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--preset", default="fashion-mnist")
    ap.add_argument("--name", required=True, help="what this recipe is called in the results")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--seconds", type=float, default=0.0, help="0: no time limit")
    ap.add_argument("--at", type=float, nargs="*", default=[])
    ap.add_argument("--clock", choices=("train", "cpu"), default="train", help="what --seconds "
                    "and --at count: the trainer's training time, or this process's processor "
                    "time (with --threads 1, about what the steps cost on a quiet core, whatever "
                    "else runs)")
    ap.add_argument("--at-steps", type=int, nargs="*", default=[])
    ap.add_argument("--steps", type=int, default=0, help="the config's step budget (0: the "
                    "preset's)")
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--set", action="append", default=[], metavar="FIELD=VALUE")
    ap.add_argument("--n", type=int, default=quality.PICTURE_SAMPLES)
    ap.add_argument("--out", default="/tmp/recipe-runs")
    ap.add_argument("--json", default="")
    args = ap.parse_args(argv)

    cfg = load_preset(args.preset)
    for s in args.set:
        cfg.set_text(s)
    cfg.set("training.seed", args.seed)
    cfg.set("training.threads", args.threads)
    cfg.set("training.autosave_minutes", 0)
    cfg.set("training.quality_every", 0)
    cfg.set("training.snapshot_mb", 0)
    if args.steps:
        cfg.set("training.steps", args.steps)
    cfg.raise_problems()
    out = Path(args.out) / f"{args.preset}-{args.name}-seed{args.seed}"
    out.mkdir(parents=True, exist_ok=True)
    load0 = os.getloadavg()
    trainer = Trainer(cfg)
    marks = sorted(set(args.at) | ({args.seconds} if args.seconds else set()))
    step_marks = sorted(set(args.at_steps))
    saved: list[tuple] = []  # (mark, steps, training seconds, path, process CPU seconds)
    cpu0 = time.process_time()

    def save(t: float, name: str) -> None:
        p = trainer.save_checkpoint(out / f"{name}.safetensors")
        saved.append((t, trainer.steps_done, trainer.elapsed, p, time.process_time() - cpu0))
        print(f"  step {trainer.steps_done:,} at {trainer.elapsed:.0f} s (load "
              f"{os.getloadavg()[0]:.2f})", file=sys.stderr, flush=True)

    def clock() -> float:
        return trainer.elapsed if args.clock == "train" else time.process_time() - cpu0

    def on_step(record: dict) -> None:
        while marks and clock() >= marks[0]:
            t = marks.pop(0)
            save(t, f"{'t' if args.clock == 'train' else 'cpu'}{int(t)}")
        while step_marks and trainer.steps_done >= step_marks[0]:
            step_marks.pop(0)
            save(trainer.elapsed, f"step{trainer.steps_done}")
        if args.seconds and clock() >= args.seconds:
            session[0].stop()

    session = []
    trainer.callbacks.append(on_step)
    t0 = time.time()
    state = train(trainer, on_session=session.append)
    wall = time.time() - t0
    load1 = os.getloadavg()
    if not saved or saved[-1][1] != trainer.steps_done:  # the end of the run
        save(trainer.elapsed, f"step{trainer.steps_done}")
    h = trainer.history
    last = {k: round(float(sum(h.column(k)[-200:]) / min(200, len(h))), 4)
            for k in ("d_loss", "g_loss")} if len(h) else None
    reference = quality.PictureReference(trainer.source, args.n)
    rows = []
    for t, steps, elapsed, path, cpu in saved:
        G, ckpt = load_generator(path)
        rep = reference.evaluate(G, ckpt.spec)
        js = rep.to_json()
        row = {"preset": args.preset, "name": args.name, "seed": args.seed, "sets": args.set,
               "state": str(state), "at_s": t, "clock": args.clock, "steps": steps,
               "train_s": round(elapsed, 1),
               "steps_per_s": round(steps / max(elapsed, 1e-9), 2), "wall_s": round(wall, 1),
               "cpu_s": round(cpu, 1), "threads": args.threads,
               "load_start": [round(x, 2) for x in load0],
               "load_end": [round(x, 2) for x in load1],
               "checkpoint": str(path), "n": rep.n,
               "metrics": {m["key"]: m["value"] for m in js["metrics"]},
               "floors": {m["key"]: m["floor"] for m in js["metrics"]},
               "last_200_mean": last}
        rows.append(row)
        m = row["metrics"]
        print(f"{args.name} seed {args.seed} t={t:.0f}s step {steps:,}: classifier FD "
              f"{m.get('classifier_fd', float('nan')):.3f} KID x1000 "
              f"{m.get('classifier_kid', float('nan')):.2f} asked-for "
              f"{m.get('label_accuracy', float('nan')):.1f}", flush=True)
        if args.json:
            with open(args.json, "a", encoding="utf-8") as f:
                f.write(json.dumps(row) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Train the demo models bundled in resources/demos, from the built-in presets.

    python packaging/make_demos.py [NAME ...]      (default: all of them)
    python packaging/make_demos.py --from-run RUN/checkpoint.safetensors ...

Each demo is its preset trained for its preset's steps with its preset's seed, saved as a
generator-only checkpoint (the averaged generator and the experiment's settings: small, for
exploring). Reproducible: training uses one fixed processor thread (convolutions add in another
order with another thread count, which changes the last digits), so the same presets and seeds
give the same weights on the same kind of processor.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import torch

from ganstudio.presets import get_preset
from ganstudio.training import Trainer, train
from ganstudio.explore.demos import demo_titles, demos_dir

DEMOS = demo_titles()  # id -> title: the catalogue entries with a demo (catalog.SOURCES)
THREADS = 1  # fixed for repeatability; one thread also never collapses on a busy machine


def make(name: str, out_dir: Path) -> Path:
    from tqdm import tqdm

    preset = get_preset(name)
    cfg = preset.config()
    cfg.training.threads = THREADS
    trainer = Trainer(cfg)
    bar = tqdm(total=cfg.training.steps, desc=name, unit="step", file=sys.stderr,
               mininterval=1.0)
    trainer.callbacks.append(lambda record: bar.update(1))
    t0 = time.time()
    train(trainer)
    bar.close()
    path = trainer.save_checkpoint(out_dir / f"{name}.safetensors", generator_only=True,
                                   title=DEMOS[name], demo=True)
    print(f"{name}: {trainer.steps_done:,} steps in {time.time() - t0:.0f} s -> {path} "
          f"({path.stat().st_size / 1e6:.1f} MB)")
    return path


def from_run(checkpoint: str, out_dir: Path) -> Path:
    """A demo from a run already trained as its preset (``ganstudio train --preset NAME
    --threads 1``): its averaged generator, with the run's steps and seconds."""
    trainer = Trainer.from_checkpoint(checkpoint)
    name = trainer.config.data.source
    if name not in DEMOS:
        raise SystemExit(f"{checkpoint} is not a run of a demo's preset ({', '.join(DEMOS)})")
    if trainer.steps_done != trainer.config.training.steps:
        raise SystemExit(f"{checkpoint} stopped at step {trainer.steps_done:,} of "
                         f"{trainer.config.training.steps:,}: a demo is a whole run")
    path = trainer.save_checkpoint(out_dir / f"{name}.safetensors", generator_only=True,
                                   title=DEMOS[name], demo=True)
    print(f"{name}: {trainer.steps_done:,} steps in {trainer.elapsed:.0f} s -> {path}")
    return path


def main(names: list[str]) -> int:
    torch.set_num_threads(THREADS)
    out = demos_dir()
    out.mkdir(parents=True, exist_ok=True)
    if names[:1] == ["--from-run"]:
        for checkpoint in names[1:]:
            from_run(checkpoint, out)
        return 0
    for name in names or list(DEMOS):
        if name not in DEMOS:
            print(f"unknown demo '{name}'; the demos are: {', '.join(DEMOS)}", file=sys.stderr)
            return 2
        make(name, out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

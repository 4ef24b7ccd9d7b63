"""Does torch.compile pay? The Trainer's networks compiled, against as they are (issue 13, item 1).

    .venv/bin/python benchmarks/bench_compile.py

The ring preset (MLP, R1) and the digits preset (conditional DCGAN 32 px, bf16), 2 threads: the
first step (where compiling happens), the second, then steady steps/s. A failure is reported,
not raised: it is a finding.
"""
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from ganstudio.presets import load_preset  # noqa: E402
from ganstudio.training import Trainer  # noqa: E402


def measure(preset, compiled, steps):
    cfg = load_preset(preset)
    cfg.set("training.threads", 2)
    cfg.set("training.sample_every", 0)
    cfg.set("training.quality_every", 0)
    if cfg.source_info.kind == "image":
        cfg.data.size = 2000
    tr = Trainer(cfg)
    if compiled:
        tr.G, tr.D = torch.compile(tr.G), torch.compile(tr.D)
        tr._g_train, tr._d_train = tr.G, tr.D
    t0 = time.perf_counter()
    tr.step()
    first = time.perf_counter() - t0
    t0 = time.perf_counter()
    tr.step()
    second = time.perf_counter() - t0
    for _ in range(5):
        tr.step()
    t0 = time.perf_counter()
    for _ in range(steps):
        tr.step()
    rate = steps / (time.perf_counter() - t0)
    print(f"{preset:7s} compiled={compiled!s:5s} first step {first:6.2f} s, second "
          f"{second:5.2f} s, then {rate:6.1f} steps/s", flush=True)


if __name__ == "__main__":
    for preset, steps in (("ring", 600), ("digits", 60)):
        for c in (False, True):
            try:
                measure(preset, c, steps)
            except Exception as e:  # noqa: BLE001 - a failure to compile is the finding
                print(preset, c, "failed:", type(e).__name__, str(e)[:300], flush=True)

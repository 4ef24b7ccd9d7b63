"""How long the explorer's directions take (issue 25, items 2, 3 and 6): SeFa read from the
weights, against principal directions (which run the generator over samples); teaching a
direction from 10 to 50 tagged samples; the strips of the Directions tab.

    python benchmarks/bench_directions.py [--repeats 21] [--demos fashion-mnist digits shapes ring]

Each figure is the median of --repeats timings after one untimed warm-up, in one process with
one torch thread (as the window's helper threads run). Importing scikit-learn, once per
process, is timed apart (in a fresh interpreter). The tags of a taught direction follow a rule
planted on the noise (the sign of noise number 3), so the script also says how close the
direction found is to the planted one.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import torch  # noqa: E402

from ganstudio.explore import directions, latent  # noqa: E402
from ganstudio.explore.exploration import Exploration  # noqa: E402
from ganstudio.paths import resources_dir  # noqa: E402


def median_ms(fn, repeats: int) -> float:
    fn()  # warm-up: first calls pay for lazy set-up (LAPACK, imports)
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times) * 1000


def import_seconds() -> float:
    """Importing what teaching needs, in a fresh interpreter (what the first Teach pays)."""
    code = ("import time; t = time.perf_counter(); import sklearn.linear_model, "
            "sklearn.model_selection, threadpoolctl; print(time.perf_counter() - t)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    return float(out.stdout.strip())


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeats", type=int, default=21)
    p.add_argument("--demos", nargs="+", default=["fashion-mnist", "digits", "shapes", "ring"])
    args = p.parse_args()
    torch.set_num_threads(1)

    print("| demo | noise | SeFa (ms) | principal directions (ms) | 10 strips of 7 (ms) |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for name in args.demos:
        ex = Exploration.from_checkpoint(resources_dir() / "demos" / f"{name}.safetensors")
        n = ex.spec.latent_dim
        k = min(10, n)
        sefa = median_ms(lambda: directions.sefa(ex.G, n, k), args.repeats)
        pca = median_ms(lambda: latent.principal_directions(ex.G, n, k=k, y=ex._labels(1024)),
                        max(3, args.repeats // 5))
        found = directions.found(ex, "sefa", k)
        strips = median_ms(lambda: directions.strips(ex, found), max(3, args.repeats // 5))
        print(f"| {name} | {n} | {sefa:.2f} | {pca:.0f} | {strips:.0f} |")

    print()
    print("| tags | noise | teach (ms) | of which the held-out check (ms) | cosine with the "
          "planted direction |")
    print("| ---: | ---: | ---: | ---: | ---: |")
    for dim in (64,):
        for tags in (10, 20, 50):
            z = torch.randn(tags, dim, generator=torch.Generator().manual_seed(tags))
            z[:, 3] = z[:, 3].abs() * torch.where(torch.arange(tags) % 2 == 0, 1.0, -1.0)
            has, lacks = z[z[:, 3] > 0], z[z[:, 3] <= 0]
            teach = median_ms(lambda: directions.teach("planted", has, lacks), args.repeats)
            X = torch.cat([has, lacks]).double().numpy()
            y = (torch.arange(len(X)) < len(has)).double().numpy()
            from threadpoolctl import threadpool_limits

            with threadpool_limits(1):
                check = median_ms(lambda: directions._held_out_accuracy(X, y), args.repeats)
            cos = float(directions.teach("planted", has, lacks).direction.vector[3])
            print(f"| {tags} | {dim} | {teach:.1f} | {check:.1f} | {cos:.2f} |")
    print()
    print(f"Importing scikit-learn (first Teach of a session): {import_seconds():.2f} s")


if __name__ == "__main__":
    main()

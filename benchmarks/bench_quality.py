"""Quality of the bundled demos: every metric of `ganstudio eval` on each demo, in both
feature spaces, with the real-vs-real floor and what each evaluation cost.

    .venv/bin/python benchmarks/bench_quality.py [--n 500] [--no-inception] [--json FILE]

Prints one Markdown table (the one in benchmarks/README.md). Inception costs ~0.1 s a picture
on a 2-core CPU and each picture demo needs 3 x N of them (generated, real, second real set).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ganstudio.data import build_source  # noqa: E402
from ganstudio.explore.demos import list_demos  # noqa: E402
from ganstudio.metrics import report as quality  # noqa: E402
from ganstudio.training.checkpoint import load_generator  # noqa: E402


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--n", type=int, default=500, help="generated pictures per demo")
    p.add_argument("--no-inception", action="store_true")
    p.add_argument("--json", metavar="FILE", help="also write every report as JSON")
    args = p.parse_args()
    results = {}
    for title, path in list_demos():
        G, ckpt = load_generator(path)
        source = build_source(ckpt.config)
        t0 = time.perf_counter()
        if ckpt.spec.kind == "2d":
            rep = quality.evaluate_points(G, ckpt.spec, source)
        else:
            rep = quality.evaluate_pictures(G, ckpt.spec, source, n=args.n,
                                            inception=not args.no_inception)
        print(f"{Path(path).stem}: {time.perf_counter() - t0:.0f} s", file=sys.stderr)
        results[Path(path).stem] = rep.to_json()
        for line in rep.lines():
            print("   ", line, file=sys.stderr)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))

    def cell(rep, key, fmt="{:.2f}"):
        m = {x["key"]: x for x in rep["metrics"]}.get(key)
        if m is None:
            return "-"
        text = fmt.format(m["value"])
        return text + (f" ({fmt.format(m['floor'])})" if m["floor"] is not None else "")

    print("| demo | N | FID (floor) | KID x 1000 (floor) | precision / recall | density / "
          "coverage | classifier FD (floor) | classifier KID x 1000 (floor) | classes | "
          "asked-for class | Inception s/picture | classifier ms / 1,000 |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for name, rep in results.items():
        if "modes" in {x["key"] for x in rep["metrics"]}:
            continue
        t = rep["timings"]
        print(f"| {name} | {rep['n']:,} | {cell(rep, 'inception_fd')} | "
              f"{cell(rep, 'inception_kid')} | {cell(rep, 'inception_precision')} / "
              f"{cell(rep, 'inception_recall')} | {cell(rep, 'inception_density')} / "
              f"{cell(rep, 'inception_coverage')} | {cell(rep, 'classifier_fd')} | "
              f"{cell(rep, 'classifier_kid')} | {cell(rep, 'classes', '{:d}')} | "
              f"{cell(rep, 'label_accuracy', '{:.1f}%')} | "
              f"{t.get('inception_s_per_image', float('nan')):.3f} | "
              f"{t.get('classifier_features_ms_per_1000', float('nan')):.0f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())

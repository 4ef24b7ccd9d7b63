"""Long runs keep memory flat: train the ring preset for many steps and print the RSS curve.

    python benchmarks/soak.py cli [--steps 100000]       # `ganstudio train` in a subprocess
    xvfb-run -a python benchmarks/soak.py window [--steps 100000]   # the window, training

Samples the resident memory (RSS) every few seconds; reports it at every 5,000 steps and the
growth of the peak after the first 5,000 steps (the promise: under 5%). In window mode it also
times a 10 ms UI timer, so a long run that makes the window sluggish shows as large gaps.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def rss_mib(pid: int) -> float:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def report(curve: list[tuple[int, float]], extra: str = "") -> None:
    print("| step | RSS (MiB) |")
    print("| ---: | ---: |")
    shown = set()
    for step, rss in curve:
        mark = step // 5000
        if mark not in shown:
            shown.add(mark)
            print(f"| {step:,} | {rss:.0f} |")
    after = [r for s, r in curve if s >= 5000]
    if after:
        base = next(r for s, r in curve if s >= 5000)
        print(f"\nRSS at step 5,000: {base:.0f} MiB; peak after it: {max(after):.0f} MiB "
              f"(growth {100 * (max(after) / base - 1):+.1f}%); last: {curve[-1][1]:.0f} MiB "
              f"at step {curve[-1][0]:,}{extra}")


def soak_cli(steps: int) -> None:
    out = Path(tempfile.mkdtemp(prefix="soak-"))
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.Popen([sys.executable, "-m", "ganstudio", "train", "--preset", "ring",
                             "--steps", str(steps), "--out", str(out), "--quiet"],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    curve: list[tuple[int, float]] = []
    t0 = time.monotonic()
    metrics = out / "metrics.csv"
    while proc.poll() is None:
        time.sleep(2.0)
        try:
            with open(metrics, "rb") as f:  # the last complete line's step
                f.seek(max(0, f.seek(0, 2) - 400))
                lines = f.read().decode(errors="replace").splitlines()
            step = int(float(lines[-2].split(",")[0])) if len(lines) > 1 else 0
            curve.append((step, rss_mib(proc.pid)))
        except (OSError, ValueError, IndexError):
            pass
    took = time.monotonic() - t0
    size = metrics.stat().st_size / 2**20 if metrics.exists() else 0
    report(curve, f"; {took:.0f} s in all; metrics.csv {size:.1f} MiB; exit {proc.returncode}")


def soak_window(steps: int) -> None:
    os.environ.setdefault("GANSTUDIO_DATA_DIR", tempfile.mkdtemp(prefix="soak-app-"))
    os.environ.setdefault("GANSTUDIO_SETTINGS_FILE", str(Path(tempfile.mkdtemp()) / "s.ini"))
    from PySide6.QtCore import QElapsedTimer, QTimer
    from PySide6.QtWidgets import QApplication

    app = QApplication([])
    from ganstudio.gui.main_window import MainWindow
    from ganstudio.presets import load_preset

    w = MainWindow()
    w.ask_close = lambda: "discard"
    w.show()
    cfg = load_preset("ring")
    cfg.training.steps = steps
    curve: list[tuple[int, float]] = []
    gaps: list[float] = []
    clock = QElapsedTimer()
    clock.start()
    last = [clock.elapsed()]
    started = []

    def tick():
        now = clock.elapsed()
        gaps.append(now - last[0])
        last[0] = now
        if w.engine_ready and not started:
            w.set_config(cfg)
            w.train()
            started.append(time.monotonic())
        if started and len(gaps) % 200 == 0:
            curve.append((w.last_step, rss_mib(os.getpid())))
        if started and (w.run_state == "finished" or w.last_step >= steps):
            app.quit()

    timer = QTimer()
    timer.timeout.connect(tick)
    timer.start(10)
    app.exec()
    took = time.monotonic() - started[0]
    w.close()
    gaps.sort()
    p99 = gaps[int(0.99 * (len(gaps) - 1))]
    report(curve, f"; {took:.0f} s; UI 10 ms timer gaps p50 {gaps[len(gaps) // 2]:.0f} / p99 "
                  f"{p99:.0f} / max {gaps[-1]:.0f} ms")


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("mode", choices=["cli", "window"])
    p.add_argument("--steps", type=int, default=100_000)
    args = p.parse_args()
    (soak_cli if args.mode == "cli" else soak_window)(args.steps)
    return 0


if __name__ == "__main__":
    sys.exit(main())

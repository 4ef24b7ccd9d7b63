"""Explorer latency: from a slider move to the updated picture on screen.

    python benchmarks/bench_explorer.py [--seconds S] [--checkpoint CKPT]

A slider is dragged at 60 moves per second (as a hand drags it) through the real widget. For
each move, the latency is the time until a picture of that position or a newer one is shown
(the renderer drops stale requests, so an older position is never drawn late). Without
--checkpoint, a 32 px DCGAN (the digits preset's architecture) is built untrained: latency does
not depend on training.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time

import numpy as np


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--seconds", type=float, default=8.0)
    p.add_argument("--checkpoint")
    args = p.parse_args()
    if not os.environ.get("DISPLAY"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ["GANSTUDIO_SETTINGS_FILE"] = os.path.join(tempfile.mkdtemp(), "s.ini")
    from PySide6.QtCore import QEventLoop
    from PySide6.QtWidgets import QApplication

    from ganstudio.gui import MainWindow

    app = QApplication(sys.argv[:1])
    w = MainWindow()
    w.ask_close = lambda: "discard"
    w.resize(1280, 800)
    w.show()

    def spin(until, timeout=120.0):
        end = time.perf_counter() + timeout
        while not until() and time.perf_counter() < end:
            app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 5)

    spin(lambda: w.engine_ready)
    path = args.checkpoint
    if path is None:
        from ganstudio.presets import load_preset
        from ganstudio.training import Trainer

        cfg = load_preset("digits")
        cfg.data.size = 200
        path = Trainer(cfg).save_checkpoint(os.path.join(tempfile.mkdtemp(), "digits"))
    w.open_checkpoint(str(path), resume=False)
    ex = w.explorer
    spin(lambda: ex.ex is not None and ex.renderer.idle and ex.image.image() is not None)
    spin(lambda: False, timeout=1.0)  # let the path strip and samples settle

    shown: list[tuple[float, int]] = []  # (time shown, the move whose position it draws)
    moves: list[float] = []
    values: list[int] = []

    def on_rendered(result):
        if result[0] != "picture":
            return
        now = time.perf_counter()
        drawn = int(round(result[1].values[0] * 100))  # the slider value it was drawn for
        for j in range(len(moves) - 1, -1, -1):  # the latest move to that value
            if values[j] == drawn and moves[j] <= now:
                shown.append((now, j))
                return

    ex.renderer.rendered.connect(on_rendered)
    slider = ex.sliders[0]
    period = 1 / 60
    start = time.perf_counter()
    i = 0
    while time.perf_counter() - start < args.seconds:
        target = start + i * period
        spin(lambda: time.perf_counter() >= target, timeout=1.0)
        value = int(300 * np.sin(i / 20))  # to and fro over the slider's range, like a hand
        moves.append(time.perf_counter())
        values.append(value)
        slider.setValue(value)
        i += 1
    spin(lambda: ex.renderer.idle, timeout=5)
    latencies = []
    for k, t_move in enumerate(moves):  # first picture showing move k or newer
        later = [t for t, m in shown if m >= k]
        if later:
            latencies.append((later[0] - t_move) * 1000)
    lat = np.array(latencies)
    print("| moves | pictures shown | latency p50 (ms) | p95 (ms) | max (ms) |")
    print("| ---: | ---: | ---: | ---: | ---: |")
    print(f"| {len(moves)} | {len(shown)} | {np.percentile(lat, 50):.1f} | "
          f"{np.percentile(lat, 95):.1f} | {lat.max():.1f} |")
    w.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())

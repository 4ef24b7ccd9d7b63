"""The window's cost: UI responsiveness while training, training speed inside the window against
headless, and the time to show the window.

    python benchmarks/bench_gui.py [--seconds S] [--repeats R] [--preset ring]

- Responsiveness: a 10 ms QTimer on the UI thread while training runs at full speed; the gaps
  between its ticks (p50 / p99 / max). A gap far above 10 ms is a UI that stutters.
- Overhead: steps/s of the preset trained in the window (wall clock, after a warm-up) against
  steps/s of the headless path `ganstudio train` takes (Trainer.run with the command line's
  progress bar and CSV log), each in a fresh process, in pairs of alternating order; ratio =
  window / headless, per pair and of the medians. Between processes this machine's speed
  varies by 10-20%, so it takes many pairs; ``--paired`` is the precise measurement. The window is timed without the 10 ms probe timer, which is the benchmark's own
  load (100 wake-ups a second cost training ~2% here); the gaps come from separate window runs
  with the probe on, and their steps/s is printed too.
- Start-up: from launching a process to the window shown, torch loading afterwards.
- Paired (``--paired N``): the same overhead measured inside one window process, which this
  machine's drift (20% between minutes, ~6% between seconds) cannot blur: training runs on,
  and every few seconds the window's views are detached (training sends the window nothing:
  no metrics, no pictures; the UI thread idles) or attached again, in alternating order;
  ratio = steps/s attached / detached, per pair, with a 95% confidence interval. Detached
  training skips the command line's progress bar and CSV log too, so this ratio is, if
  anything, stricter than window / headless.

Qt uses the offscreen platform unless a display is set (e.g. run under xvfb-run).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def child_env() -> dict:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    if not env.get("DISPLAY"):
        env["QT_QPA_PLATFORM"] = "offscreen"
    env["GANSTUDIO_SETTINGS_FILE"] = str(Path(tempfile.mkdtemp()) / "settings.ini")
    return env


class TrainingWindow:
    """The window, shown at 1280 x 800, training ``preset`` (no step budget) past its first 50
    steps, driven by a real event loop."""

    def __init__(self, preset: str, threads: int = 0):
        from PySide6.QtWidgets import QApplication

        from ganstudio.gui import MainWindow
        from ganstudio.gui.theme import apply_theme

        self.app = QApplication(sys.argv[:1])
        apply_theme(self.app)
        self.w = w = MainWindow()
        w.ask_close = lambda: "discard"
        w.resize(1280, 800)
        w.show()
        self.spin(lambda: w.engine_ready)
        w.load_preset(preset)
        w.config.training.steps = 0
        w.config.training.threads = threads
        self.spin(lambda: w.settings_ctl.data_ready())
        w.train_button.click()
        self.spin(lambda: w.last_step >= 50)
        self.trainer = w.controller.trainer

    def spin(self, until) -> None:
        from PySide6.QtCore import QEventLoop

        while not until():
            self.app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)
            time.sleep(0.002)

    def run_loop(self, seconds: float) -> None:
        """The event loop as the app runs it, for ``seconds`` (app.quit would close the
        window, which stops training)."""
        from PySide6.QtCore import QEventLoop, QTimer

        end = time.perf_counter() + seconds
        while time.perf_counter() < end:
            loop = QEventLoop()
            QTimer.singleShot(int((end - time.perf_counter()) * 1000) + 1, loop.quit)
            loop.exec()

    def close(self) -> None:
        self.w.stop()
        self.spin(lambda: not self.w.controller.running)
        self.w.close()


def detach_views(tw: TrainingWindow) -> None:
    """Training sends the window nothing from now on (no metrics, status or pictures): what is
    left of the UI thread's gaps is the machine's, not the views' (plain attribute swaps,
    atomic for the training thread)."""
    session = tw.w.controller.session
    session.on_metrics = session.on_picture = lambda _: None
    session.on_status = None
    session._picture_due = lambda now: False


def gap_figures(ticks) -> dict:
    """A 10 ms timer's ticks -> its gaps' percentiles (ms). A tick's lateness as a user feels
    it is its gap less the 10 ms asked for."""
    import numpy as np

    gaps = np.diff(np.array(ticks)) * 1000
    return dict(gap_p50=float(np.percentile(gaps, 50)), gap_p99=float(np.percentile(gaps, 99)),
                gap_p999=float(np.percentile(gaps, 99.9)), gap_max=float(gaps.max()),
                ticks=len(ticks), late_16=int((gaps - 10 > 16).sum()))


def measure_window(preset: str, seconds: float, threads: int = 0, probe: bool = True,
                   every_view: bool = False, detached: bool = False) -> dict:
    """``every_view``: every layer of the 2-D picture switched on (heat map, arrows, noise
    grid, real points) besides the plots and the quality badge; ``detached``: the views get
    nothing (the floor: what training alone does to the UI thread's timer)."""
    from PySide6.QtCore import QTimer

    tw = TrainingWindow(preset, threads)
    if every_view:
        for box in tw.w.plane_panel.switches.values():
            box.setChecked(True)
    if detached:
        detach_views(tw)
    ticks: list[float] = []
    timer = QTimer(interval=10)
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    tw.run_loop(2.0)  # warm-up
    if probe:
        timer.start()
    s0, t0 = tw.trainer.steps_done, time.perf_counter()
    tw.run_loop(seconds)
    s1, t1 = tw.trainer.steps_done, time.perf_counter()
    tuner = getattr(tw.w.controller.session, "tuner", None)  # None with a fixed thread count
    timer.stop()
    tw.close()
    # the thread counts the tuner chose: (threads, median step time) per decision
    result = dict(steps_per_s=(s1 - s0) / (t1 - t0),
                  tuner=None if tuner is None else tuner.history)
    if probe:
        result.update(gap_figures(ticks))
    return result


def measure_paired(preset: str, pairs: int, segment: float, threads: int = 0) -> dict:
    tw = TrainingWindow(preset, threads)
    tw.run_loop(2.0)
    session, trainer = tw.w.controller.session, tw.trainer
    attached = (session.on_metrics, session.on_status, session.on_picture,
                session._picture_due)

    def attach(on: bool) -> None:  # plain attribute swaps: atomic for the training thread
        if on:
            (session.on_metrics, session.on_status, session.on_picture,
             session._picture_due) = attached
        else:
            session.on_metrics = session.on_picture = lambda _: None
            session.on_status = None  # the status bar's numbers come with each batch too
            session._picture_due = lambda now: False

    rates = {True: [], False: []}
    for i in range(pairs):
        for on in ((True, False) if i % 2 == 0 else (False, True)):
            attach(on)
            tw.run_loop(0.4)  # let what was on its way settle
            s0, t0 = trainer.steps_done, time.perf_counter()
            tw.run_loop(segment)
            rates[on].append((trainer.steps_done - s0) / (time.perf_counter() - t0))
    attach(True)
    tw.close()
    return dict(attached=rates[True], detached=rates[False])


def paired_summary(result: dict) -> dict:
    return ratio_summary(result["attached"], result["detached"])


def ratio_summary(on_rates, off_rates) -> dict:
    """Per-pair ratios on / off: mean with a bootstrap 95% interval, median, spread."""
    import numpy as np

    on, off = np.array(on_rates), np.array(off_rates)
    ratios = on / off
    rng = np.random.default_rng(0)
    boot = rng.choice(ratios, size=(10_000, len(ratios))).mean(axis=1)
    return dict(pairs=len(ratios), attached=float(np.median(on)), detached=float(np.median(off)),
                mean=float(ratios.mean()), median=float(np.median(ratios)),
                low=float(np.percentile(boot, 2.5)), high=float(np.percentile(boot, 97.5)),
                sd=float(ratios.std(ddof=1)))


def measure_headless(preset: str, seconds: float, threads: int = 0) -> dict:
    from ganstudio.presets import load_preset
    from ganstudio.train_command import _Progress
    from ganstudio.training import Trainer, train
    from ganstudio.training.metrics_log import MetricsLog

    cfg = load_preset(preset)
    cfg.training.steps = 0
    cfg.training.threads = threads
    t = Trainer(cfg)
    out = Path(tempfile.mkdtemp())
    bar, log = _Progress(t, quiet=False), MetricsLog(out / "metrics.csv", None)
    t.callbacks += [bar, log]
    train(t, 50)
    warm = time.perf_counter() + 2.0
    while time.perf_counter() < warm:
        t.step()
    s0, t0 = t.steps_done, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        t.step()
    rate = (t.steps_done - s0) / (time.perf_counter() - t0)
    bar.close()
    log.close()
    return dict(steps_per_s=rate)


def measure_startup() -> dict:
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from ganstudio.gui import MainWindow

    app = QApplication(sys.argv[:1])
    w = MainWindow()
    w.show()
    shown = {}
    QTimer.singleShot(0, lambda: (shown.setdefault("t", time.time()), app.quit()))
    app.exec()
    w.close()
    return dict(shown_at=shown["t"])


def run_child(kind: str, preset: str, seconds: float, threads: int = 0,
              pairs: int = 0, code: str | None = None) -> dict:
    """``code``: another checkout's root whose ``ganstudio`` the child imports (A/B)."""
    t_launch = time.time()
    env = child_env()
    if code:
        env["PYTHONPATH"] = str(Path(code).resolve())
    proc = subprocess.run([sys.executable, __file__, "--child", kind, "--preset", preset,
                           "--seconds", str(seconds), "--threads", str(threads),
                           "--paired", str(pairs)],
                          capture_output=True, text=True,
                          env=env, timeout=3600)
    if proc.returncode != 0:
        raise RuntimeError(f"{kind} failed:\n{proc.stderr[-3000:]}")
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    if kind == "startup":
        result["startup_s"] = result["shown_at"] - t_launch
    return result


STALL_COLUMNS = (("gap_p50", "p50"), ("gap_p99", "p99"), ("gap_p999", "p99.9"),
                 ("gap_max", "max"))


def measure_stalls(args) -> int:
    """``--stalls N``: N runs of each variant with every view on, in alternating order (ABBA),
    each a fresh window process timed by the 10 ms probe: the code of this checkout, the code
    of ``--before DIR`` if given, and with ``--floor`` the same window with its views
    detached (what is left is the machine's and training's, not the views'). Prints the
    medians over runs of each gap percentile and of steps/s (probe on), and per run."""
    variants = ["after"] + (["before"] if args.before else []) + (["floor"] if args.floor
                                                                   else [])
    runs: dict[str, list] = {v: [] for v in variants}
    for i in range(args.stalls):
        order = variants if i % 2 == 0 else variants[::-1]
        for v in order:
            kind = "window-detached" if v == "floor" else "window-every-view"
            r = run_child(kind, args.preset, args.seconds, args.threads,
                          code=args.before if v == "before" else None)
            runs[v].append(r)
            print(v, {k: round(r[k], 1) for k, _ in STALL_COLUMNS},
                  f"{r['steps_per_s']:.1f} steps/s", file=sys.stderr, flush=True)
    display = os.environ.get("DISPLAY") and "Xvfb/X11" or "offscreen"
    print(f"preset {args.preset}, every view on, {args.seconds:g} s per run, {args.stalls} runs "
          f"of each, alternating; platform {display}; medians over runs (ms)")
    print("| code | UI timer gap p50 | p99 | p99.9 | max | ticks late by > 16 ms, per run "
          "| steps/s (probe on) |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for v in variants:
        rs = runs[v]
        med = {k: statistics.median(r[k] for r in rs) for k, _ in STALL_COLUMNS}
        print(f"| {v} | " + " | ".join(f"{med[k]:.1f}" for k, _ in STALL_COLUMNS)
              + f" | {statistics.median(r['late_16'] for r in rs):g}"
              + f" | {statistics.median(r['steps_per_s'] for r in rs):.1f} |")
    if args.before:
        ratios = [a["steps_per_s"] / b["steps_per_s"]
                  for a, b in zip(runs["after"], runs["before"])]
        print(f"steps/s after / before, per pair: median {statistics.median(ratios):.3f}",
              [round(x, 3) for x in ratios])
    for v in variants:
        print(v, "p99 per run:", [round(r["gap_p99"], 1) for r in runs[v]])
    return 0


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--child", choices=["window", "window-probe", "headless", "startup",
                                       "paired", "window-every-view", "window-detached"])
    p.add_argument("--preset", default="ring")
    p.add_argument("--seconds", type=float, default=15.0)
    p.add_argument("--repeats", type=int, default=2)
    p.add_argument("--threads", type=int, default=0,
                   help="training.threads for both (0 = automatic, as users get it)")
    p.add_argument("--paired", type=int, default=0, metavar="N",
                   help="only the paired measurement: N pairs of --segment seconds")
    p.add_argument("--segment", type=float, default=2.0)
    p.add_argument("--stalls", type=int, default=0, metavar="N",
                   help="only the UI stalls with every view on: N runs of each variant")
    p.add_argument("--before", metavar="DIR",
                   help="with --stalls: also runs of the code in DIR (a copy of an older "
                        "checkout), alternating with this one's")
    p.add_argument("--floor", action="store_true",
                   help="with --stalls: also runs with the views detached (the machine's floor)")
    args = p.parse_args()
    if args.child in ("window-every-view", "window-detached"):
        print(json.dumps(measure_window(args.preset, args.seconds, args.threads,
                                        every_view=True,
                                        detached=args.child == "window-detached")))
        return 0
    if args.stalls:
        return measure_stalls(args)
    if args.child == "paired":
        print(json.dumps(measure_paired(args.preset, args.paired, args.seconds, args.threads)))
        return 0
    if args.paired:
        r = paired_summary(run_child("paired", args.preset, args.segment, args.threads,
                                     pairs=args.paired))
        print(f"preset {args.preset}, paired in one window process: {r['pairs']} pairs of "
              f"{args.segment:g} s, threads {args.threads or 'automatic'}")
        print(f"attached {r['attached']:.1f} steps/s, detached {r['detached']:.1f} (medians); "
              f"ratio mean {r['mean']:.3f} (95% CI {r['low']:.3f}-{r['high']:.3f}), "
              f"median {r['median']:.3f}, sd of a pair {r['sd']:.3f}")
        return 0
    if args.child in ("window", "window-probe"):
        print(json.dumps(measure_window(args.preset, args.seconds, args.threads,
                                        probe=args.child == "window-probe")))
        return 0
    if args.child == "headless":
        print(json.dumps(measure_headless(args.preset, args.seconds, args.threads)))
        return 0
    if args.child == "startup":
        print(json.dumps(measure_startup()))
        return 0

    headless, window, probed = [], [], []
    for i in range(args.repeats):  # pairs in alternating order (ABBA), so drift hits both
        order = ("headless", "window") if i % 2 == 0 else ("window", "headless")
        for kind in order:
            (headless if kind == "headless" else window).append(
                run_child(kind, args.preset, args.seconds, args.threads))
    for _ in range(max(2, args.repeats // 2)):
        probed.append(run_child("window-probe", args.preset, args.seconds, args.threads))
    startups = sorted(run_child("startup", args.preset, 0)["startup_s"] for _ in range(3))
    h = statistics.median(r["steps_per_s"] for r in headless)
    w = statistics.median(r["steps_per_s"] for r in window)
    pairs = [a["steps_per_s"] / b["steps_per_s"] for a, b in zip(window, headless)]
    summary = ratio_summary([r["steps_per_s"] for r in window],
                            [r["steps_per_s"] for r in headless])
    worst = max(probed, key=lambda r: r["gap_p99"])
    print(f"preset {args.preset}, {args.seconds:g} s per run, {args.repeats} pairs, "
          f"threads {args.threads or 'automatic'}")
    print(f"| headless steps/s | window steps/s | ratio of medians | median pair ratio | "
          f"UI gap p50 / p99 / max (ms) | start-up to window (s) |")
    print("| ---: | ---: | ---: | ---: | ---: | ---: |")
    print(f"| {h:.1f} | {w:.1f} | {w / h:.3f} | {statistics.median(pairs):.3f} | "
          f"{statistics.median(r['gap_p50'] for r in probed):.1f}"
          f" / {worst['gap_p99']:.1f} / {max(r['gap_max'] for r in probed):.1f} | "
          f"{startups[1]:.2f} (median of 3) |")
    print(f"pair ratios: mean {summary['mean']:.3f} (95% CI {summary['low']:.3f}-"
          f"{summary['high']:.3f}), sd {summary['sd']:.3f}:", [round(x, 3) for x in pairs])
    print(f"with the probe timer on: "
          f"{statistics.median(r['steps_per_s'] for r in probed):.1f} steps/s")
    for kind, runs in (("headless", headless), ("window", window), ("window-probe", probed)):
        print(kind, [round(r["steps_per_s"], 1) for r in runs], file=sys.stderr)
    print("threads the window's tuner chose, per run:",
          [[n for n, _ in r["tuner"] or []] for r in window], file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""No health alarm on any preset trained as shipped (issue 11: false alarms are worse than none).

Each preset was trained in full (`ganstudio train --preset NAME --threads 1`) and its per-step
numbers and live measurements kept in tests/data/health_runs/ (benchmarks/record_health_runs.py
records them again). Replaying them through a fresh HealthMonitor checks today's thresholds on
real, healthy runs in a second, where training them again would take an hour. Record them again
when a default that changes training changes (training.precision = auto became one): each
recording's meta says the number format "auto" chose where it trained (benchmarks/README.md).
"""

import json
from pathlib import Path

import numpy as np
import pytest

from ganstudio.presets import list_presets
from ganstudio.training.health import HealthMonitor
from ganstudio.training.quality import Measure, QualityPoint

RUNS = Path(__file__).resolve().parents[1] / "data" / "health_runs"
BATCH = 50  # the session hands records over in batches like this


def replay(path: Path) -> tuple[HealthMonitor, dict]:
    data = np.load(path)
    meta = json.loads(str(data["meta"]))
    measures = [Measure(**m) for m in meta["measures"]]
    totals = {m.key: m.total for m in measures}
    monitor = HealthMonitor(loss_scale=meta["loss_scale"], measures=measures,
                            budget=meta["budget"], total_modes=totals.get("modes"),
                            total_classes=totals.get("classes"), floors=meta["floors"])
    keys = ("d_real", "d_fake", "d_loss", "g_loss", "g_grad_norm")
    steps = data["step"]
    columns = {k: data[k].astype(float) for k in keys}
    points = [QualityPoint(int(s), {m.key: float(data[f"q_{m.key}"][i]) for m in measures}, 0.0)
              for i, s in enumerate(data["q_step"])]
    p = 0
    for start in range(0, len(steps), BATCH):
        records = [dict(step=int(steps[i]), **{k: columns[k][i] for k in keys})
                   for i in range(start, min(start + BATCH, len(steps)))]
        monitor.observe(records)
        # a measurement reaches the monitor after the records of its step
        while p < len(points) and points[p].step <= records[-1]["step"]:
            monitor.observe_quality(points[p])
            p += 1
    return monitor, meta


# a preset for a person's own folder (asks_folder) trains on whatever folder it is given: no
# one recording stands for it (a run on 500 drawn shapes at 64 px raised 'no longer improving'
# on variety alone, benchmarks/README.md "A modern recipe for small processors")
@pytest.mark.parametrize("preset", [p.name for p in list_presets() if not p.asks_folder])
def test_no_alarm_fires_on_a_preset_trained_as_shipped(preset):
    path = RUNS / f"{preset}.npz"
    assert path.is_file(), f"record it: benchmarks/record_health_runs.py --train {preset}"
    monitor, meta = replay(path)
    data = np.load(path)
    # the recording is a whole run with live measurements all along it
    assert int(data["step"][-1]) == meta["budget"]
    assert len(data["q_step"]) >= 10
    assert monitor.raised == [], [a.text() for a in monitor.raised]


def test_the_replay_can_fail_a_collapsed_run(tmp_path):
    """The same replay raises the alarm when the recorded measurements say collapse."""
    monitor, meta = replay(RUNS / "ring.npz")
    assert monitor.raised == []
    data = dict(np.load(RUNS / "ring.npz"))
    late = data["q_step"] > 2000
    data["q_modes"] = np.where(late, 2.0, data["q_modes"]).astype(np.float32)
    np.savez(tmp_path / "collapsed.npz", **data)
    monitor, _ = replay(tmp_path / "collapsed.npz")
    assert [a.kind for a in monitor.raised] == ["collapse"]

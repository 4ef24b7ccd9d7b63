"""metrics.csv: one line per step of a run, readable by any tool (and by File > Follow a run
folder, training/run_folder.py)."""

from __future__ import annotations

import csv
import time
from pathlib import Path


class MetricsLog:
    """metrics.csv: one line per step, so a run can be plotted with any tool, with the live
    quality measurements in ``q_<key>`` columns on the steps they were taken (blank elsewhere).
    Written out at least once a second (a killed run loses at most that); a resumed run first
    drops the lines past the step it resumes from, so every step appears once."""

    FLUSH_SECONDS = 1.0
    QUALITY_PREFIX = "q_"

    def __init__(self, path: Path, resume_step: int | None, quality_keys=()):
        from ganstudio.training.history import METRICS

        self.names = list(METRICS) + [self.QUALITY_PREFIX + k for k in quality_keys]
        if resume_step is not None and path.exists():
            keep_rows_up_to(path, resume_step)
            with open(path, newline="", encoding="utf-8") as f:
                header = next(csv.reader(f), None)
            if header:  # keep the columns the file has (a run begun by an older version)
                self.names = header
            self.file = open(path, "a", newline="", encoding="utf-8")
            self.writer = csv.writer(self.file)
        else:
            self.file = open(path, "w", newline="", encoding="utf-8")
            self.writer = csv.writer(self.file)
            self.writer.writerow(self.names)
        self.last_flush = time.monotonic()
        # the newest row waits for its step's quality measurement (taken right after the step)
        self.pending: dict | None = None

    def _write(self, row: dict) -> None:
        cells = []
        for k in self.names:
            v = row.get(k)
            cells.append("" if v is None else f"{v:.6g}")
        self.writer.writerow(cells)

    def __call__(self, record: dict) -> None:
        if self.pending is not None:
            self._write(self.pending)
        self.pending = dict(record)
        now = time.monotonic()
        if now - self.last_flush >= self.FLUSH_SECONDS:
            self.file.flush()
            self.last_flush = now

    def quality(self, point) -> None:
        row = {self.QUALITY_PREFIX + k: v for k, v in point.values.items()}
        if self.pending is not None and int(self.pending["step"]) == point.step:
            self.pending.update(row)
        else:  # measured at a step already written (a resumed run's first)
            self._write({"step": point.step, **row})

    def close(self) -> None:
        if self.pending is not None:
            self._write(self.pending)
            self.pending = None
        self.file.close()


def keep_rows_up_to(path: Path, step: int) -> None:
    """Drop the rows of steps after ``step`` (written after the checkpoint a run resumes from),
    and a last line cut short by a kill."""
    from ganstudio.config import atomic_write_text

    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    kept = lines[:1]
    for line in lines[1:]:
        head = line.split(",", 1)[0]
        try:
            if not line.endswith("\n") or float(head) > step:
                continue
        except ValueError:
            continue
        kept.append(line)
    atomic_write_text(path, "".join(kept))

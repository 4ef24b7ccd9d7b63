"""Following a run folder that another process writes (``ganstudio train``, torchrun), read-only.

``RunFolder(path).poll()`` returns what is new since the last poll: the step records appended to
metrics.csv (dicts like the trainer's), the quality values of the rows that have them, the newest
sample picture and checkpoint, and the run's state from run.json. Plain files, no torch and no Qt,
so the window can poll a folder on a slow or mounted disk from a helper thread.

metrics.csv is read from where the last poll stopped (a byte offset), so a 100,000-step file is
read once, not every second. A last line the writer has not finished is left for the next poll.
A resumed run rewrites the file shorter first (training.metrics_log.keep_rows_up_to, an atomic rename):
that is noticed (another file, a shorter one, or other bytes where the last line read was) and
the file is read again from the top, with ``restarted`` set so a viewer can start over.
"""

from __future__ import annotations

import csv
import math
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from ganstudio.errors import UserError
from ganstudio.training.autosave import MARKER, RunRecord, newest_checkpoint, read_run
from ganstudio.training.history import METRICS

METRICS_FILE = "metrics.csv"
QUALITY_PREFIX = "q_"  # quality columns (q_modes, q_hq...): blank on most rows
MAX_BYTES = 4 << 20  # read at most this much per poll: a big file arrives over a few polls


@dataclass(frozen=True)
class FileSeen:
    """A file and when it was last written (nanoseconds since the epoch)."""

    path: Path
    mtime_ns: int
    size: int

    @property
    def mtime(self) -> float:
        return self.mtime_ns / 1e9


@dataclass
class FolderUpdate:
    records: list[dict] = field(default_factory=list)  # new rows, like Trainer.step()'s records
    quality: list[tuple[int, dict[str, float]]] = field(default_factory=list)  # (step, values)
    restarted: bool = False  # metrics.csv was rewritten: records start over from its top
    more: bool = False  # more of metrics.csv is waiting: poll again soon
    step: int = 0  # the last step read so far
    elapsed: float = 0.0  # seconds in steps so far: the sum of step_time
    sample: FileSeen | None = None  # the newest picture in samples/
    checkpoint: FileSeen | None = None  # the newest complete checkpoint
    run: RunRecord | None = None  # run.json: "running", "interrupted" or "ended"
    seconds_since_growth: float = 0.0  # since metrics.csv last grew (a stalled run)

    STALLED_SECONDS = 120.0

    def state_text(self) -> str:
        """The run's state in words, from run.json (empty when there is none)."""
        from ganstudio.training.run_state import format_duration

        r = self.run
        if r is None:
            return ""
        if r.state == "running":
            if self.seconds_since_growth >= self.STALLED_SECONDS:
                return f"running, no new step for {format_duration(self.seconds_since_growth)}"
            return "running"
        if r.state == "interrupted":
            return (f"interrupted at step {r.step:,}; continue it with "
                    f"ganstudio train --resume {r.folder}")
        return f"{r.state} at step {r.step:,}"


def _number(text: str) -> float | None:
    """A cell's value; None for a blank cell or one that is not a number."""
    text = text.strip()
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        return None


def _seen(path: Path | None) -> FileSeen | None:
    if path is None:
        return None
    try:
        st = path.stat()
    except OSError:
        return None
    return FileSeen(path, st.st_mtime_ns, st.st_size)


def newest_sample(folder: Path) -> FileSeen | None:
    """The newest picture in ``folder/samples`` (final.png once the run has ended). Ties go to
    the later name, so step-0000200.png beats step-0000100.png written in the same instant."""
    best: FileSeen | None = None
    try:
        entries = list(os.scandir(folder / "samples"))
    except OSError:
        return None
    for e in entries:
        if not e.name.endswith(".png") or e.name.startswith("."):  # .x.png.tmp: half written
            continue
        try:
            st = e.stat()
        except OSError:
            continue  # removed between the listing and now
        seen = FileSeen(Path(e.path), st.st_mtime_ns, st.st_size)
        if best is None or (seen.mtime_ns, seen.path.name) > (best.mtime_ns, best.path.name):
            best = seen
    return best


class RunFolder:
    """One run folder, read incrementally. Not thread-safe: poll it from one thread."""

    def __init__(self, folder: str | os.PathLike):
        self.folder = Path(folder).expanduser()
        self.metrics_path = self.folder / METRICS_FILE
        if not self.folder.is_dir():
            raise UserError(f"{self.folder} is not a folder")
        if not self.metrics_path.exists() and not (self.folder / MARKER).exists():
            raise UserError(f"{self.folder} is not a run folder: it has no {METRICS_FILE} "
                            "(choose the folder that ganstudio train --out writes to)")
        self.columns: list[str] | None = None
        self._offset = 0  # bytes of metrics.csv read (whole lines only)
        self._last_line = b""  # the last whole line read, to notice a rewrite
        self._inode: int | None = None
        self._grew_at = time.monotonic()
        self.step = 0
        self.elapsed = 0.0  # seconds in steps: the sum of step_time

    @property
    def name(self) -> str:
        return self.folder.name

    def config(self):
        """The run's experiment (config.toml), or None if there is none (yet)."""
        from ganstudio.config import ConfigError, ExperimentConfig

        try:
            return ExperimentConfig.load(self.folder / "config.toml")
        except ConfigError:
            return None

    def poll(self, max_bytes: int = MAX_BYTES) -> FolderUpdate:
        update = FolderUpdate()
        if not self.folder.is_dir():
            raise UserError(f"cannot read {self.folder}: the folder is gone (a disk taken "
                            "away?)")
        self._read_metrics(update, max_bytes)
        now = time.monotonic()
        if update.records or update.restarted:
            self._grew_at = now
        update.seconds_since_growth = now - self._grew_at
        update.step = self.step
        update.elapsed = self.elapsed
        update.sample = newest_sample(self.folder)
        try:
            update.checkpoint = _seen(newest_checkpoint(self.folder))
        except OSError:  # an autosave pruned while it was looked at: there next time
            update.checkpoint = None
        update.run = read_run(self.folder)
        return update

    # --- metrics.csv ------------------------------------------------------------------------
    def _start_over(self) -> None:
        self.columns = None
        self._offset = 0
        self._last_line = b""
        self.step = 0
        self.elapsed = 0.0

    def _rewritten(self, f, st) -> bool:
        """Is the file not the one read so far (a resume rewrote it)?"""
        if self._offset == 0:
            return False
        if self._inode is not None and st.st_ino != self._inode:
            return True
        if st.st_size < self._offset:
            return True
        n = len(self._last_line)
        f.seek(self._offset - n)
        return f.read(n) != self._last_line

    def _read_metrics(self, update: FolderUpdate, max_bytes: int) -> None:
        try:
            f = open(self.metrics_path, "rb")
        except FileNotFoundError:
            if (self.folder / MARKER).exists():
                if self._offset:  # it was there: removed, a new one comes
                    self._start_over()
                    update.restarted = True
                return  # the run is starting: reading its data, no step yet
            raise UserError(f"{self.folder} is not a run folder: it has no {METRICS_FILE}")
        except OSError as e:
            raise UserError(f"cannot read {self.metrics_path}: {e.strerror or e}") from None
        try:
            with f:
                st = os.fstat(f.fileno())
                if self._rewritten(f, st):
                    self._start_over()
                    update.restarted = True
                self._inode = st.st_ino
                f.seek(self._offset)
                chunk = f.read(max_bytes)
                update.more = len(chunk) == max_bytes and st.st_size > self._offset + len(chunk)
        except OSError as e:
            raise UserError(f"cannot read {self.metrics_path}: {e.strerror or e}") from None
        end = chunk.rfind(b"\n") + 1  # a last line without its newline is being written
        if end == 0:
            return
        lines = chunk[:end].splitlines(keepends=True)
        self._offset += end
        self._last_line = lines[-1]
        text = [line.decode("utf-8", errors="replace") for line in lines]
        if self.columns is None:
            header = next(csv.reader([text[0]]), [])
            if not header or header[0].strip() != "step":
                raise UserError(f"{self.metrics_path} is not a GAN Studio metrics file (its "
                                "first line does not start with 'step')")
            self.columns = [c.strip() for c in header]
            text = text[1:]
        for row in csv.reader(text):
            self._add_row(row, update)

    def _add_row(self, row: list[str], update: FolderUpdate) -> None:
        values = {}
        quality = {}
        for name, cell in zip(self.columns, row):
            v = _number(cell)
            if v is None:
                continue  # blank: absent (a quality column on a row without a measurement)
            if name.startswith(QUALITY_PREFIX):
                quality[name[len(QUALITY_PREFIX):]] = v
            else:
                values[name] = v
        step = values.get("step")
        if step is None or not math.isfinite(step):
            return  # not a row of a step (a stray line)
        record = {k: values.get(k, math.nan) for k in METRICS}  # the trainer's keys, always
        record.update(values)
        record["step"] = int(step)
        update.records.append(record)
        if quality:
            update.quality.append((int(step), quality))
        self.step = int(step)
        t = record.get("step_time", math.nan)
        if math.isfinite(t):
            self.elapsed += t

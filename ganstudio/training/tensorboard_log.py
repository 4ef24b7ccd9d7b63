"""TensorBoard logs of a run: losses, quality numbers and sample pictures as event files in the
run's folder, for ``tensorboard --logdir runs``. Written locally; no account, nothing sent.

The writer is tensorboardX, not ``torch.utils.tensorboard``: both write the same event files,
but torch's needs the whole ``tensorboard`` package (a 5.5 MB wheel, and its web server's
dependencies: grpcio, werkzeug, markdown...) only to write them, while tensorboardX is an 88 kB
wheel of Python over protobuf. Viewing the logs needs TensorBoard itself, which people install
where they look at them.

Cost: each step's numbers make one event (one summary of eight values, not eight events). The
events of a second are written together, in the training thread, through tensorboardX's plain
file writer (``EventsWriter``), and the file is flushed every two seconds, on a pause and on
close: a killed run loses at most the last 3 seconds. Measured on real ring records: 36
microseconds of processor time a record, 0.5% of a ring step (7.3 ms); about 20 of them are
tensorboardX's CRC-32C in Python (it uses the crc32c package instead where that is installed).
Not tensorboardX's ``SummaryWriter``: it hands every event to two more threads through a
multiprocessing queue (pickled, piped, unpickled), 60 microseconds a record in all.

Resuming: a resumed run writes a new event file in the same folder, starting with TensorBoard's
"session start" marker at the first new step (what tensorboardX's ``purge_step`` writes), so the
steps the old run wrote after the checkpoint it resumes from are hidden and every step shows
once, as in metrics.csv. (TensorBoard's data server drops them anyway: in each series a step
replaces the steps from it on.)

No torch and no tensorboardX at import time: the window asks ``available()`` before torch loads.
"""

from __future__ import annotations

import importlib.util
import math
import threading
import time
from pathlib import Path
from typing import Callable

import numpy as np

from ganstudio.errors import UserError
from ganstudio.training.step_metrics import STEP_METRICS

PACKAGE = "tensorboardX"
INSTALL_HINT = 'pip install "tensorboardX>=2.6.1"'
WRITE_SECONDS = 1.0  # the step events are written this often...
FLUSH_SECONDS = 2.0  # ...and flushed to disk this often
PICTURE_TAG = "samples"

# the step record's numbers and their TensorBoard names (declared in training/step_metrics.py):
# the part before "/" is the section of TensorBoard's Scalars page, so numbers read together sit
# together
SCALAR_TAGS = {m.name: m.tensorboard for m in STEP_METRICS.values() if m.tensorboard}
SPEED_TAG = "speed/steps_per_s"  # 1 / step_time: the training step alone, as in metrics.csv


class TensorBoardMissing(UserError):
    """The optional tensorboardX package is not installed."""


def available() -> bool:
    """Whether TensorBoard logs can be written here (tensorboardX is installed)."""
    return importlib.util.find_spec(PACKAGE) is not None


def missing_message() -> str:
    return (f"TensorBoard logs need the tensorboardX package: {INSTALL_HINT} "
            "(or train without them: training.tensorboard = false)")


def _tensorboardx():
    try:
        import tensorboardX
    except ImportError:
        raise TensorBoardMissing(missing_message()) from None
    except Exception as e:  # installed but broken, e.g. against another protobuf
        detail = (str(e).strip().splitlines() or [""])[0]
        raise TensorBoardMissing(f"tensorboardX is installed but does not load "
                                 f"({type(e).__name__}: {detail}); reinstall it: "
                                 f"{INSTALL_HINT}") from None
    return tensorboardX


def require() -> None:
    """Raise TensorBoardMissing (a one-line UserError) unless logs can be written."""
    _tensorboardx()


def _event_file_suffix(folder: Path) -> str:
    # tensorboardX names a file by the second it was opened and the host: a run resumed within
    # the same second would overwrite the last file. A count keeps them apart and in order.
    n = sum(1 for p in folder.glob("events.out.tfevents.*") if p.is_file())
    return f".{n + 1:04d}"


class TensorBoardLog:
    """A trainer callback (``trainer.callbacks.append(log)``) that writes each step's record
    as scalars, a sample picture every ``training.sample_every`` steps and at the end, and the
    quality numbers it is given (``add_quality``). ``close()`` when the run ends."""

    def __init__(self, folder: str | Path, trainer, *,
                 picture: Callable[[], np.ndarray] | None = None, clock=time.monotonic):
        """``folder``: the run's folder. ``picture``: renders the sample picture (default:
        ``visuals.sample_picture(trainer)``), called in the thread that runs the steps."""
        _tensorboardx()
        from tensorboardX.event_file_writer import EventsWriter
        from tensorboardX.proto.event_pb2 import Event, SessionLog
        from tensorboardX.proto.summary_pb2 import Summary

        self._Event, self._Summary = Event, Summary
        self.folder = Path(folder).expanduser()
        start = trainer.steps_done
        if picture is None:
            from ganstudio.training.visuals import sample_picture

            picture = lambda: sample_picture(trainer)  # noqa: E731
        self.picture = picture
        self.sample_every = trainer.config.training.sample_every
        self.clock = clock
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            self.events = EventsWriter(str(self.folder / "events"),
                                       _event_file_suffix(self.folder))
            # TensorBoard hides what earlier files wrote from this step on (a resumed run)
            self.events.write_event(Event(wall_time=time.time(), step=start + 1,
                                          session_log=SessionLog(status=SessionLog.START)))
            self.events.flush()
        except OSError as e:
            raise UserError(f"cannot write TensorBoard logs to {self.folder}: "
                            f"{e.strerror or e}") from None
        self._lock = threading.Lock()  # add_quality may come from another thread
        self._pending: list[dict] = []
        self._last_write = self._last_flush = clock()
        self._last_step = start
        self._last_picture_step = start
        self.closed = False

    def _write(self, summary, step: int) -> None:  # holding the lock
        self.events.write_event(self._Event(wall_time=time.time(), step=int(step),
                                            summary=summary))

    def _flush(self) -> None:  # holding the lock
        self.events.flush()
        self._last_flush = self.clock()

    # --- per step, in the training thread ----------------------------------------------------
    def __call__(self, record: dict) -> None:
        self._pending.append(record)
        step = record["step"]
        self._last_step = step
        if self.sample_every and step % self.sample_every == 0:
            self.add_picture(step)
        if self.clock() - self._last_write >= WRITE_SECONDS:
            self.write_pending(flush=self.clock() - self._last_flush >= FLUSH_SECONDS)

    def write_pending(self, flush: bool = True) -> None:
        """Write the steps' events now, and flush the file (a pause, the end of a run)."""
        with self._lock:
            records, self._pending = self._pending, []
            self._last_write = self.clock()
            if self.closed:
                return
            Summary = self._Summary
            for r in records:
                values = [Summary.Value(tag=tag, simple_value=r[key])
                          for key, tag in SCALAR_TAGS.items() if key in r]
                dt = r.get("step_time", 0.0)
                if dt > 0:
                    values.append(Summary.Value(tag=SPEED_TAG, simple_value=1.0 / dt))
                self._write(Summary(value=values), r["step"])
            if flush:
                self._flush()

    def add_picture(self, step: int) -> None:
        """The sample picture of now, at ``step``."""
        from tensorboardX.summary import image

        summary = image(PICTURE_TAG, np.ascontiguousarray(self.picture()), dataformats="HWC")
        with self._lock:
            if not self.closed:
                self._write(summary, step)
                self._last_picture_step = step

    # --- from anywhere -------------------------------------------------------------------------
    def add_quality(self, step: int, values: dict[str, float]) -> None:
        """Quality numbers measured at ``step``, as scalars "quality/<key>" (non-finite values
        are left out: TensorBoard cannot draw them), on disk at once. Thread-safe."""
        Summary = self._Summary
        summary = Summary(value=[Summary.Value(tag=f"quality/{k}", simple_value=float(v))
                                 for k, v in values.items() if math.isfinite(v)])
        with self._lock:
            if not self.closed and summary.value:
                self._write(summary, step)
                self._flush()

    def add_change(self, step: int, text: str) -> None:
        """A setting changed mid-run, as text under "changes" at ``step``. Thread-safe."""
        from tensorboardX.summary import text as text_summary

        summary = text_summary("changes", text)
        with self._lock:
            if not self.closed:
                self._write(summary, step)
                self._flush()

    def close(self, final_picture: bool = True) -> None:
        """Write what is pending (and the last picture, when the last step has none), flush and
        close the file. Safe to call twice."""
        if self.closed:
            return
        if final_picture and self._last_step > self._last_picture_step:
            self.add_picture(self._last_step)
        self.write_pending()
        with self._lock:
            self.closed = True
            self.events.close()

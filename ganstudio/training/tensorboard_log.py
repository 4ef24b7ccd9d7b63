"""TensorBoard logs of a run: losses, quality numbers and sample pictures as event files in the
run's folder, for ``tensorboard --logdir runs``. Written locally; no account, nothing sent.

The writer is tensorboardX, not ``torch.utils.tensorboard``: both write the same event files,
but torch's needs the whole ``tensorboard`` package (5.5 MB and its web server's dependencies:
grpcio, werkzeug, markdown...), while tensorboardX is 90 kB of Python over protobuf. Viewing the
logs needs TensorBoard itself, which people install where they look at them.

Cost: each step's numbers go into one event (one summary of eight values, not eight events), and
the events of a second are handed to tensorboardX's writer thread together, so that thread wakes
once a second rather than once a step (on two cores every wake-up costs training time). The
file is flushed every two seconds and on close; a killed run loses at most the last 3 seconds.

Resuming: a resumed run writes a new event file in the same folder, starting with TensorBoard's
"purge" marker at the first new step (tensorboardX's ``purge_step``), so the steps the old run
wrote after the checkpoint it resumes from are hidden and every step shows once, as in
metrics.csv. (TensorBoard's data server drops them anyway: in each series a step replaces the
steps from it on.)

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

PACKAGE = "tensorboardX"
INSTALL_HINT = 'pip install "tensorboardX>=2.6.1"'
HANDOVER_SECONDS = 1.0  # the writer thread gets the step events this often
FLUSH_SECONDS = 2  # and writes them to disk this often
PICTURE_TAG = "samples"

# the step record's numbers (training/history.py METRICS) and their TensorBoard names, grouped
# so that each card of TensorBoard's Scalars page holds numbers read together
SCALAR_TAGS = {
    "d_loss": "loss/D",
    "g_loss": "loss/G",
    "penalty": "loss/penalty",
    "d_real": "D/real",
    "d_fake": "D/fake",
    "d_grad_norm": "gradient norm/D",
    "g_grad_norm": "gradient norm/G",
}
SPEED_TAG = "speed/steps per s"  # 1 / step_time: the training step alone, as in metrics.csv


class TensorBoardMissing(UserError):
    """The optional tensorboardX package is not installed."""


def available() -> bool:
    """Whether TensorBoard logs can be written here (tensorboardX is installed)."""
    return importlib.util.find_spec(PACKAGE) is not None


def missing_message() -> str:
    return (f"TensorBoard logs need the tensorboardX package: {INSTALL_HINT} "
            "(or train without them: training.tensorboard = false)")


def _summary_writer_class():
    try:
        from tensorboardX import SummaryWriter
    except ImportError:
        raise TensorBoardMissing(missing_message()) from None
    return SummaryWriter


def require() -> None:
    """Raise TensorBoardMissing (a one-line UserError) unless logs can be written."""
    _summary_writer_class()


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
        SummaryWriter = _summary_writer_class()
        from tensorboardX.proto.summary_pb2 import Summary

        self._Summary = Summary
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
            self.writer = SummaryWriter(
                logdir=str(self.folder), purge_step=start + 1, flush_secs=FLUSH_SECONDS,
                # a second of ring steps (~130) fits: handing them over never waits
                max_queue=1000, filename_suffix=_event_file_suffix(self.folder),
                comet_config={"disabled": True})  # tensorboardX's one online service: off
        except OSError as e:
            raise UserError(f"cannot write TensorBoard logs to {self.folder}: "
                            f"{e.strerror or e}") from None
        self.file_writer = self.writer.file_writer
        self._lock = threading.Lock()  # add_quality may come from another thread
        self._pending: list[dict] = []
        self._last_handover = clock()
        self._last_step = start
        self._last_picture_step = start
        self.closed = False

    # --- per step, in the training thread ----------------------------------------------------
    def __call__(self, record: dict) -> None:
        self._pending.append(record)
        step = record["step"]
        self._last_step = step
        if self.sample_every and step % self.sample_every == 0:
            self.add_picture(step)
        if self.clock() - self._last_handover >= HANDOVER_SECONDS:
            self.flush_pending()

    def flush_pending(self) -> None:
        """Hand the steps' events to the writer thread now (a pause, the end of a run)."""
        with self._lock:
            records, self._pending = self._pending, []
            self._last_handover = self.clock()
            if self.closed:
                return
            Summary, add = self._Summary, self.file_writer.add_summary
            for r in records:
                values = [Summary.Value(tag=tag, simple_value=r[key])
                          for key, tag in SCALAR_TAGS.items() if key in r]
                dt = r.get("step_time", 0.0)
                if dt > 0:
                    values.append(Summary.Value(tag=SPEED_TAG, simple_value=1.0 / dt))
                add(Summary(value=values), r["step"])

    def add_picture(self, step: int) -> None:
        """The sample picture of now, at ``step``."""
        picture = np.ascontiguousarray(self.picture())
        with self._lock:
            if not self.closed:
                self.writer.add_image(PICTURE_TAG, picture, step, dataformats="HWC")
                self._last_picture_step = step

    # --- from anywhere -------------------------------------------------------------------------
    def add_quality(self, step: int, values: dict[str, float]) -> None:
        """Quality numbers measured at ``step``, as scalars "quality/<key>" (non-finite values
        are left out: TensorBoard cannot draw them). Thread-safe."""
        with self._lock:
            if self.closed:
                return
            Summary = self._Summary
            summary = Summary(value=[Summary.Value(tag=f"quality/{k}", simple_value=float(v))
                                     for k, v in values.items() if math.isfinite(v)])
            if summary.value:
                self.file_writer.add_summary(summary, int(step))

    def close(self, final_picture: bool = True) -> None:
        """Write what is pending (and the last picture, when the last step has none), flush and
        close the file. Safe to call twice."""
        if self.closed:
            return
        if final_picture and self._last_step > self._last_picture_step:
            self.add_picture(self._last_step)
        self.flush_pending()
        with self._lock:
            self.closed = True
            self.writer.close()

"""What a run is doing, as plain data: its state, step, speed, time spent and time left.

One state type for the whole program: the trainer, the session loop, the command line and the
window all speak ``RunState``. A ``RunStatus`` is published by the session (see
``TrainingSession.on_status``) and only displayed by the window, so the speed and
time-left maths live here, testable without Qt. Plain Python: no torch, no Qt.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from enum import Enum


class RunState(str, Enum):
    """The states of a run. A ``str`` enum, so ``state == "running"`` reads naturally."""

    READY = "ready"  # built (or restored), not started
    STARTING = "starting"  # the window is building it (reading data...)
    RUNNING = "running"
    PAUSED = "paused"
    FINISHED = "finished"  # reached its step budget (the window keeps it, paused)
    STOPPED = "stopped"  # ended by the user
    DIVERGED = "diverged"  # a loss became NaN or infinite; the last good state is kept
    ERROR = "error"  # a bug or a broken device ended it

    def __str__(self) -> str:  # f"{state}" gives "running", not "RunState.RUNNING"
        return self.value

    @property
    def can_resume(self) -> bool:
        """Resume and Step apply (the run is held, not ended)."""
        return self in (RunState.PAUSED, RunState.FINISHED, RunState.DIVERGED)

    @property
    def ended(self) -> bool:
        return self in (RunState.STOPPED, RunState.ERROR)


def format_duration(seconds: float) -> str:
    """1:05 or 2:03:04, for people."""
    seconds = max(0, int(seconds))
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


@dataclass(frozen=True)
class RunStatus:
    state: RunState = RunState.READY
    step: int = 0
    target: int = 0  # the step budget; 0 = until stopped
    elapsed: float = 0.0  # seconds spent in steps, over every session of the run
    rate: float = 0.0  # steps per second, smoothed; 0 while not running
    message: str = ""
    # a long wait between two steps, in words ("Measuring quality (KID): 40%..."); "" when none
    busy: str = ""

    def replace(self, **changes) -> "RunStatus":
        return dataclasses.replace(self, **changes)

    @property
    def eta(self) -> float | None:
        """Seconds to the step budget at the current speed (None when it cannot be said)."""
        if not self.target or self.rate <= 0 or self.step >= self.target \
                or self.state != RunState.RUNNING:
            return None
        return (self.target - self.step) / self.rate

    @property
    def fraction(self) -> float | None:
        return min(self.step / self.target, 1.0) if self.target else None

    # --- in words --------------------------------------------------------------------------------
    def step_text(self) -> str:
        return f"Step {self.step:,}" + (f" of {self.target:,}" if self.target else "")

    def speed_text(self) -> str:
        if self.rate <= 0 or self.state != RunState.RUNNING:
            return ""
        return f"{self.rate:,.0f} steps/s" if self.rate >= 10 else f"{self.rate:.1f} steps/s"

    def time_text(self) -> str:
        text = f"{format_duration(self.elapsed)} training"
        eta = self.eta
        return text + (f" · about {format_duration(eta)} left" if eta is not None else "")


class RateMeter:
    """Steps per second from (time, step) readings: measured over at least ``window`` seconds,
    then smoothed (70% old, 30% new), so the number people read does not flicker."""

    def __init__(self, window: float = 0.5, keep: float = 0.7):
        self.window = window
        self.keep = keep
        self.rate = 0.0
        self._mark: tuple[float, int] | None = None

    def reset(self) -> None:
        self.rate = 0.0
        self._mark = None

    def update(self, now: float, step: int, steps_since_last: int = 0) -> float:
        """A reading at time ``now``; ``steps_since_last`` places the first mark before the
        steps that arrived with it."""
        if self._mark is None:
            self._mark = (now, step - steps_since_last)
        t0, s0 = self._mark
        if now - t0 >= self.window:
            inst = (step - s0) / (now - t0)
            self.rate = inst if self.rate == 0 else self.keep * self.rate + (1 - self.keep) * inst
            self._mark = (now, step)
        return self.rate

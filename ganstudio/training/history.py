"""Per-step metrics kept in growing numpy buffers (amortised O(1) appends, no Python floats)."""

from __future__ import annotations

import numpy as np

from ganstudio.training.step_metrics import STEP_METRICS

# the numbers each training step reports, in this order (declared in training/step_metrics.py)
METRICS = tuple(STEP_METRICS)


class History:
    """Columns of float64 numbers, one row per step, doubling their capacity when full."""

    def __init__(self, names=METRICS, capacity: int = 1024):
        self.names = tuple(names)
        self._data = np.zeros((len(self.names), capacity))
        self._n = 0

    def __len__(self) -> int:
        return self._n

    def _grow(self, need: int) -> None:
        cap = self._data.shape[1]
        if need > cap:
            new = np.zeros((len(self.names), max(need, 2 * cap)))
            new[:, :self._n] = self._data[:, :self._n]
            self._data = new

    def append(self, record: dict) -> None:
        self._grow(self._n + 1)
        self._data[:, self._n] = [record.get(k, np.nan) for k in self.names]
        self._n += 1

    def extend(self, records: list[dict]) -> None:
        if not records:
            return
        self._grow(self._n + len(records))
        rows = np.array([[r.get(k, np.nan) for k in self.names] for r in records]).T
        self._data[:, self._n:self._n + len(records)] = rows
        self._n += len(records)

    def column(self, name: str) -> np.ndarray:
        """A view of one metric's values so far (do not keep it across appends)."""
        return self._data[self.names.index(name), :self._n]

    def truncate(self, n: int) -> None:
        self._n = min(self._n, n)

    def clear(self) -> None:
        self._n = 0

    def to_arrays(self) -> dict[str, np.ndarray]:
        return {k: self.column(k).copy() for k in self.names}

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray]) -> "History":
        names = [k for k in METRICS if k in arrays] + [k for k in arrays if k not in METRICS]
        n = len(arrays[names[0]]) if names else 0
        h = cls(names, capacity=max(1024, n))
        for i, k in enumerate(names):
            h._data[i, :n] = np.asarray(arrays[k], dtype=np.float64)
        h._n = n
        return h


class EmaSmoother:
    """Exponential moving average fed a batch at a time, bias-corrected like Adam's (no dip at
    the start), skipping non-finite values: the smoothed curves of the live plots."""

    def __init__(self, alpha: float = 0.02):
        self.alpha = alpha
        self.acc = 0.0
        self.weight = 0.0

    def __call__(self, values: np.ndarray) -> np.ndarray:
        out = np.empty(len(values))
        a = self.alpha
        for i, v in enumerate(values):
            if np.isfinite(v):
                self.acc = (1 - a) * self.acc + a * v
                self.weight = (1 - a) * self.weight + a
            out[i] = self.acc / self.weight if self.weight > 0 else np.nan
        return out

"""What ``ganstudio eval --inception`` shows while Inception works: a progress bar that names
the stage (real pictures read from the cache or computed, then the generated ones) and, as each
stage ends, one line with its seconds, so a slow first evaluation and a fast cached one say why.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO


class InceptionProgress:
    """``progress(done, total)`` and ``stage(words)`` for ``PictureReference.evaluate``;
    ``close()`` ends the last stage and says the total. ``bar=False`` keeps only the lines
    (for logs and ``--json`` into a file)."""

    def __init__(self, file: TextIO | None = None, *, bar: bool = True, precision: str = "fp32"):
        from tqdm import tqdm

        self.file = file or sys.stderr
        self.precision = precision
        self._tqdm = tqdm
        self.bar = tqdm(desc="Inception", unit="picture", file=self.file, dynamic_ncols=True,
                        disable=not bar)
        self.done = 0
        self.total = 0
        self._stage: str | None = None
        self._stage_t = 0.0
        self._stage_done = 0
        self._t0 = time.perf_counter()
        self.lines: list[str] = []  # what was said, in order

    def say(self, text: str) -> None:
        self.lines.append(text)
        self._tqdm.write(text, file=self.file)

    def progress(self, done: int, total: int) -> None:
        self.done, self.total = done, total
        if self.bar.total != total:
            self.bar.total = total
        self.bar.update(done - self.bar.n)

    def stage(self, words: str) -> None:
        self._end_stage()
        self._stage = words
        self._stage_t = time.perf_counter()
        self._stage_done = self.done
        self.bar.set_description(f"Inception: {words}")

    def _end_stage(self) -> None:
        if self._stage is None:
            return
        seconds = time.perf_counter() - self._stage_t
        count = self.done - self._stage_done
        self.say(f"Inception ({self.precision}), {self._stage}: {count:,} pictures in "
                 f"{seconds:.1f} s")
        self._stage = None

    def close(self) -> None:
        self._end_stage()
        self.bar.close()
        self.say(f"Inception: {time.perf_counter() - self._t0:.1f} s in all")

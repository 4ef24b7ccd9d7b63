"""A run's timeline: whole checkpoints kept as it trains, dense early and sparser later, within a
disk budget, so a user can scrub back to watch one sample form and branch from any of them.

Snapshots are written into the run folder's ``snapshots/`` (``step-0000500.safetensors``) at
steps that grow roughly geometrically (every 10 steps to 100, every 50 to 500, every 250 to
2,500, then every 1,000). When their total size passes the budget, the one whose loss leaves the
timeline most even on a log scale goes (never the first or the newest). Each is a full
checkpoint (atomic, safetensors), so branching from one continues exactly that run.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

FOLDER = "snapshots"
BUDGET_MB = 100.0  # per run; thinned beyond it
_NAME = re.compile(r"^step-(\d+)\.safetensors$")
# (up to this step, every this many steps)
SPACING = ((100, 10), (500, 50), (2500, 250))
LATER = 1000


def due(step: int) -> bool:
    """Whether a snapshot is taken after ``step`` steps."""
    if step <= 0:
        return False
    for upto, every in SPACING:
        if step <= upto:
            return step % every == 0
    return step % LATER == 0


def path_for(folder: Path, step: int) -> Path:
    return Path(folder) / FOLDER / f"step-{step:07d}.safetensors"


def listed(folder: str | Path) -> list[tuple[int, Path]]:
    """The snapshots of a run folder (or of its snapshots/ folder), oldest first."""
    folder = Path(folder)
    where = folder if folder.name == FOLDER else folder / FOLDER
    if not where.is_dir():
        return []
    found = []
    for p in where.iterdir():
        m = _NAME.match(p.name)
        if m:
            found.append((int(m.group(1)), p))
    return sorted(found)


def snapshot_step(path: str | Path) -> int | None:
    """The step of a snapshot file, from its name (None when it is not one)."""
    p = Path(path)
    m = _NAME.match(p.name)
    return int(m.group(1)) if m and p.parent.name == FOLDER else None


class SnapshotKeeper:
    def __init__(self, folder: str | Path, budget_mb: float = BUDGET_MB):
        self.folder = Path(folder)
        self.budget = budget_mb * 1024 * 1024

    def take(self, trainer) -> Path:
        """Save the trainer now as the snapshot of its step, then keep within the budget."""
        path = trainer.save_checkpoint(path_for(self.folder, trainer.steps_done))
        self._thin()
        return path

    def _thin(self) -> None:
        snaps = listed(self.folder)
        sizes = {s: p.stat().st_size for s, p in snaps if p.exists()}
        total = sum(sizes.values())
        while total > self.budget and len(snaps) > 2:
            # the inner snapshot whose neighbours are closest on a log scale
            worst = min(range(1, len(snaps) - 1), key=lambda i: math.log(
                snaps[i + 1][0] / max(snaps[i - 1][0], 1)))
            step, path = snaps.pop(worst)
            try:
                path.unlink()
            except OSError:
                pass
            total -= sizes.get(step, 0)

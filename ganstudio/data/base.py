"""What every data source offers the trainer: seeded batches, a preview, and a resumable state."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import torch

from ganstudio.errors import UserError

# progress(done, total, what): called while a source loads or draws its data
Progress = Callable[[int, int, str], None]


class DataError(UserError):
    """A data problem a user can fix (missing folder, no readable images...), in plain words."""


@dataclass
class Skipped:
    """Files a folder source could not use, counted by reason, with the first files of each
    (enough to list in the window: EXAMPLES per reason)."""

    EXAMPLES = 100

    counts: dict[str, int] = field(default_factory=dict)
    examples: dict[str, list[str]] = field(default_factory=dict)

    def add(self, reason: str, path: str) -> None:
        self.counts[reason] = self.counts.get(reason, 0) + 1
        ex = self.examples.setdefault(reason, [])
        if len(ex) < self.EXAMPLES:
            ex.append(path)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def summary(self) -> str:
        if not self.counts:
            return "no files skipped"
        parts = [f"{n} {reason}" for reason, n in sorted(self.counts.items())]
        return f"{self.total} skipped ({', '.join(parts)})"


class DataSource:
    """Base class. ``kind`` is "2d" (x in R^2) or "image" (x in [-1, 1]^(C,H,W))."""

    id: str = ""
    kind: str = "2d"
    num_classes: int = 0
    label_names: list[str] = []
    channels: int = 0
    image_size: int = 0

    def __init__(self, seed: int = 0):
        self.seed = int(seed)

    @property
    def sample_shape(self) -> tuple[int, ...]:
        if self.kind == "2d":
            return (2,)
        return (self.channels, self.image_size, self.image_size)

    @property
    def count(self) -> int | None:
        """Number of stored samples, or None for a source drawn afresh every batch."""
        return None

    def next_batch(self, n: int) -> tuple[torch.Tensor, torch.Tensor | None]:
        """The next ``n`` training samples (float32, CPU) and their labels (int64) if labelled."""
        raise NotImplementedError

    def preview(self, n: int, seed: int = 1234) -> tuple[torch.Tensor, torch.Tensor | None]:
        """``n`` samples for display; leaves the training order untouched."""
        raise NotImplementedError

    def state_dict(self) -> dict:
        raise NotImplementedError

    def load_state_dict(self, state: dict) -> None:
        raise NotImplementedError

    def describe(self) -> str:
        """One line for people: what this is, how many samples, which labels."""
        raise NotImplementedError

    def fresh(self, seed: int) -> "DataSource":
        """The same data at the start of its order for ``seed`` (cheap: data is shared)."""
        raise NotImplementedError

    def for_rank(self, rank: int, size: int, seed: int) -> "DataSource":
        """This source for process ``rank`` of ``size`` training together (torchrun), so the
        processes see different batches. Drawn afresh (2-D mixtures): its own ``seed``."""
        return self if size < 2 or seed == self.seed else self.fresh(seed)

    @property
    def skipped(self) -> Skipped:
        return Skipped()


class ImageTensorSource(DataSource):
    """Pictures held in memory as uint8 (N, C, H, W), served in shuffled epochs.

    The shuffle order of epoch ``e`` is a pure function of (seed, e), so the whole state is two
    integers: checkpoints stay small and a resumed run sees exactly the batches it would have seen.
    Shared by ``size`` processes (``for_rank``), each serves its own share of every epoch's order.
    """

    kind = "image"

    def __init__(self, images: torch.Tensor, labels: torch.Tensor | None, *, source_id: str,
                 title: str, label_names: list[str] | None = None, seed: int = 0,
                 skipped: Skipped | None = None, rank: int = 0, size: int = 1):
        super().__init__(seed)
        if images.dtype != torch.uint8 or images.ndim != 4:
            raise TypeError("images must be uint8 (N, C, H, W)")
        if len(images) == 0:
            raise DataError(f"{title}: no pictures to train on")
        self.images = images.contiguous()
        self.labels = None if labels is None else labels.to(torch.int64)
        self.id = source_id
        self.title = title
        self.label_names = list(label_names or [])
        self.num_classes = len(self.label_names) if self.labels is not None else 0
        self.channels = images.shape[1]
        self.image_size = images.shape[2]
        self._skipped = skipped or Skipped()
        self.rank, self.size = rank, size  # this process's share of each epoch (for_rank)
        self.epoch = 0
        self.position = 0
        self._perm = self._order(0)

    @property
    def count(self) -> int:
        return len(self.images)

    @property
    def skipped(self) -> Skipped:
        return self._skipped

    def _order(self, epoch: int) -> torch.Tensor:
        g = torch.Generator().manual_seed(self.seed * 1_000_003 + epoch)
        order = torch.randperm(len(self.images), generator=g)
        if self.size > 1:
            # as torch's DistributedSampler: the same order in every process, padded with its
            # start to a multiple of the processes, then every size-th entry from rank: equal
            # shares, so all processes start their epochs at the same step
            pad = -len(order) % self.size
            order = torch.cat([order, order.repeat(pad // len(order) + 1)[:pad]])
            order = order[self.rank::self.size]
        return order

    def _take(self, idx: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
        x = self.images[idx].to(torch.float32).div_(127.5).sub_(1.0)
        y = None if self.labels is None else self.labels[idx]
        return x, y

    def next_batch(self, n: int) -> tuple[torch.Tensor, torch.Tensor | None]:
        parts = []
        while n > 0:
            if self.position >= len(self._perm):
                self.epoch += 1
                self.position = 0
                self._perm = self._order(self.epoch)
            k = min(n, len(self._perm) - self.position)
            parts.append(self._perm[self.position:self.position + k])
            self.position += k
            n -= k
        return self._take(torch.cat(parts))

    def preview(self, n: int, seed: int = 1234) -> tuple[torch.Tensor, torch.Tensor | None]:
        g = torch.Generator().manual_seed(seed)
        idx = torch.randperm(len(self.images), generator=g)[:n]
        return self._take(idx)

    def fresh(self, seed: int) -> "ImageTensorSource":
        return self._copy(seed, self.rank, self.size)

    def for_rank(self, rank: int, size: int, seed: int) -> "ImageTensorSource":
        """Stored pictures: the order of this source's own seed (the same in every process),
        and a share of each epoch for ``rank``; ``seed`` is not used."""
        return self if size < 2 else self._copy(self.seed, rank, size)

    def _copy(self, seed: int, rank: int, size: int) -> "ImageTensorSource":
        return ImageTensorSource(self.images, self.labels, source_id=self.id, title=self.title,
                                 label_names=self.label_names if self.labels is not None else None,
                                 seed=seed, skipped=self._skipped, rank=rank, size=size)

    def state_dict(self) -> dict:
        return {"epoch": self.epoch, "position": self.position}

    def load_state_dict(self, state: dict) -> None:
        self.epoch = int(state["epoch"])
        self.position = int(state["position"])
        self._perm = self._order(self.epoch)

    def describe(self) -> str:
        c = "colour" if self.channels == 3 else "grey"
        noun = "picture" if self.count == 1 else "pictures"
        text = f"{self.title}: {self.count:,} {c} {noun}, {self.image_size} x {self.image_size}"
        if self.num_classes:
            names = ", ".join(self.label_names[:10])
            more = ", ..." if self.num_classes > 10 else ""
            text += f"; {self.num_classes} labels ({names}{more})"
        if self._skipped.total:
            text += f"; {self._skipped.summary()}"
        return text


def fit_channels(images: torch.Tensor, channels: int) -> torch.Tensor:
    """uint8 (N, C, H, W) converted to ``channels`` (1 or 3): grey <-> colour."""
    c = images.shape[1]
    if channels == c:
        return images
    if channels == 3 and c == 1:
        return images.expand(-1, 3, -1, -1).contiguous()
    if channels == 1 and c == 3:
        # ITU-R 601 luma, the weights Pillow uses for "L"
        w = torch.tensor([0.299, 0.587, 0.114]).view(1, 3, 1, 1)
        return (images.float() * w).sum(1, keepdim=True).round_().clamp_(0, 255).to(torch.uint8)
    raise ValueError(f"cannot convert {c} channels to {channels}")


def fit_size(images: torch.Tensor, size: int) -> torch.Tensor:
    """uint8 (N, C, h, w) resized (antialiased) and centre-cropped to (size, size)."""
    from torchvision.transforms.v2 import functional as F

    if images.shape[-2:] == (size, size):
        return images
    out = F.resize(images, size, antialias=True)
    return F.center_crop(out, [size, size]).contiguous()

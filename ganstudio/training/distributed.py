"""Training spread over processes: ``torchrun --nproc_per_node N -m ganstudio train ...``.

torchrun starts N copies of the command with WORLD_SIZE, RANK and LOCAL_RANK (and where to meet)
in their environment. ``process_group()`` joins them for the length of a run: gloo for tensors on
the processor, NCCL for graphics cards (each process on the card LOCAL_RANK names). A run without
torchrun (or with one process) has no process group at all: ``current()`` is None and the trainer
takes the single-process path, unchanged.

What the trainer does with a group (training/trainer.py): G and D in a DistributedDataParallel
wrapper each (gradients averaged over processes in every backward pass), a share of the data per
process (``rank_seed``, ``DataSource.for_rank``), and one ``all_reduce`` per step of the step's
numbers and a stop flag (``reduce_step``), so every process records the same means and all stop
after the same step. Only the main process (rank 0) writes files (train_command.py).
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from dataclasses import dataclass

import torch

from ganstudio.errors import UserError

# another process's seed: far from the seeds a person types and from seed + 1, seed + 2 (the
# trainer's own streams), so no two processes ever draw the same numbers
RANK_SEED_STRIDE = 100_003
RESUME_SEED_STRIDE = 1_000_033


@dataclass(frozen=True)
class World:
    rank: int  # 0 .. size - 1 over all machines; 0 is the main process
    size: int
    local_rank: int  # the process's number on its own machine: which graphics card it uses

    @property
    def main(self) -> bool:
        return self.rank == 0


def launched() -> bool:
    """Whether torchrun (or anything that sets its variables) started more than one process."""
    return int(os.environ.get("WORLD_SIZE", "1") or 1) > 1 and "RANK" in os.environ


def current() -> World | None:
    """The process group this process is in, or None (a plain single-process run)."""
    import torch.distributed as dist

    if not (dist.is_available() and dist.is_initialized()) or dist.get_world_size() < 2:
        return None
    return World(rank=dist.get_rank(), size=dist.get_world_size(),
                 local_rank=int(os.environ.get("LOCAL_RANK", "0") or 0))


def is_main() -> bool:
    """True in a single-process run, and in rank 0 of a group: the process that writes files."""
    world = current()
    return world is None or world.main


@contextmanager
def process_group():
    """Join the torchrun group for the block and leave it after (also on errors); without
    torchrun, nothing happens and the block gets None."""
    if not launched():
        yield None
        return
    import torch.distributed as dist

    if not dist.is_available():
        raise UserError("this build of PyTorch cannot train over several processes "
                        "(torch.distributed is missing)")
    local_rank = int(os.environ.get("LOCAL_RANK", "0") or 0)
    backend = "gloo"
    if torch.cuda.is_available():
        count = torch.cuda.device_count()
        if local_rank >= count:
            raise UserError(f"process {local_rank} on this machine has no graphics card of its "
                            f"own ({count} here): start at most {count} processes per machine")
        torch.cuda.set_device(local_rank)
        # NCCL for tensors on the card, gloo for any on the processor (training.device = "cpu")
        backend = "cpu:gloo,cuda:nccl"
    dist.init_process_group(backend)
    try:
        yield current()
    finally:
        dist.destroy_process_group()


def end_together(state: str) -> None:
    """At the end of a run (in rank 0 once it has saved and said all), wait until every
    process is here, so all leave the group together: torchrun stops the others as soon as one
    ends with an error code (a stopped run's 130 too), which would cut rank 0's last save
    short. Not after an "error" (out of memory in one process, say): the processes may be in
    different steps then, and torchrun ends them."""
    import torch.distributed as dist

    if current() is not None and state != "error":
        dist.barrier()


def place(device: torch.device, world: World | None) -> torch.device:
    """The device of this process: graphics card LOCAL_RANK when training on graphics cards."""
    if world is None:
        return device
    if device.type == "cuda":
        return torch.device("cuda", world.local_rank)
    if device.type != "cpu":
        raise UserError(f"training over several processes works on the processor or NVIDIA "
                        f"graphics cards, not on {device.type}")
    return device


def rank_seed(seed: int, world: World | None, resumed_at: int = 0) -> int:
    """The seed of this process's random streams (noise, drawn data): ``seed`` itself in a
    single process and in rank 0, so rank 0 draws what a one-process run draws. ``resumed_at``:
    the step a resumed run starts from, so the other processes do not repeat their numbers."""
    if world is None or world.rank == 0:
        return seed
    return seed + RANK_SEED_STRIDE * world.rank + RESUME_SEED_STRIDE * resumed_at


def wrap(module: torch.nn.Module, device: torch.device) -> torch.nn.Module:
    """``module`` in DistributedDataParallel: rank 0's weights and buffers are copied to every
    process now, and gradients are averaged in every backward pass. The wrapper is only for the
    forward passes whose gradients train the module; everything else (EMA, sampling,
    checkpoints) uses ``module`` itself, whose state_dict keys have no "module." prefix."""
    import inspect

    from torch.nn.parallel import DistributedDataParallel

    # Buffers (batch-norm statistics) are copied from rank 0 once, here, and never again. With
    # the default, DDP copies rank 0's buffers into every process before each forward pass: a
    # collective per pass (D runs two or three times a step, before one backward), and the copy
    # before D's pass on generated samples overwrites what the pass on real samples just added
    # to the statistics of the other processes. So each process keeps statistics of its own
    # batches (batch norm per process, as in a one-process run of that batch size) and rank 0's
    # are saved and sampled with. SyncBatchNorm would normalise over all processes' batches at
    # the price of collectives in every batch-norm layer, forward and backward; batch norm in D
    # is never on with R1 or the gradient penalty (objectives.batchnorm_breaker).
    params = inspect.signature(DistributedDataParallel).parameters
    no_sync = ({"forward_sync_buffers": False} if "forward_sync_buffers" in params  # newer torch
               else {"broadcast_buffers": False})  # older: no copy at all, but every process
    # builds the same buffers from the same seed (or loads them from the same checkpoint)
    ids = [device.index] if device.type == "cuda" else None
    return DistributedDataParallel(module, device_ids=ids, **no_sync)


def reduce_step(values: torch.Tensor, stop: bool, world: World) -> tuple[torch.Tensor, bool]:
    """One all_reduce per step: the mean over processes of ``values`` (a step's numbers), and
    whether any process was asked to stop."""
    import torch.distributed as dist

    flag = torch.ones(1) if stop else torch.zeros(1)
    both = torch.cat([values.float(), flag.to(values.device)])
    dist.all_reduce(both, op=dist.ReduceOp.SUM)
    return both[:-1] / world.size, bool(both[-1] > 0)

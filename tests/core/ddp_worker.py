"""One torchrun process of ``ganstudio train`` for tests/core/test_distributed.py.

It runs the real command (``cli.main`` with this script's arguments) and, so the test can compare
the processes, writes into $GANSTUDIO_TEST_REPORT what this process holds when its run ends:
hashes of the weights and of its random streams, the step, and whether one more discriminator
step through the DistributedDataParallel wrapper (with the run's penalties: R1 in the ring preset)
got the mean of the gradients each process computes alone on its own batch. With
$GANSTUDIO_TEST_STARTED it also writes its process id there after step 5 (for the signal test).
"""

import copy
import hashlib
import json
import os
import sys
from pathlib import Path


def _digest(tensors) -> str:
    h = hashlib.sha256()
    for t in tensors:
        h.update(t.detach().cpu().contiguous().numpy().tobytes())
    return h.hexdigest()


def _report(trainer, folder: Path) -> None:
    rank = os.environ["RANK"]
    sd = trainer.state_dict()
    params = {name for name, _ in trainer.G.named_parameters()} | {
        f"D.{name}" for name, _ in trainer.D.named_parameters()}

    def weights(part, prefix=""):
        return [v for k, v in sorted(sd[part].items()) if prefix + k in params]

    opt = [v for o in ("opt_g", "opt_d") for i in sorted(sd[o]["state"])
           for _, v in sorted(sd[o]["state"][i].items())]
    streams = [trainer.rng.get_state()]
    data = sd["data"]
    streams += [data["rng"]] if "rng" in data else []
    report = {
        "rank": int(rank), "steps": trainer.steps_done,
        "G": _digest(weights("G")), "D": _digest(weights("D", "D.")),
        "EMA": _digest(weights("EMA")) if sd["EMA"] is not None else None,
        "optimisers": _digest(opt),
        "G_buffers": _digest(v for k, v in sorted(sd["G"].items()) if k not in params),
        "streams": _digest(streams), "data": {k: v for k, v in data.items() if k != "rng"},
        "keys": sorted(sd["G"]) + sorted(sd["D"]),
    }
    report["averaged_gradients"] = _gradients_are_averaged(trainer)
    (folder / f"rank{rank}.json").write_text(json.dumps(report))


def _gradients_are_averaged(trainer) -> bool:
    """One D step through the wrapper, the same batch again in this process alone, and the
    comparison with the mean of all processes' lone gradients; the trainer is left as it was."""
    import torch
    import torch.distributed as dist

    kept = (copy.deepcopy(trainer.D.state_dict()), copy.deepcopy(trainer.opt_d.state_dict()),
            trainer.rng.get_state(), copy.deepcopy(trainer.source.state_dict()))

    def rewind():
        trainer.D.load_state_dict(kept[0])
        trainer.opt_d.load_state_dict(kept[1])
        trainer.rng.set_state(kept[2])
        trainer.source.load_state_dict(copy.deepcopy(kept[3]))

    def step_gradients():
        trainer._d_step(trainer.steps_done)
        return torch.cat([p.grad.flatten() for p in trainer._d_params])

    averaged = step_gradients()
    rewind()
    wrapped, trainer._d_train = trainer._d_train, trainer.D
    try:
        alone = step_gradients()
    finally:
        trainer._d_train = wrapped
        rewind()
    every = [torch.empty_like(alone) for _ in range(dist.get_world_size())]
    dist.all_gather(every, alone)
    mean = torch.stack(every).mean(0)
    differs = not torch.equal(every[0], every[1])  # the processes' batches were not the same
    return differs and torch.allclose(averaged, mean, rtol=1e-5, atol=1e-7)


def main() -> int:
    from ganstudio import cli
    from ganstudio.training.run import Run

    folder = Path(os.environ["GANSTUDIO_TEST_REPORT"])
    started = os.environ.get("GANSTUDIO_TEST_STARTED")
    train = Run.train

    def reporting_train(self, *args, **kwargs):
        trainer = self.trainer
        if started:
            def first_step(record):
                if record["step"] >= 5:  # training is under way
                    trainer.callbacks.remove(first_step)
                    Path(started, f"pid{os.environ['RANK']}").write_text(str(os.getpid()))
            trainer.callbacks.append(first_step)
        state = train(self, *args, **kwargs)
        _report(trainer, folder)
        return state

    Run.train = reporting_train
    return cli.main(sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())

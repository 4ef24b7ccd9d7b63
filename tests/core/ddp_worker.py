"""One torchrun process of ``ganstudio train`` for tests/core/test_distributed.py.

It runs the real command (``cli.main`` with this script's arguments) and, so the test can compare
the processes, writes into $GANSTUDIO_TEST_REPORT what this process holds when its run ends:
hashes of the weights and of its random streams, and the step. With $GANSTUDIO_TEST_STARTED it
also writes its process id there after step 5 (for the signal test).
"""

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
    (folder / f"rank{rank}.json").write_text(json.dumps(report))


def main() -> int:
    from ganstudio import cli
    from ganstudio.training.trainer import Trainer

    folder = Path(os.environ["GANSTUDIO_TEST_REPORT"])
    started = os.environ.get("GANSTUDIO_TEST_STARTED")
    run = Trainer.run

    def reporting_run(self, *args, **kwargs):
        if started:
            def first_step(record):
                if record["step"] >= 5:  # training is under way
                    self.callbacks.remove(first_step)
                    Path(started, f"pid{os.environ['RANK']}").write_text(str(os.getpid()))
            self.callbacks.append(first_step)
        state = run(self, *args, **kwargs)
        _report(self, folder)
        return state

    Trainer.run = reporting_run
    return cli.main(sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())

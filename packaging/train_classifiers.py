"""Train the small classifiers that give GAN Studio its own feature space for judging pictures
(ganstudio/metrics/classifier.py), and write them to resources/classifiers/.

    python packaging/train_classifiers.py [NAME ...]   (default: all four)

Each is trained on the pictures the data set's preset trains its GAN on (32 x 32), with random
shifts of up to 2 pixels so that slightly misplaced generated pictures are still recognised,
and tested on pictures it never saw:
- digits, shapes: 2,000 pictures drawn with another seed (1; the GAN's data is drawn with 0);
- fashion-mnist: its 10,000 test pictures (the GAN's data is all 70,000);
- mnist-5k: 1,000 of the 5,000 digits, held out at random (seed 0).
Reproducible: fixed seeds and one processor thread (another thread count adds in another order
and changes the last digits), so the same code gives the same weights on the same processor.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import torch
from safetensors.torch import save_file
from torch.nn import functional as F

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ganstudio.data import build_source, procedural  # noqa: E402
from ganstudio.metrics.classifier import (DATASETS, SIZE, SmallClassifier,  # noqa: E402
                                          classifiers_dir)
from ganstudio.presets import load_preset  # noqa: E402

THREADS = 1
STEPS = {"digits": 1200, "shapes": 1200, "fashion-mnist": 3000, "mnist-5k": 1200}
BATCH = 128
LR = 2e-3
SHIFT = 2


def _data(name: str):
    """(train images uint8, train labels, held-out images, held-out labels, label names)."""
    cfg = load_preset(name)
    src = build_source(cfg)
    x, y = src.images, src.labels
    if name in ("digits", "shapes"):
        draw = procedural.draw_digits if name == "digits" else procedural.draw_shapes
        hx, hy = draw(2000, SIZE, seed=1)
        if hx.shape[1] != x.shape[1]:
            from ganstudio.data.base import fit_channels

            hx = fit_channels(hx, x.shape[1])
        return x, y, hx, hy, src.label_names
    if name == "fashion-mnist":  # train (60,000) then test (10,000), in that order
        return x[:60000], y[:60000], x[60000:], y[60000:], src.label_names
    perm = torch.randperm(len(x), generator=torch.Generator().manual_seed(0))
    test, train = perm[:1000], perm[1000:]
    return x[train], y[train], x[test], y[test], src.label_names


def _shift(x: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    """Each picture moved by a random whole number of pixels in [-SHIFT, SHIFT] each way."""
    n, _, h, w = x.shape
    pad = F.pad(x, (SHIFT, SHIFT, SHIFT, SHIFT), value=-1.0)
    dx = torch.randint(0, 2 * SHIFT + 1, (n,), generator=gen)
    dy = torch.randint(0, 2 * SHIFT + 1, (n,), generator=gen)
    rows = (dy[:, None] + torch.arange(h))[:, None, :, None].expand(n, x.shape[1], h, w + 2 * SHIFT)
    out = pad.gather(2, rows)
    cols = (dx[:, None] + torch.arange(w))[:, None, None, :].expand(n, x.shape[1], h, w)
    return out.gather(3, cols)


def _to_float(x: torch.Tensor) -> torch.Tensor:
    return x.float() / 127.5 - 1.0


@torch.inference_mode()
def accuracy(net: SmallClassifier, x: torch.Tensor, y: torch.Tensor) -> float:
    correct = 0
    for i in range(0, len(x), 1000):
        correct += int((net(_to_float(x[i:i + 1000])).argmax(1) == y[i:i + 1000]).sum())
    return correct / len(x)


@torch.inference_mode()
def feature_scale(net: SmallClassifier, x: torch.Tensor) -> float:
    """The RMS of one feature over (up to) 5,000 training pictures. Features are divided by it,
    so that x.y / d is about 1, the range KID's cubic kernel (x.y / d + 1)^3 is made for (as
    with Inception's features); FD is then in the same units for every data set."""
    f = torch.cat([net.embed(_to_float(x[i:i + 1000])) for i in range(0, min(len(x), 5000),
                                                                          1000)])
    return float(f.double().pow(2).mean().sqrt())


def train(name: str, out_dir: Path) -> Path:
    t0 = time.time()
    x, y, hx, hy, names = _data(name)
    t_data = time.time() - t0
    torch.manual_seed(0)
    net = SmallClassifier(x.shape[1], len(names))
    opt = torch.optim.Adam(net.parameters(), lr=LR)
    steps = STEPS[name]
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, steps)
    gen = torch.Generator().manual_seed(0)
    t1 = time.time()
    net.train()
    for _ in range(steps):
        idx = torch.randint(len(x), (BATCH,), generator=gen)
        xb = _shift(_to_float(x[idx]), gen)
        loss = F.cross_entropy(net(xb), y[idx])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        sched.step()
    t_train = time.time() - t1
    net.eval()
    acc = accuracy(net, hx, hy)
    scale = feature_scale(net, x)
    info = {"source": name, "channels": x.shape[1], "num_classes": len(names),
            "label_names": names, "size": SIZE, "steps": steps,
            "feature_scale": scale, "batch": BATCH,
            "train_pictures": len(x), "heldout_pictures": len(hx),
            "heldout_accuracy": round(acc, 4)}  # no timings: the same run, the same bytes
    path = out_dir / f"{name}.safetensors"
    state = {k: v.detach().contiguous() for k, v in net.state_dict().items()}
    save_file(state, str(path), metadata={"format": "ganstudio-classifier",
                                          "info": json.dumps(info)})
    print(f"{name}: {len(x):,} training pictures (read in {t_data:.0f} s), {steps} steps in "
          f"{t_train:.0f} s, held-out accuracy {100 * acc:.2f}% on {len(hx):,} -> {path} "
          f"({path.stat().st_size / 1e3:.0f} kB)")
    return path


def main(names: list[str]) -> int:
    torch.set_num_threads(THREADS)
    out = classifiers_dir()
    out.mkdir(parents=True, exist_ok=True)
    for name in names or list(DATASETS):
        if name not in DATASETS:
            print(f"unknown data set '{name}'; the choices are: {', '.join(DATASETS)}",
                  file=sys.stderr)
            return 2
        train(name, out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

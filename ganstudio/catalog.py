"""The user-facing catalogue of choices: every id the config accepts, with its name and help.

Pure Python on purpose (no Qt, and torch only inside the optimisers' builders): the config
validates against it, the command line lists it and the GUI fills its combo boxes from it, so a
new data set, model or optimiser appears everywhere from one entry here. The losses are the
entries of ganstudio.objectives (``LOSSES`` here is that table), which also holds their maths;
both build on ganstudio.choice, and the objectives never import the catalogue (no cycle).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from ganstudio import objectives
from ganstudio.choice import Choice

LOSSES = objectives.LOSSES  # the losses are the entries of their registry


# the [data] settings every picture source reads
PICTURES = ("image_size", "channels")


@dataclass(frozen=True, kw_only=True)
class SourceInfo(Choice):
    """A data set. Everything else reads this entry: the config (which [data] settings apply,
    what must be filled in), the forms, ``data.build_source`` (through ``loader``), the live
    quality (``classifier``), the presets list and the explorer's demos."""

    kind: str  # "2d" (points in the plane) or "image"
    # what reads it: a callable (data: DataConfig, *, seed, progress) -> DataSource, or the
    # "module:name" of one, imported on first use (this module stays free of torch)
    loader: str | Callable
    settings: tuple[str, ...] = ()  # the [data] settings it reads (the others are hidden)
    num_classes: int | None = 0  # 0: no labels; None: known only once the data is read (folder)
    channels: int = 0  # the data's own colour channels (images)
    needs_root: bool = False  # cannot be read without a folder in data.root
    classifier: bool = False  # GAN Studio ships a classifier for it (metrics/classifier.py)
    preset: str = ""  # its ready-made experiment (resources/presets/NAME.toml); presets are
    #                   listed in the order of these entries
    demo: str = ""  # title of its bundled demo model (resources/demos/ID.safetensors)...
    demo_rank: int = 0  # ...and where the explorer lists it (a newcomer meets pictures first)

    @property
    def can_download(self) -> bool:
        return "download" in self.settings

    def load(self) -> Callable:
        """The loader itself (importing its module the first time)."""
        if callable(self.loader):
            return self.loader
        import importlib

        module, _, name = self.loader.partition(":")
        return getattr(importlib.import_module(module), name)


def _source(id: str, title: str, help: str, kind: str, loader: str | Callable,
            **kw) -> SourceInfo:
    return SourceInfo(id=id, title=title, help=help, kind=kind, loader=loader, **kw)


_TOY = "ganstudio.data.toy2d:"

SOURCES: dict[str, SourceInfo] = {
    s.id: s
    for s in [
        _source("ring", "Ring of 8 blobs", "Eight small round clusters on a circle: the classic "
                "test of whether a GAN finds every cluster (mode collapse).", "2d", _TOY + "RING",
                preset="ring", demo="Ring of 8 blobs (points in the plane)", demo_rank=5),
        _source("grid", "Grid of 25 blobs", "Twenty-five small clusters on a 5 x 5 grid: a harder "
                "test of whether a GAN finds every cluster.", "2d", _TOY + "GRID", preset="grid"),
        _source("spiral", "Spiral", "Points along a two-armed spiral.", "2d", _TOY + "SPIRAL",
                settings=("noise",)),
        _source("moons", "Two moons", "Two interleaved half circles.", "2d", _TOY + "MOONS",
                settings=("noise",)),
        _source("circles", "Two circles", "A small circle inside a large one.", "2d",
                _TOY + "CIRCLES", settings=("noise",)),
        _source("points", "My points", "Points you place yourself, with a little spread around "
                "each.", "2d", _TOY + "POINTS", settings=("noise", "points")),
        _source("shapes", "Shapes (drawn)", "Coloured circles, squares, triangles and more, drawn "
                "on the fly: no download needed.", "image", "ganstudio.data.procedural:load_shapes",
                settings=PICTURES + ("size",), num_classes=6, channels=3, classifier=True,
                preset="shapes", demo="Coloured shapes (drawn data, with labels)", demo_rank=2),
        _source("digits", "Digits (drawn)", "Handwriting-like digits 0 to 9, drawn on the fly: no "
                "download needed.", "image", "ganstudio.data.procedural:load_digits",
                settings=PICTURES + ("size",), num_classes=10, channels=1, classifier=True,
                preset="digits", demo="Handwritten digits (drawn data, with labels)",
                demo_rank=1),
        _source("folder", "My images (folder)", "Every picture in a folder. Put pictures in one "
                "subfolder per kind to give them labels.", "image", "ganstudio.data.folder:load",
                settings=("root", *PICTURES, "limit"), num_classes=None, channels=3,
                needs_root=True),
        _source("fashion-mnist", "Fashion-MNIST", "70,000 small grey photos of clothes in 10 "
                "kinds (shirts, shoes, bags...).", "image",
                "ganstudio.data.datasets:fashion_mnist", settings=("root", *PICTURES, "limit"),
                num_classes=10, channels=1, classifier=True, preset="fashion-mnist",
                demo="Fashion-MNIST clothes (with labels)", demo_rank=3),
        _source("mnist-5k", "MNIST (5,000 digits)", "5,000 real handwritten digits, 500 of each "
                "from 0 to 9.", "image", "ganstudio.data.datasets:mnist_5k",
                settings=PICTURES + ("limit",), num_classes=10, channels=1, classifier=True,
                preset="mnist-5k"),
        _source("mnist", "MNIST (from disk)", "The 70,000 handwritten digits of MNIST, read from "
                "a folder on your disk.", "image", "ganstudio.data.datasets:mnist",
                settings=("root", "download", *PICTURES, "limit"), num_classes=10, channels=1,
                needs_root=True),
        _source("cifar10", "CIFAR-10 (from disk)", "60,000 tiny colour photos in 10 kinds "
                "(planes, cats, ships...), read from a folder on your disk.", "image",
                "ganstudio.data.datasets:cifar10", settings=("root", "download", *PICTURES,
                                                             "limit"),
                num_classes=10, channels=3, needs_root=True),
    ]
}

FAMILIES: dict[str, Choice] = {
    c.id: c
    for c in [
        Choice("mlp", "MLP (fully connected)", "Layers of plain neurons. Best for points in the "
               "plane; works for small pictures too."),
        Choice("dcgan", "DCGAN (convolutional)", "Convolution layers that build pictures from coarse "
               "to fine (Radford et al. 2016). The standard choice for pictures."),
        Choice("resnet", "Residual (R3GAN-style)", "Convolution layers in residual blocks with no "
               "normalisation, after R3GAN (Huang et al. 2024); best with the relativistic "
               "pairing loss and the R1 and R2 penalties."),
    ]
}

@dataclass(frozen=True, kw_only=True)
class OptimizerChoice(Choice):
    """An optimiser: ``build(params, lr, optimizer_config)`` makes the torch optimiser;
    ``settings`` are the [optimizer] fields it reads (the others do not apply to it)."""

    build: Callable
    settings: tuple[str, ...] = ()


# torch is imported inside, on first use: this module stays cheap to import.
# ``fused``: one kernel updates every weight (torch's fused Adam and SGD, on the processor and on
# graphics cards) instead of a Python loop over the tensors; the same formula, rounded in a
# different order. Where torch cannot fuse (another device, an older torch), the plain loop.
def _fusable(build):
    try:
        return build(fused=True)
    except (RuntimeError, ValueError, TypeError):
        return build()


def _adam(params, lr: float, o, fused: bool = False):
    import torch

    params = list(params)
    build = lambda **kw: torch.optim.Adam(params, lr=lr, betas=(o.beta1, o.beta2), **kw)  # noqa
    return _fusable(build) if fused else build()


def _rmsprop(params, lr: float, o, fused: bool = False):
    import torch

    return torch.optim.RMSprop(params, lr=lr, momentum=o.momentum)  # torch has no fused RMSprop


def _sgd(params, lr: float, o, fused: bool = False):
    import torch

    params = list(params)
    build = lambda **kw: torch.optim.SGD(params, lr=lr, momentum=o.momentum, **kw)  # noqa
    return _fusable(build) if fused else build()


OPTIMIZERS: dict[str, OptimizerChoice] = {
    c.id: c
    for c in [
        OptimizerChoice(id="adam", title="Adam", help="Adapts each weight's step size. The "
                        "usual choice for GANs.", build=_adam, settings=("beta1", "beta2")),
        OptimizerChoice(id="rmsprop", title="RMSprop", help="Adapts step sizes without "
                        "momentum; used by the original Wasserstein GAN.", build=_rmsprop,
                        settings=("momentum",)),
        OptimizerChoice(id="sgd", title="SGD", help="Plain gradient descent, with optional "
                        "momentum.", build=_sgd, settings=("momentum",)),
    ]
}


def build_optimizer(name: str, params, lr: float, optimizer_config, *, fused: bool = False):
    """The torch optimiser ``name`` over ``params``; an unknown name raises ValueError.
    ``fused``: torch's single-kernel update where it has one (see _fusable)."""
    if name not in OPTIMIZERS:
        raise ValueError(f"unknown optimiser '{name}'")
    return OPTIMIZERS[name].build(params, lr, optimizer_config, fused=fused)


AUGMENTATIONS: dict[str, Choice] = {
    c.id: c
    for c in [
        Choice("color", "Colour", "Random brightness, saturation and contrast."),
        Choice("translation", "Shift", "Random shifts by up to 1/8 of the picture."),
        Choice("cutout", "Cut-out", "A random square of the picture blanked out."),
    ]
}

DEVICES: dict[str, Choice] = {
    c.id: c
    for c in [
        Choice("auto", "Automatic", "The graphics card if there is one, else the processor."),
        Choice("cpu", "Processor (CPU)", "Always the processor."),
        Choice("cuda", "NVIDIA graphics card (CUDA)", "An NVIDIA graphics card."),
        Choice("mps", "Apple graphics (MPS)", "The graphics of an Apple silicon Mac."),
    ]
}

PRECISIONS: dict[str, Choice] = {
    c.id: c
    for c in [
        Choice("auto", "Automatic", "16-bit maths where it is fast and keeps quality: "
               "convolutional networks on a graphics card, and on a processor that computes "
               "16-bit (bfloat16) maths natively; full 32-bit maths elsewhere."),
        Choice("fp32", "32-bit (exact)", "Full 32-bit maths everywhere: slower, and the same "
               "seed repeats a run exactly."),
        Choice("bf16", "16-bit (bfloat16)", "bfloat16 maths where it is safe, 32-bit for the "
               "rest. Slow on processors without native bfloat16."),
        Choice("fp16", "16-bit (float16)", "float16 maths with loss scaling, for graphics cards "
               "without bfloat16. Slow on most processors."),
    ]
}

D_NORMS: dict[str, Choice] = {
    c.id: c
    for c in [
        Choice("auto", "Automatic", "Batch normalisation, except with spectral norm or a "
               "penalty on the discriminator's slope (they need none)."),
        Choice("batch", "Batch normalisation", "Normalise each layer over the batch."),
        Choice("none", "None", "No normalisation in the discriminator."),
    ]
}


def sources_of_kind(kind: str) -> list[str]:
    return [s.id for s in SOURCES.values() if s.kind == kind]


@dataclass(frozen=True)
class Layer(Choice):
    shown: bool = True  # switched on unless the user says otherwise
    computed: bool = True  # made by training (costs time); else only shown or not


# the layers of the 2-D picture (after GAN Lab): the window's switches and what training computes
PLANE_LAYERS: dict[str, Layer] = {
    c.id: c
    for c in [
        Layer("heatmap", "Discriminator's view", "Background: green where the discriminator "
              "thinks samples are real, purple where it thinks they are generated"),
        Layer("arrows", "Generator's push", "Arrows: the direction each generated point is "
              "pushed to fool the discriminator"),
        Layer("mesh", "Noise grid", "Lines: a square grid of the generator's noise, as it is "
              "bent into the plane (first two noise numbers)", shown=False),
        Layer("real", "Real data", "Grey dots: samples of the real data", computed=False),
    ]
}

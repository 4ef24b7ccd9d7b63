"""Data sources: what the GAN learns to imitate. ``build_source`` turns [data] into one."""

from __future__ import annotations

from ganstudio.data.base import DataError, DataSource, ImageTensorSource, Progress, Skipped

__all__ = ["DataError", "DataSource", "ImageTensorSource", "Progress", "Skipped", "build_source"]


def build_source(cfg, *, seed: int | None = None, progress: Progress | None = None) -> DataSource:
    """The data source an experiment config asks for (``cfg``: ExperimentConfig)."""
    d = cfg.data
    seed = cfg.training.seed if seed is None else seed
    info = cfg.source_info
    if info.kind == "2d":
        from ganstudio.data.toy2d import Toy2DSource

        return Toy2DSource(d.source, noise=d.noise, points=d.points, seed=seed)
    common = dict(image_size=d.image_size, channels=d.channels, seed=seed)
    if d.source in ("shapes", "digits"):
        from ganstudio.data import procedural

        draw, names = ((procedural.draw_shapes, procedural.SHAPE_NAMES) if d.source == "shapes"
                       else (procedural.draw_digits, procedural.DIGIT_NAMES))
        # the drawing depends on the seed only, not on the training seed: same data every run
        images, labels = draw(d.size, d.image_size, seed=0, progress=progress)
        from ganstudio.data.base import fit_channels

        images = fit_channels(images, d.channels or images.shape[1])
        return ImageTensorSource(images, labels, source_id=d.source, title=info.title,
                                 label_names=names, seed=seed)
    if d.source == "folder":
        from ganstudio.data.folder import load_folder

        return load_folder(d.root, limit=d.limit, progress=progress, **common)
    from ganstudio.data import datasets

    if d.source == "fashion-mnist":
        return datasets.load_fashion_mnist(d.root, d.download, limit=d.limit, **common)
    if d.source == "mnist-5k":
        return datasets.load_mnist_5k(limit=d.limit, **common)
    if d.source == "mnist":
        return datasets.load_mnist(d.root, d.download, limit=d.limit, **common)
    if d.source == "cifar10":
        return datasets.load_cifar10(d.root, d.download, limit=d.limit, **common)
    raise DataError(f"unknown data set '{d.source}'")

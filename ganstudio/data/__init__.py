"""Data sources: what the GAN learns to imitate. ``build_source`` turns [data] into one.

Which data sets exist, and what reads each, is the catalogue's (``catalog.SOURCES``): every entry
names its loader, so a new data set is one entry there (and its loader) and nothing here.
"""

from __future__ import annotations

from ganstudio import catalog
from ganstudio.data.base import DataError, DataSource, ImageTensorSource, Progress, Skipped

__all__ = ["DataError", "DataSource", "ImageTensorSource", "Progress", "Skipped", "build_source"]


def build_source(cfg, *, seed: int | None = None, progress: Progress | None = None) -> DataSource:
    """The data source an experiment config asks for (``cfg``: ExperimentConfig), read by the
    loader its catalogue entry names, with the training seed unless ``seed`` is given."""
    d = cfg.data
    info = catalog.SOURCES.get(d.source)
    if info is None:
        raise DataError(f"unknown data set '{d.source}'")
    seed = cfg.training.seed if seed is None else seed
    return info.load()(d, seed=seed, progress=progress)

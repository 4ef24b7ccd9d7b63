"""Quality measures: mode coverage and a density divergence for points in the plane; Fréchet
distance, KID, precision/recall/density/coverage and class coverage for pictures, in two feature
spaces (Inception, GAN Studio's own classifiers). ``report`` gathers those that apply."""

from ganstudio.metrics.modes import (EVAL_SAMPLES, DensityDivergence, ModeCoverage,
                                     density_divergence, mode_coverage)
from ganstudio.metrics.stats import (KID, PRDC, ClassCoverage, class_coverage, frechet_distance,
                                     frechet_distance_from_stats, gaussian_stats, kernel_distance,
                                     prdc)

__all__ = ["EVAL_SAMPLES", "KID", "PRDC", "ClassCoverage", "DensityDivergence", "ModeCoverage",
           "class_coverage", "density_divergence", "frechet_distance",
           "frechet_distance_from_stats", "gaussian_stats", "kernel_distance", "mode_coverage",
           "prdc"]

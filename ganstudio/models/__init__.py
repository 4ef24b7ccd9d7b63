"""The generator and discriminator networks, built from a ModelSpec."""

from ganstudio.models.networks import (DCGANDiscriminator, DCGANGenerator, Discriminator,
                                       Generator, MLPDiscriminator, MLPGenerator, build_models,
                                       count_parameters)
from ganstudio.models.spec import ModelSpec, make_spec

__all__ = ["DCGANDiscriminator", "DCGANGenerator", "Discriminator", "Generator",
           "MLPDiscriminator", "MLPGenerator", "ModelSpec", "build_models", "count_parameters",
           "make_spec"]

"""GAN Studio: train and explore generative adversarial networks by pointing and clicking."""

__version__ = "0.1.0"

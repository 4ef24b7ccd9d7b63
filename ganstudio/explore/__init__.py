"""Exploring a trained generator: the exploration, its player, latent tools, demo models."""

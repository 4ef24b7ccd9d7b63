"""The explorer wing: the latent explorer and demo mode, views of the core player."""

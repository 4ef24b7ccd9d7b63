"""The window's longer words: the help page and the About box."""

HELP_TEXT = """A GAN is two networks playing a game.

The generator turns random noise into samples (points or pictures). The discriminator looks at
real samples and generated ones and tries to tell them apart. Each learns from the other: the
generator improves until its samples fool the discriminator.

Left: choose the data to imitate, the two networks, and the game's rules.
Training tab: samples from the generator as it learns; for points, the background shows what the
discriminator believes and the arrows where the generator is pushed. The plots show both
players' losses, the discriminator's verdicts and how hard each network is pushed.
Explore tab: move through the generator's noise with sliders and watch its output change.

Train (F5), Pause/Resume (F6), Step (F7), Stop (Shift+F5)."""


def about_text() -> str:
    from ganstudio import __version__

    return (f"<b>GAN Studio {__version__}</b><p>Train and explore generative adversarial "
            "networks by pointing and clicking.</p>")

"""The explorer's settings as plain data (no torch): the window builds its controls from them
before torch has loaded. Add a slider mode here and its branch in ``Exploration.set_mode``."""

SLIDER_RANGE = 3.0  # sliders span -3..3 (the noise is standard normal)
MAX_DIMENSION_SLIDERS = 16  # above this, sliders move along directions instead
DIRECTION_SLIDERS = 10
PLANE_SIZE = 420  # pixels of a 2-D model's picture

MODES = {
    "dimensions": "Noise numbers",
    "principal": "Main directions",
    "random": "Random directions",
    "sefa": "Directions in the weights (SeFa)",  # explore/directions.py
    "chosen": "Directions you chose or taught",  # explore/directions.py
}

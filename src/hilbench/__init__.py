"""hilbench: hardware-in-the-loop test bench for bidirectional (V2G) EV chargers."""

from hilbench._core import __version__

__all__ = ["__version__"]

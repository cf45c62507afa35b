"""Publishing pipeline for a podcast-and-newsletter show: recordings and outlines in, feeds out."""

__version__ = "0.1.0"

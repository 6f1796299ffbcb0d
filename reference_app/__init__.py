"""A small, real chat product that the golden-path suite runs against by default."""

__version__ = "0.1.0"

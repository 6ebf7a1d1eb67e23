"""Zero-shot skeleton-based action recognition pipeline (FS-VAE and its predecessors)."""

__version__ = "0.1.0"

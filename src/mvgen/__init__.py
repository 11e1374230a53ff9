"""mvgen: a self-hostable music-video generator (One-Click MV API)."""

__version__ = "0.1.0"

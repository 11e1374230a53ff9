"""Generated, animated, music-reactive backdrops (one file each; registry in render.effects)."""

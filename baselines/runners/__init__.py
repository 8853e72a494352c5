"""The built-in runners (registered by :mod:`baselines.plugin`)."""

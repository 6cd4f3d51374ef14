"""The local dev proxy behind `plugin-scaffold dev`: a plugin's API with its files and calls in view."""

DEFAULT_TIMEOUT = 45.0  # ChatGPT gives up on a plugin call after 45 s

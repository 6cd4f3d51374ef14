"""plugin-scaffold: render ChatGPT plugin projects from a Copier template."""

__version__ = "0.1.0"

"""plugin-scaffold: render ChatGPT plugin projects from a Copier template."""

__version__ = "0.2.0"

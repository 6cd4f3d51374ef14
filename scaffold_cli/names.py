"""Project-name rules; copier.yml's project_name validator states the same ones."""

import keyword
import re

from scaffold_cli.errors import ScaffoldError

MAX_LENGTH = 50
_PATTERN = re.compile(r"[A-Za-z][A-Za-z0-9_-]*")
# Compared with the lowercase package form, so `Class` and `None` are refused too.
_KEYWORDS = frozenset(word.lower() for word in keyword.kwlist)


class InvalidNameError(ScaffoldError, ValueError):
    """The project name breaks a rule; the message names it."""


def package_name(name: str) -> str:
    """Return the Python package for project `name`, or raise InvalidNameError."""
    if not _PATTERN.fullmatch(name):
        raise InvalidNameError(
            "project name must start with a letter and contain only letters, digits, "
            f"'-' and '_' (got {name!r})"
        )
    if len(name) > MAX_LENGTH:
        raise InvalidNameError(
            f"project name must be at most {MAX_LENGTH} characters (got {len(name)})"
        )
    package = name.lower().replace("-", "_")
    if package in _KEYWORDS:
        raise InvalidNameError(f"project name must not be a Python keyword (got {name!r})")
    return package

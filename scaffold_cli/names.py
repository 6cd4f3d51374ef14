"""Project names: copier.yml's project_name validator decides, and its package_name names the
package, so plugin-new refuses a bad NAME before it writes anything."""

from scaffold_cli import questions
from scaffold_cli.errors import ScaffoldError


class InvalidNameError(ScaffoldError, ValueError):
    """The project name breaks a rule; the message names it."""


def package_name(name: str) -> str:
    """Return the Python package for project `name`, or raise InvalidNameError."""
    if message := questions.validation_error("project_name", {"project_name": name}):
        raise InvalidNameError(f"{message} (got {name!r})")
    return questions.computed("package_name", {"project_name": name})

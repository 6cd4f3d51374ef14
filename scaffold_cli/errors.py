"""The one error type the CLI turns into a one-line message and exit status 2."""


class ScaffoldError(Exception):
    """A problem the user can fix; its message names the fix."""

# Owned by the template: `plugin-scaffold update` rewrites this file. Keep your code out of it.
"""What the plugin's own code uses from the runtime: the decorator that binds a function to an
operation of openapi.yaml, and the errors it may answer with."""

from .db import Write, metadata
from .errors import ApiError, bad_request, not_found
from .operations import Context, on_start, operation

__all__ = [
    "ApiError",
    "Context",
    "Write",
    "bad_request",
    "metadata",
    "not_found",
    "on_start",
    "operation",
]

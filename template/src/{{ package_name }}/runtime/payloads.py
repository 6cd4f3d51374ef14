# Owned by the template: `plugin-scaffold update` rewrites this file. Keep your code out of it.
"""Reading a request's JSON body the same way in every framework, with one clear error per
problem; the spec's schemas then check what it holds (inputs.py)."""

from __future__ import annotations

import json
from typing import Any

from .errors import ApiError, bad_request

MAX_BODY_BYTES = 64 * 1024
TOO_LARGE = ApiError(413, "payload_too_large", f"request body is over {MAX_BODY_BYTES} bytes")
# How long a request's whole body may take to arrive, unless BODY_TIMEOUT says otherwise.
DEFAULT_BODY_TIMEOUT = 10.0
# A body that stops short: the client left, or its chunks are broken (the server tells both
# apart from neither).
CUT_SHORT = bad_request("the request body ended early: the client left, or its chunks are broken")


def body_timed_out(seconds: float) -> ApiError:
    return ApiError(408, "request_timeout", f"the request body took over {seconds:g} seconds")


# What "\s" stands for in the spec's patterns (JSON Schema uses ECMA-262 regular expressions).
# Text is blank when it holds only these, so the server and a pattern such as "\S" agree;
# str.strip() would also remove U+001C-U+001F and U+0085, which such a pattern counts as text,
# and keep U+FEFF, which it does not.
SPACES = (
    "\t\n\v\f\r \xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u2028\u2029\u202f\u205f\u3000\ufeff"
)


def json_object(raw: bytes) -> dict[str, Any]:
    """Parse a request body that must be a JSON object."""
    if len(raw) > MAX_BODY_BYTES:
        raise TOO_LARGE
    if not raw.strip():
        raise bad_request("request body must be a JSON object")
    try:
        value = json.loads(raw)
    except ValueError as exc:  # also UnicodeDecodeError and over-long integers
        raise bad_request(f"request body is not valid JSON: {exc}") from None
    except RecursionError:  # thousands of nested brackets: a 10 KB body can hold them
        raise bad_request("request body is not valid JSON: it is nested too deeply") from None
    if not isinstance(value, dict):
        raise bad_request("request body must be a JSON object")
    return value

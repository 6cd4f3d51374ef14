# Owned by the template: `plugin-scaffold update` rewrites this file. Keep your code out of it.
"""Reading what a request carries (body, query, path) the same way in every framework, with one
clear error per problem."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from .errors import ApiError, bad_request

if TYPE_CHECKING:
    from .operations import Query

MAX_BODY_BYTES = 64 * 1024
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
        raise ApiError(413, "payload_too_large", f"request body is over {MAX_BODY_BYTES} bytes")
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


def string_field(payload: dict[str, Any], name: str, *, max_length: int) -> str:
    value = payload.get(name)
    if value is None:
        raise bad_request(f'missing field "{name}"')
    if not isinstance(value, str):
        raise bad_request(f'field "{name}" must be a string')
    return text(value, f'field "{name}"', max_length=max_length)


def text(value: str, what: str, *, max_length: int) -> str:
    """Text that must not be blank, without the spaces around it; `what` names it in errors."""
    if len(value) > max_length:
        raise bad_request(f"{what} must be at most {max_length} characters")
    stripped = value.strip(SPACES)
    if not stripped:
        raise bad_request(f"{what} must not be blank")
    try:
        # A JSON escape such as \udc00 can carry half a surrogate pair, which no database stores.
        stripped.encode()
    except UnicodeEncodeError:
        raise bad_request(f"{what} holds half a surrogate pair (a lone \\ud800-\\udfff)") from None
    return stripped


def single_query(query: Query, name: str) -> str | None:
    """A query parameter that may be given at most once. Frameworks disagree on which of two
    values they return, so a repeat is refused rather than answered differently by each."""
    values = query.getlist(name)
    if len(values) > 1:
        raise bad_request(f'query parameter "{name}" must be given at most once')
    return values[0] if values else None


def integer_query(query: Query, name: str) -> int:
    """An optional whole-number query parameter; 0 when absent."""
    value = single_query(query, name)
    if value is None:
        return 0
    return _whole_number(value, f'query parameter "{name}"')


def integer_path(value: str, name: str) -> int:
    """A whole-number path parameter, such as the number of the item a URL names."""
    return _whole_number(value, f'path parameter "{name}"')


def _whole_number(value: str, what: str) -> int:
    # 18 digits always fit in 64 bits; int() of a huge string would be slow or refused.
    if not value.isascii() or not value.isdigit() or len(value) > 18:
        raise bad_request(f"{what} must be a whole number of at most 18 digits")
    return int(value)

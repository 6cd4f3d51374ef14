"""Reading request bodies the same way in every framework, with one clear error per problem."""

from __future__ import annotations

import json
from typing import Any

from .errors import ApiError, bad_request

MAX_BODY_BYTES = 64 * 1024


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
    if not isinstance(value, dict):
        raise bad_request("request body must be a JSON object")
    return value


def string_field(payload: dict[str, Any], name: str, *, max_length: int) -> str:
    value = payload.get(name)
    if value is None:
        raise bad_request(f'missing field "{name}"')
    if not isinstance(value, str):
        raise bad_request(f'field "{name}" must be a string')
    if len(value) > max_length:
        raise bad_request(f'field "{name}" must be at most {max_length} characters')
    if not value.strip():
        raise bad_request(f'field "{name}" must not be blank')
    return value.strip()


def integer_query(value: str | None, name: str) -> int:
    """An optional whole-number query parameter; 0 when absent."""
    if value is None:
        return 0
    if not value.isascii() or not value.isdigit() or len(value) > 18:
        raise bad_request(f'query parameter "{name}" must be a whole number of at most 18 digits')
    return int(value)


def integer_field(payload: dict[str, Any], name: str, *, minimum: int = 0) -> int:
    value = payload.get(name)
    if value is None:
        raise bad_request(f'missing field "{name}"')
    # bool is an int subclass in Python, but `true` is not an index.
    if isinstance(value, bool) or not isinstance(value, int):
        raise bad_request(f'field "{name}" must be an integer')
    if value < minimum:
        raise bad_request(f'field "{name}" must be at least {minimum}')
    return value

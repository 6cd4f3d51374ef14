# Owned by the template: `plugin-scaffold update` rewrites this file. Keep your code out of it.
"""Errors the API answers with: a status code and a JSON body that names the problem."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from .answers import to_json


class ConfigError(Exception):
    """A setting, or openapi.yaml and its handlers, cannot be used; the message says why."""


class ApiError(Exception):
    """An error the client caused; rendered as `{"error": code, "message": message}`."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}

    def body(self) -> dict[str, str]:
        return {"error": self.code, "message": self.message}


def bad_request(message: str) -> ApiError:
    return ApiError(400, "bad_request", message)


def not_found(message: str) -> ApiError:
    return ApiError(404, "not_found", message)


# Framework errors (unknown route, wrong method) are answered in the same JSON shape.
HTTP_ERROR_CODES = {
    400: "bad_request",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    500: "internal_error",
}


# The same words from every framework, and words that tell a model what to do next.
HTTP_ERROR_MESSAGES = {
    404: "nothing is at this path; openapi.yaml lists the operations",
    405: "this path does not take this method; the Allow header lists those it takes",
}


def http_error(status: int, message: str, allow: str | None = None) -> ApiError:
    # A 405 must say which methods the path does take (RFC 9110).
    headers = {"Allow": allow} if allow else None
    message = HTTP_ERROR_MESSAGES.get(status, message)
    return ApiError(status, HTTP_ERROR_CODES.get(status, "error"), message, headers)


Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]  # an ASGI server's send


async def send_error(send: Send, error: ApiError) -> None:
    """Answer `error` on an ASGI connection, in the JSON every framework answers it with."""
    body = to_json(error.body())
    headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(body))]
    headers += [(k.lower().encode(), v.encode("latin-1")) for k, v in error.headers.items()]
    await send({"type": "http.response.start", "status": error.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})

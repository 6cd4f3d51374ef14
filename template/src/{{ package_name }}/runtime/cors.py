# Owned by the template: `plugin-scaffold update` rewrites this file. Keep your code out of it.
"""CORS for ChatGPT's origins and for local development, with Private Network Access."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

CHATGPT_ORIGINS = ("https://chat.openai.com", "https://chatgpt.com")
LOCAL_ORIGIN = re.compile(r"https?://(localhost|127\.0\.0\.1|\[::1\])(:\d{1,5})?")
ALLOWED_METHODS = "GET, POST, PUT, PATCH, DELETE, OPTIONS"
DEFAULT_ALLOWED_HEADERS = "Authorization, Content-Type"


class CorsPolicy:
    def __init__(self, extra_origins: Iterable[str] = ()) -> None:
        self.origins = frozenset(CHATGPT_ORIGINS) | {o.rstrip("/") for o in extra_origins}

    def allows(self, origin: str | None) -> bool:
        if not origin:
            return False
        return origin in self.origins or LOCAL_ORIGIN.fullmatch(origin) is not None

    def response_headers(self, origin: str | None) -> dict[str, str]:
        """Headers for an ordinary response to a cross-origin request."""
        if not self.allows(origin):
            return {"Vary": "Origin"}
        return {
            "Access-Control-Allow-Origin": origin,
            "Access-Control-Allow-Credentials": "true",
            "Vary": "Origin",
        }

    def preflight_headers(self, headers: Mapping[str, str]) -> dict[str, str]:
        """Headers answering an OPTIONS request, a CORS preflight or not."""
        answer = self.response_headers(headers.get("origin"))
        if "Access-Control-Allow-Origin" in answer:
            answer.update(
                {
                    "Access-Control-Allow-Methods": ALLOWED_METHODS,
                    "Access-Control-Allow-Headers": headers.get(
                        "access-control-request-headers", DEFAULT_ALLOWED_HEADERS
                    ),
                    # Chrome's Private Network Access asks before a public page calls localhost.
                    "Access-Control-Allow-Private-Network": "true",
                    "Access-Control-Max-Age": "600",
                }
            )
        return answer

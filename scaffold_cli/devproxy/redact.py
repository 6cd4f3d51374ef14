"""Keep secrets out of recorded exchanges: headers, query strings and bodies.

A Redactor handles one exchange. It replaces secret headers and the values of secret-looking
keys (JSON, forms, queries) with "[redacted]", and remembers every value it removed so that an
echo of it anywhere else in the exchange (a body repeating the bearer token) is scrubbed too.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote, quote_plus, unquote_plus

REDACTED = "[redacted]"
SECRET_HEADERS = {"authorization", "proxy-authorization", "cookie", "set-cookie"}
# Keys compared lowercase with everything but letters and digits removed: "Client-Secret"
# and "client_secret" are both "clientsecret".
SECRET_KEYS = {"code", "pwd", "passwd", "authorization", "privatekey", "sessionid"}
SECRET_SUFFIXES = ("password", "secret", "token", "apikey")
URL_HEADERS = {"location", "content-location", "referer"}
# Shorter values are not scrubbed from free text: they would match innocent words.
MIN_ECHO_LENGTH = 8
JSON_PAIR = re.compile(r'"([^"\\]{1,64})"(\s*:\s*)"((?:[^"\\]|\\.)*)"')
FORM_PAIR = re.compile(r"(?<![\w%.-])([\w.-]{1,64})=([^&\s\"'<>,;:)]+)")


def is_secret_key(key: str) -> bool:
    normal = re.sub(r"[^a-z0-9]", "", key.lower())
    return normal in SECRET_KEYS or normal.endswith(SECRET_SUFFIXES)


class Redactor:
    def __init__(self) -> None:
        self.secrets: set[str] = set()

    def headers(self, pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
        """Headers by lowercase name (repeated ones joined by ", "), secrets redacted."""
        redacted: dict[str, str] = {}
        for name, value in pairs:
            name = name.lower()
            if name in SECRET_HEADERS or is_secret_key(name):
                self._remember_header(name, value)
                value = REDACTED
            elif name in URL_HEADERS:
                value = self.url(value)
            redacted[name] = f"{redacted[name]}, {value}" if name in redacted else value
        return redacted

    def url(self, url: str) -> str:
        """A path or URL with the secret values of its query and fragment redacted."""
        url, hash_, fragment = url.partition("#")
        url, mark, query = url.partition("?")
        return url + mark + self.query(query) + hash_ + self.query(fragment)

    def query(self, query: str) -> str:
        """`a=1&code=xyz` as `a=1&code=[redacted]`; the other pairs stay byte for byte."""
        items = []
        for item in query.split("&"):
            key, equals, value = item.partition("=")
            if equals and is_secret_key(unquote_plus(key)):
                self._remember(unquote_plus(value))
                item = f"{key}={REDACTED}"
            items.append(item)
        return "&".join(items)

    def body(
        self, data: bytes, content_type: str, limit: int, size: int | None = None
    ) -> dict[str, Any]:
        """The body as recorded: redacted text cut at `limit` bytes, its size, whether cut.

        `size` is the whole body's when `data` is only its beginning (kept from a stream).
        """
        size = len(data) if size is None else size
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            return {"text": f"({size} bytes of binary data)", "size": size, "truncated": False}
        text = self._text(text, content_type.lower())
        encoded = text.encode()
        truncated = len(encoded) > limit or size > len(data)
        if truncated:
            text = encoded[:limit].decode("utf-8", errors="ignore")
        return {"text": text, "size": size, "truncated": truncated}

    def scrub(self, value: Any) -> Any:
        """`value` (any JSON-like data) with every remembered secret replaced, wherever it is."""
        if isinstance(value, str):
            for secret in sorted(self.secrets, key=len, reverse=True):
                if secret in value:
                    value = value.replace(secret, REDACTED)
            return value
        if isinstance(value, dict):
            return {key: self.scrub(item) for key, item in value.items()}
        if isinstance(value, list):
            return [self.scrub(item) for item in value]
        return value

    def _text(self, text: str, content_type: str) -> str:
        if "json" in content_type or text.lstrip()[:1] in ("{", "["):
            try:
                document = json.loads(text)
                redacted = self.value(document)
                if redacted != document:
                    text = json.dumps(redacted, ensure_ascii=False)
            except (ValueError, RecursionError):
                pass  # not JSON after all, cut short or nested too deep: the patterns still apply
        elif "x-www-form-urlencoded" in content_type:
            text = self.query(text)
        # Whatever the content type claimed, catch `"password": "..."` and `token=...` in it.
        text = JSON_PAIR.sub(self._json_pair, text)
        return FORM_PAIR.sub(self._form_pair, text)

    def value(self, value: Any) -> Any:
        """`value` (any JSON-like data) with the values of secret-looking keys redacted."""
        if isinstance(value, dict):
            redacted = {}
            for key, item in value.items():
                item = self._secret(item) if is_secret_key(str(key)) else self.value(item)
                redacted[key] = item
            return redacted
        if isinstance(value, list):
            return [self.value(item) for item in value]
        return value

    def _secret(self, value: Any) -> Any:
        """A secret key's value: scalars redacted; in a mapping (a schema in a spec), the keys
        are looked at one by one instead, so `"password": {"type": "string"}` stays legible."""
        if isinstance(value, dict):
            return self.value(value)
        if isinstance(value, list):
            return [self._secret(item) for item in value]
        if value is None or value == "" or isinstance(value, bool):
            return value
        self._remember(str(value))
        return REDACTED

    def _json_pair(self, match: re.Match[str]) -> str:
        key, colon, value = match.groups()
        if not is_secret_key(key) or value in ("", REDACTED):
            return match.group(0)
        self._remember(value)
        return f'"{key}"{colon}"{REDACTED}"'

    def _form_pair(self, match: re.Match[str]) -> str:
        key, value = match.groups()
        if not is_secret_key(key) or value == REDACTED:
            return match.group(0)
        self._remember(unquote_plus(value))
        return f"{key}={REDACTED}"

    def _remember_header(self, name: str, value: str) -> None:
        if name in ("cookie", "set-cookie"):
            pairs = value.split(";") if name == "cookie" else value.split(";")[:1]
            for pair in pairs:
                self._remember(pair.partition("=")[2].strip())
        else:
            self._remember(value.strip())
            self._remember(value.strip().rpartition(" ")[2])  # the token after "Bearer "

    def _remember(self, secret: str) -> None:
        if len(secret) >= MIN_ECHO_LENGTH and secret != REDACTED:
            self.secrets.update({secret, quote(secret, safe=""), quote_plus(secret)})

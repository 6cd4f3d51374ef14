"""Manifest and spec documents: parsing them, writing them out, and local files kept fresh."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml


class DocumentError(ValueError):
    """A manifest or spec that cannot be used; the message names the file and the problem."""


def parse_manifest(text: str, name: str) -> dict[str, Any]:
    try:
        document = json.loads(text)
    except ValueError as error:
        raise DocumentError(f"{name} is not valid JSON: {error}") from None
    if not isinstance(document, dict):
        raise DocumentError(f"{name} is not a JSON object")
    return document


def parse_spec(text: str, name: str) -> dict[str, Any]:
    """A spec in JSON or YAML (JSON is tried first when it looks like JSON, for its errors)."""
    try:
        if is_json(text):
            document = json.loads(text)
        else:
            document = yaml.safe_load(text)
    except (ValueError, yaml.YAMLError) as error:
        kind = "JSON" if is_json(text) else "YAML"
        raise DocumentError(f"{name} is not valid {kind}: {' '.join(str(error).split())}") from None
    if not isinstance(document, dict):
        raise DocumentError(f"{name} is not an OpenAPI document (a mapping at the top)")
    return document


def is_json(text: str) -> bool:
    return text.lstrip().startswith("{")


def dump(document: dict[str, Any], as_json: bool) -> tuple[bytes, str]:
    """The document's bytes and media type."""
    if as_json:
        return json.dumps(document, indent=2, ensure_ascii=False).encode(), "application/json"
    text = yaml.safe_dump(document, sort_keys=False, allow_unicode=True)
    return text.encode(), "application/yaml"


class LocalFile:
    """A document on disk, parsed again whenever the file changes (checked on every use)."""

    def __init__(self, path: Path, parse: Callable[[str, str], dict[str, Any]]) -> None:
        self.path = path
        self.parse = parse
        self.json_source = path.suffix.lower() == ".json"
        self._seen: tuple[int, ...] | None = None
        self._document: dict[str, Any] | None = None
        self._error: str | None = None

    def load(self) -> dict[str, Any]:
        """The document as the file holds it now; DocumentError while the file is broken."""
        try:
            stat = self.path.stat()
        except OSError as error:
            raise DocumentError(f"cannot read {self.path}: {error.strerror}") from None
        seen = (stat.st_mtime_ns, stat.st_ctime_ns, stat.st_size, stat.st_ino)
        if seen != self._seen:
            self._seen = seen
            try:
                text = self.path.read_text(encoding="utf-8")
                self._document, self._error = self.parse(text, str(self.path)), None
                self.json_source = is_json(text)
            except OSError as error:
                self._document, self._error = None, f"cannot read {self.path}: {error.strerror}"
            except UnicodeDecodeError:
                self._document, self._error = None, f"{self.path} is not UTF-8 text"
            except DocumentError as error:
                self._document, self._error = None, str(error)
        if self._error is not None:
            raise DocumentError(self._error)
        assert self._document is not None
        return self._document

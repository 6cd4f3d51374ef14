"""Where a plugin's files come from: a project folder, or a running plugin's base URL."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import Protocol
from urllib.parse import urljoin, urlsplit

import httpx

from scaffold_cli.checks.documents import Document
from scaffold_cli.checks.urls import PluginUrl, resolve
from scaffold_cli.errors import ScaffoldError

MANIFEST_PATH = "/.well-known/ai-plugin.json"
TIMEOUT = 10.0  # seconds per request
# What a request can raise: no answer, or a URL httpx refuses (e.g. a port that is no number).
HTTP_ERRORS = (httpx.HTTPError, httpx.InvalidURL)
# Where projects keep the manifest: the quickstart's root or .well-known/, our rendered
# src/<package>/well_known/, and a static folder.
_MANIFEST_PATTERNS = (
    "ai-plugin.json",
    ".well-known/ai-plugin.json",
    "well_known/ai-plugin.json",
    "src/*/well_known/ai-plugin.json",
    "*/well_known/ai-plugin.json",
    "*/.well-known/ai-plugin.json",
)


class CheckError(ScaffoldError):
    """The target cannot be checked at all: no manifest there, or no answer."""


class NoManifest(CheckError):
    """A URL answers, but with no manifest: it may be an MCP server instead."""


class Unavailable(Exception):
    """A file the manifest names could not be read; the message says why."""


class Source(Protocol):
    manifest: Document
    # The manifest's URL for a running plugin; None for a folder.
    base_url: str | None

    def read(self, url: PluginUrl) -> tuple[bytes, str]:
        """The content at `url` and where it was read from; raises Unavailable."""
        ...


class FolderSource:
    def __init__(self, folder: Path, manifest_path: Path) -> None:
        self.folder = folder
        self.manifest_path = manifest_path
        try:
            content = manifest_path.read_bytes()
        except OSError as error:
            raise CheckError(f"cannot read {manifest_path}: {error.strerror or error}") from None
        self.manifest = Document(content, str(manifest_path), is_url=False)
        self.base_url = None

    def read(self, url: PluginUrl) -> tuple[bytes, str]:
        path = self.locate(url.path)
        if path is None:
            raise Unavailable(f"no file for {url.path} next to {self.manifest_path}")
        try:
            return path.read_bytes(), str(path)
        except OSError as error:
            raise Unavailable(f"cannot read {path}: {error.strerror or error}") from None

    def locate(self, url_path: str) -> Path | None:
        """The file served at `url_path`: looked for beside the manifest, then at the root."""
        relative = url_path.lstrip("/")
        if not relative:
            return None
        here = self.manifest_path.parent
        roots = [here, self.folder]
        if here.name in (".well-known", "well_known"):
            roots.insert(1, here.parent)
        for root in roots:
            for candidate in (root / relative, root / PurePosixPath(relative).name):
                if candidate.is_file():
                    return candidate
        return None


class UrlSource:
    def __init__(self, target: str, client: httpx.Client) -> None:
        self.client = client
        path = urlsplit(target).path
        self.base_url = target if path.endswith(".json") else urljoin(target, MANIFEST_PATH)
        try:
            response = client.get(self.base_url)
        except HTTP_ERRORS as error:
            raise CheckError(f"cannot reach {self.base_url}: {describe(error)}") from None
        if response.is_redirect:
            location = response.headers.get("location", "")
            raise CheckError(
                f"{self.base_url} redirects ({response.status_code}) to {location}; "
                "check that URL instead"
            )
        if response.status_code != 200:
            raise NoManifest(f"no manifest at {self.base_url} (HTTP {response.status_code})")
        self.manifest = Document(response.content, self.base_url, is_url=True)

    def read(self, url: PluginUrl) -> tuple[bytes, str]:
        address = url.absolute or url.text
        try:
            response = self.client.get(address)
        except HTTP_ERRORS as error:
            raise Unavailable(f"cannot reach {address}: {describe(error)}") from None
        if response.status_code != 200:
            raise Unavailable(f"{address} answered HTTP {response.status_code}")
        return response.content, address


@contextlib.contextmanager
def open_source(target: str) -> Iterator[Source]:
    """The plugin at `target` (a folder or an http(s) URL); raises CheckError."""
    if target.startswith(("http://", "https://")):
        if resolve(target, None) is None:
            raise CheckError(f"{target} is not a URL with a host")
        # Redirects are findings, not detours: ChatGPT does not follow them.
        with httpx.Client(timeout=TIMEOUT, follow_redirects=False) as client:
            yield UrlSource(target, client)
        return
    folder = Path(target)
    if folder.is_file():
        yield FolderSource(folder.parent, folder)
        return
    if not folder.is_dir():
        raise CheckError(f"{target} is neither a folder nor an http(s) URL")
    yield FolderSource(folder, find_manifest(folder))


def find_manifest(folder: Path) -> Path:
    for pattern in _MANIFEST_PATTERNS:
        found = sorted(folder.glob(pattern))
        if found:
            return found[0]
    raise CheckError(
        f"no ai-plugin.json in {folder} (looked in ./, .well-known/ and src/*/well_known/); "
        "pass the plugin's project folder or its URL"
    )


def describe(error: Exception) -> str:
    """httpx's reason in a few words (its messages can be empty, e.g. for timeouts)."""
    return " ".join(str(error).split()) or type(error).__name__

"""A manifest or spec as read: its text, where it came from, and how to point into it."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

import yaml

from scaffold_cli.checks.findings import Report

KeyPath = Sequence[str | int]  # keys from the document's root, e.g. ("api", "url")


class DocumentSyntaxError(Exception):
    """The text is not valid JSON/YAML; line and column are 1-based."""

    def __init__(self, message: str, line: int, column: int) -> None:
        super().__init__(f"{message} (line {line} column {column})")
        self.message, self.line, self.column = message, line, column


class Document:
    def __init__(self, content: bytes, source: str, *, is_url: bool) -> None:
        self.content = content
        self.source = source  # a file path as the user would type it, or a URL
        self.is_url = is_url
        self._text: str | None = None
        self._tree: yaml.Node | None = None
        self._composed = False

    @property
    def text(self) -> str:
        if self._text is None:
            try:
                self._text = self.content.decode("utf-8")
            except UnicodeDecodeError as error:
                line = self.content.count(b"\n", 0, error.start) + 1
                raise DocumentSyntaxError("the file is not UTF-8", line, 1) from None
        return self._text

    def parse_json(self) -> Any:
        try:
            return json.loads(self.text)
        except json.JSONDecodeError as error:
            raise DocumentSyntaxError(error.msg, error.lineno, error.colno) from None

    def parse(self) -> Any:
        """JSON or YAML; JSON first, so a JSON file's errors are the JSON decoder's."""
        if self.text.lstrip().startswith("{"):
            return self.parse_json()
        try:
            return yaml.safe_load(self.text)
        except yaml.MarkedYAMLError as error:
            mark = error.problem_mark or error.context_mark
            line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
            raise DocumentSyntaxError(error.problem or str(error), line, column) from None
        except yaml.YAMLError as error:
            raise DocumentSyntaxError(str(error), 1, 1) from None

    def at_line(self, line: int) -> str:
        return self.source if self.is_url else f"{self.source}:{line}"

    def where(self, *path: str | int) -> str:
        """`file:line` of the deepest key of `path` that exists, or `URL#/json/pointer`."""
        if self.is_url:
            return f"{self.source}#{pointer(path)}" if path else self.source
        return f"{self.source}:{self.line_of(path)}"

    def line_of(self, path: KeyPath) -> int:
        tree = self._compose()
        if tree is None:
            return self._line_by_search(path)
        line, node = 1, tree
        for key in path:
            if isinstance(node, yaml.MappingNode):
                entry = next((e for e in node.value if e[0].value == str(key)), None)
                if entry is None:
                    break
                line, node = entry[0].start_mark.line + 1, entry[1]
            elif isinstance(node, yaml.SequenceNode) and isinstance(key, int):
                if key >= len(node.value):
                    break
                node = node.value[key]
                line = node.start_mark.line + 1
            else:
                break
        return line

    def _compose(self) -> yaml.Node | None:
        if not self._composed:
            self._composed = True
            try:
                self._tree = yaml.compose(self.text)
            except (yaml.YAMLError, DocumentSyntaxError):
                self._tree = None
        return self._tree

    def _line_by_search(self, path: KeyPath) -> int:
        """Where YAML cannot read a JSON file (tabs): find each key after its parent's."""
        position, line = 0, 1
        for key in path:
            if isinstance(key, int):
                continue
            match = re.compile(rf'"{re.escape(key)}"\s*:').search(self.text, position)
            if match is None:
                break
            position = match.end()
            line = self.text.count("\n", 0, match.start()) + 1
        return line


def pointer(path: KeyPath) -> str:
    """The JSON pointer (RFC 6901) for `path`."""
    return "".join("/" + str(key).replace("~", "~0").replace("/", "~1") for key in path)


def parse_object(
    doc: Document, *, json_only: bool, rule: str, kind: str, shape_fix: str, report: Report
) -> dict[str, Any] | None:
    """The document as a JSON/YAML object, or None with the reason reported under `rule`."""
    try:
        data = doc.parse_json() if json_only else doc.parse()
    except DocumentSyntaxError as error:
        report.add(
            rule,
            "error",
            doc.at_line(error.line),
            f"the {kind} is not valid {'JSON' if json_only else 'YAML/JSON'} at line "
            f"{error.line} column {error.column}: {error.message}",
            "fix the JSON there (a trailing comma is the usual culprit)"
            if json_only
            else "fix the syntax there",
        )
        return None
    if not isinstance(data, dict):
        report.add(
            rule,
            "error",
            doc.where(),
            f"the {kind} is not a {'JSON' if json_only else 'YAML/JSON'} object",
            shape_fix,
        )
        return None
    return data

"""Rules for an MCP server's tools as `tools/list` gives them (camelCase, as on the wire)."""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from jsonschema import Draft202012Validator, SchemaError

from scaffold_cli.checks.documents import pointer
from scaffold_cli.checks.findings import Report

Tool = dict[str, Any]

# The portable form: ChatGPT, OpenAI's function calling and most clients take these names.
# (The MCP spec allows "." and up to 128; a client that maps tools to functions does not.)
NAME = re.compile(r"[A-Za-z0-9_-]{1,64}")
# OpenAI's function calling refused tool descriptions over 1,024 characters until 2025
# (string_above_max_length), agent frameworks still cut them there, and every client sends
# each description to the model with every message: what is past it is read by nobody.
DESCRIPTION_MAX = 1024
# The words of a name that say a call destroys something.
DESTRUCTIVE_WORDS = {"delete", "remove", "destroy", "drop", "purge", "erase", "wipe"}
HINTS = ("readOnlyHint", "destructiveHint", "idempotentHint", "openWorldHint")


def check_tools(tools: list[Tool], report: Report) -> None:
    counts = Counter(tool["name"] for tool in tools if isinstance(tool.get("name"), str))
    reported: set[str] = set()
    for index, tool in enumerate(tools):
        name = tool.get("name")
        label = label_of(tool, index)
        if not isinstance(name, str) or not NAME.fullmatch(name):
            report.add(
                "mcp.tool.name",
                "error",
                label,
                f"the tool name {name!r} is not 1-64 letters, digits, '_' or '-'",
                "rename the tool, e.g. getTodos or get_todos (no spaces, dots or slashes)",
            )
        if isinstance(name, str) and counts[name] > 1 and name not in reported:
            reported.add(name)
            report.add(
                "mcp.tool.unique",
                "error",
                label,
                f"{counts[name]} tools are named {name!r}; a client can call only one of them",
                "give each tool its own name",
            )
        _check_description(tool, label, report)
        _check_schemas(tool, label, report)
        _check_annotations(tool, label, report)


def label_of(tool: Tool, index: int) -> str:
    """How findings name a tool: its name, or its place in the listing when it has none."""
    name = tool.get("name")
    return name if isinstance(name, str) and name.strip() else f"tools[{index}]"


def _check_description(tool: Tool, label: str, report: Report) -> None:
    description = tool.get("description")
    if not isinstance(description, str) or not description.strip():
        report.add(
            "mcp.tool.description",
            "warning",
            label,
            "the tool has no description; the model picks tools by their descriptions",
            "describe what the tool does and when to use it, in a sentence or two",
        )
    elif len(description) > DESCRIPTION_MAX:
        report.add(
            "mcp.tool.description",
            "warning",
            label,
            f"the description is {len(description)} characters, over {DESCRIPTION_MAX}: "
            "clients send it to the model with every message, and some cut it there",
            f"shorten it to at most {DESCRIPTION_MAX} characters; put details in the "
            "parameters' descriptions",
        )


def _check_schemas(tool: Tool, label: str, report: Report) -> None:
    _check_schema(
        report,
        "mcp.schema.input",
        f"{label}#/inputSchema",
        tool.get("inputSchema"),
        invalid_fix="fix the schema there; clients validate arguments with it",
        not_object="MCP asks for type 'object'",
        object_fix='wrap the arguments in {"type": "object", "properties": {...}}',
    )
    if tool.get("outputSchema") is None:  # none (null is what some servers send for none)
        return
    _check_schema(
        report,
        "mcp.schema.output",
        f"{label}#/outputSchema",
        tool.get("outputSchema"),
        invalid_fix="fix the schema there; the SDK's client fails every call to a tool whose "
        "outputSchema it cannot compile",
        not_object="protocol versions before 2026-07-28 allow only 'object', and the SDK's "
        "client refuses the whole tools/list there",
        object_fix='wrap the result, e.g. {"type": "object", "properties": {"result": ...}}',
    )


def _check_schema(
    report: Report,
    rule: str,
    where: str,
    schema: Any,
    *,
    invalid_fix: str,
    not_object: str,
    object_fix: str,
) -> None:
    """One of a tool's schemas: valid JSON Schema, of type object."""
    name = where.rpartition("/")[2]
    problem = schema_problem(schema)
    if problem is not None:
        message, at = problem
        report.add(
            rule,
            "error",
            where + at,
            f"{name} is not valid JSON Schema (draft 2020-12): {message}",
            invalid_fix,
        )
    elif schema.get("type") != "object":
        message = f"{name} has type {schema.get('type')!r}; {not_object}"
        report.add(rule, "error", where, message, object_fix)


def schema_problem(schema: Any) -> tuple[str, str] | None:
    """Why `schema` is not a valid draft 2020-12 schema object, and where (a JSON pointer)."""
    if not isinstance(schema, dict):
        return f"it is {type(schema).__name__}, not an object", ""
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as error:
        return error.message, pointer(list(error.absolute_path))
    return None


def _check_annotations(tool: Tool, label: str, report: Report) -> None:
    annotations = tool.get("annotations")
    hints = annotations if isinstance(annotations, dict) else {}
    if not any(key in hints for key in HINTS):
        report.add(
            "mcp.annotations",
            "warning",
            label,
            "the tool has no annotations, so clients must assume it changes and destroys data "
            "(the spec's defaults) and may ask the user to confirm each call",
            "set annotations.readOnlyHint (true for a tool that only reads), and "
            "destructiveHint, idempotentHint and openWorldHint for the others",
        )
    words = set(name_words(tool.get("name")))
    destructive = sorted(words & DESTRUCTIVE_WORDS)
    if destructive and hints.get("destructiveHint") is not True:
        report.add(
            "mcp.annotations.destructive",
            "warning",
            label,
            f"the name says {destructive[0]!r} but annotations.destructiveHint is not true, "
            "so a client may run it without asking",
            "set annotations.destructiveHint: true (and readOnlyHint: false); clients differ "
            "on the default, so say it",
        )


def name_words(name: Any) -> list[str]:
    """The words of a tool name, lowercase: deleteTodo, delete_todo and DELETE-TODO alike."""
    if not isinstance(name, str):
        return []
    return [word.lower() for word in re.findall(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+", name)]


def callable_without_arguments(tool: Tool) -> bool:
    """A tool the check may call: read-only, nothing required, and schemas a client accepts."""
    annotations = tool.get("annotations")
    schema = tool.get("inputSchema")
    return (
        isinstance(annotations, dict)
        and annotations.get("readOnlyHint") is True
        and isinstance(tool.get("name"), str)
        and schema_problem(schema) is None
        and not schema.get("required")
        and (tool.get("outputSchema") is None or schema_problem(tool["outputSchema"]) is None)
    )

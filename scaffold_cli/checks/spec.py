"""Rules for the OpenAPI spec that the manifest's api.url names."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache
from itertools import islice
from typing import Any

from jsonschema.exceptions import best_match
from jsonschema.validators import validator_for
from openapi_spec_validator import (
    OpenAPIV2SpecValidator,
    OpenAPIV30SpecValidator,
    OpenAPIV31SpecValidator,
    OpenAPIV32SpecValidator,
)
from openapi_spec_validator.schemas import schema_v2, schema_v30, schema_v31, schema_v32
from openapi_spec_validator.shortcuts import get_validator_cls
from openapi_spec_validator.validation.exceptions import (
    DuplicateOperationIDError,
    ValidatorDetectError,
)

from scaffold_cli.checks import descriptions
from scaffold_cli.checks.documents import Document, parse_object, pointer
from scaffold_cli.checks.findings import Report
from scaffold_cli.checks.manifest import plugin_host, url_field
from scaffold_cli.checks.sources import Source, Unavailable
from scaffold_cli.checks.urls import PLACEHOLDER, is_local, resolve

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
PLUGIN_LIMIT = 200  # summaries and descriptions, for plugins
ACTION_ENDPOINT_LIMIT = 300  # an endpoint's description, for GPT Actions
ACTION_PARAMETER_LIMIT = 700  # a parameter's description, for GPT Actions
MAX_OPERATIONS = 30  # GPT Builder refuses more (reported, not documented)
MAX_VALIDATOR_ERRORS = 10
_META_SCHEMAS = {
    OpenAPIV2SpecValidator: schema_v2,
    OpenAPIV30SpecValidator: schema_v30,
    OpenAPIV31SpecValidator: schema_v31,
    OpenAPIV32SpecValidator: schema_v32,
}
# Descriptions that list the allowed values in prose: "one of: a, b, c", "either X or Y".
_VALUE_LIST = re.compile(
    r"\bone\s+of\s*:?\s*[\"'`]?[\w.-]+[\"'`]?\s*(,|/|\bor\b)"
    r"|\beither\s+[\"'`]?[\w.-]+[\"'`]?\s+or\s+[\"'`]?[\w.-]+"
    r"|\b(possible|allowed|valid|accepted|supported)\s+values\b",
    re.IGNORECASE,
)


class Spec:
    """The spec's document and parsed data."""

    def __init__(self, doc: Document, data: dict[str, Any]) -> None:
        self.doc, self.data = doc, data

    def operations(self) -> Iterator[tuple[str, str, dict[str, Any]]]:
        """(path, method, operation) for every operation."""
        paths = self.data.get("paths")
        for path, item in paths.items() if isinstance(paths, dict) else ():
            if isinstance(item, dict):
                for method in METHODS:
                    if isinstance(item.get(method), dict):
                        yield str(path), method, item[method]

    def server_url(self) -> str | None:
        """servers[0].url, where ChatGPT sends the API calls."""
        servers = self.data.get("servers")
        first = servers[0] if isinstance(servers, list) and servers else None
        url = first.get("url") if isinstance(first, dict) else None
        return url if isinstance(url, str) else None

    def parameters(self, path: str, method: str) -> list[dict[str, Any]]:
        """The operation's parameters and its path's, with local $refs followed."""
        item = self.data["paths"][path]
        found = []
        for owner in (item, item[method]):
            for parameter in owner.get("parameters") or ():
                parameter = self.follow(parameter)
                if isinstance(parameter, dict):
                    found.append(parameter)
        return found

    def follow(self, node: Any) -> Any:
        """`node`, or what its local `$ref` points at (None when it points nowhere)."""
        for _ in range(10):  # $refs may chain; a cycle stops here
            if not (isinstance(node, dict) and isinstance(node.get("$ref"), str)):
                return node
            ref = node["$ref"]
            if not ref.startswith("#/"):
                return None
            node = self.data
            for key in ref[2:].split("/"):
                key = key.replace("~1", "/").replace("~0", "~")
                node = node.get(key) if isinstance(node, dict) else None
        return None


def load_spec(source: Source, manifest: dict[str, Any], report: Report) -> Spec | None:
    """Read the spec from api.url; report why when it cannot be read or parsed."""
    api = url_field(manifest, ("api", "url"), source.base_url)
    if api is None:
        return None  # the manifest's findings say why
    try:
        content, where = source.read(api)
    except Unavailable as error:
        report.add(
            "spec.unavailable",
            "error",
            source.manifest.where("api", "url"),
            f"cannot read the OpenAPI spec: {error}",
            "serve the spec at api.url"
            if source.base_url
            else "keep the spec where api.url's path points, next to the manifest",
        )
        return None
    doc = Document(content, where, is_url=source.base_url is not None)
    data = parse_object(
        doc,
        json_only=False,
        rule="spec.syntax",
        kind="spec",
        shape_fix="write an OpenAPI document (openapi: 3.0.1, info, paths)",
        report=report,
    )
    return None if data is None else Spec(doc, _string_keys(data))


def _string_keys(node: Any) -> Any:
    """YAML reads `200:` as a number; JSON, and so ChatGPT and the validator, see "200"."""
    if isinstance(node, dict):
        return {str(key): _string_keys(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_string_keys(value) for value in node]
    return node


def check_spec(spec: Spec, manifest: dict[str, Any], base: str | None, report: Report) -> None:
    _check_valid(spec, report)
    _check_servers(spec, manifest, base, report)
    _check_operations(spec, report)
    _check_fields(spec, report)


def _check_valid(spec: Spec, report: Report) -> None:
    fix = "fix the spec so openapi-spec-validator accepts it"
    if "swagger" in spec.data:
        report.add(
            "spec.openapi.version",
            "warning",
            spec.doc.where("swagger"),
            "the spec is Swagger 2.0; ChatGPT's examples and GPT Actions use OpenAPI 3",
            "convert it to OpenAPI 3.0 or 3.1",
        )
    key = "swagger" if "swagger" in spec.data else "openapi"
    try:
        if not isinstance(spec.data.get(key), str):  # YAML reads `openapi: 3.1` as a number
            raise ValidatorDetectError
        validator_cls = get_validator_cls(spec.data)
    except ValidatorDetectError:
        report.add(
            "spec.openapi.invalid",
            "error",
            spec.doc.where(key) if key in spec.data else spec.doc.where(),
            f"{key} {spec.data[key]!r} is not an OpenAPI version string"
            if key in spec.data
            else "the spec has no openapi field",
            'start the spec with openapi: "3.0.1" (quoted, so YAML reads a string)',
        )
        return
    try:
        problems = list(islice(_schema_errors(validator_cls, spec.data), MAX_VALIDATOR_ERRORS))
    except Exception as error:  # noqa: BLE001 - a crash in a validator is a finding, not ours
        problems = [(f"the OpenAPI schema check failed: {type(error).__name__}: {error}", ())]
    if not problems:
        problems = _semantic_errors(validator_cls, spec.data)
    for message, path in problems:
        at = f"at {pointer(path)}: " if path else ""
        report.add("spec.openapi.invalid", "error", spec.doc.where(*path), at + message, fix)


def _schema_errors(validator_cls: type, data: dict[str, Any]) -> Iterator[tuple[str, tuple]]:
    """The spec against the OpenAPI schema, each error narrowed to the part that is wrong.

    openapi-spec-validator runs this same schema first, but its Rust backend (used when
    installed) reports a bad schema object only as "not valid under any of oneOf".
    """
    for error in _meta_validator(validator_cls).iter_errors(data):
        best = best_match([error]) or error
        yield _one_line(best.message), tuple(best.absolute_path)


@cache
def _meta_validator(validator_cls: type) -> Any:
    meta = dict(_META_SCHEMAS[validator_cls])
    return validator_for(meta)(meta)


def _semantic_errors(validator_cls: type, data: dict[str, Any]) -> list[tuple[str, tuple]]:
    """openapi-spec-validator's own checks past the schema: $refs resolve, parameters, ..."""
    problems: list[tuple[str, tuple]] = []
    try:
        for error in validator_cls(data).iter_errors():
            if isinstance(error, DuplicateOperationIDError):
                continue  # spec.operation_id.unique says it, with both places
            problems.append((_one_line(error.message), tuple(error.absolute_path)))
            if len(problems) == MAX_VALIDATOR_ERRORS:
                break
    except Exception as error:  # noqa: BLE001 - a crash in a validator is a finding, not ours
        problems.append((f"openapi-spec-validator failed: {type(error).__name__}: {error}", ()))
    return problems


def _one_line(message: str) -> str:
    message = " ".join(message.split("\n", 1)[0].split())
    return message if len(message) <= 200 else message[:197] + "..."


def _check_servers(spec: Spec, manifest: dict[str, Any], base: str | None, report: Report) -> None:
    text = spec.server_url()
    if text is None:
        report.add(
            "spec.servers.missing",
            "error",
            spec.doc.where("servers") if "servers" in spec.data else spec.doc.where(),
            "the spec has no servers[0].url; ChatGPT calls the API there",
            "add servers: [{url: <the API's base URL>}]",
        )
        return
    where = spec.doc.where("servers", 0, "url")
    if base is not None and text.startswith(PLACEHOLDER):
        report.add(
            "spec.servers.host",
            "error",
            where,
            f"servers[0].url still says {PLACEHOLDER} as served",
            f"replace {PLACEHOLDER} with the request's scheme and host when serving",
        )
        return
    url = resolve(text, spec.doc.source if base is not None else None)
    if url is None or url.own_host or "{" in text:
        return  # a relative URL is on the spec's own host; variables cannot be told
    if url.scheme == "http" and not is_local(text):
        report.add(
            "spec.servers.https",
            "error",
            where,
            f"servers[0].url {text} uses plain HTTP",
            "use https:// (only localhost may use HTTP)",
        )
    host = plugin_host(manifest, base)
    if url.host != host:
        report.add(
            "spec.servers.host",
            "error" if host else "warning",
            where,
            f"servers[0].url {text} is not on the manifest's host"
            + (f" ({host})" if host else " (it uses its own)"),
            "make servers[0].url the base URL the manifest is served from",
        )


def _check_operations(spec: Spec, report: Report) -> None:
    seen: dict[str, str] = {}
    count = 0
    for path, method, operation in spec.operations():
        count += 1
        at = (path, method)
        where = spec.doc.where("paths", *at)
        operation_id = operation.get("operationId")
        if not isinstance(operation_id, str) or not operation_id:
            report.add(
                "spec.operation_id.missing",
                "error",
                where,
                f"{method.upper()} {path} has no operationId; ChatGPT skips it",
                "add an expressive operationId, e.g. addTodo",
            )
        elif operation_id in seen:
            report.add(
                "spec.operation_id.unique",
                "error",
                spec.doc.where("paths", *at, "operationId"),
                f"operationId {operation_id} is used by {seen[operation_id]} and "
                f"{method.upper()} {path}",
                "give each operation its own operationId",
            )
        else:
            seen[operation_id] = f"{method.upper()} {path}"
        for key in ("summary", "description"):
            text = operation.get(key)
            if not isinstance(text, str):
                continue
            key_where = spec.doc.where("paths", *at, key)
            if len(text) > PLUGIN_LIMIT:
                report.add(
                    "spec.description.length",
                    "error",
                    key_where,
                    f"the {key} of {method.upper()} {path} is {len(text)} characters; "
                    f"plugins allow {PLUGIN_LIMIT}",
                    f"shorten it to {PLUGIN_LIMIT} characters or fewer",
                )
            if len(text) > ACTION_ENDPOINT_LIMIT:
                report.add(
                    "spec.description.action_length",
                    "warning",
                    key_where,
                    f"the {key} of {method.upper()} {path} is {len(text)} characters; "
                    f"GPT Actions allow {ACTION_ENDPOINT_LIMIT} per endpoint",
                    f"shorten it to {ACTION_ENDPOINT_LIMIT} characters or fewer",
                )
            for lint, words in descriptions.lint(text):
                report.add(
                    lint.rule,
                    "warning",
                    key_where,
                    f'the {key} of {method.upper()} {path} {lint.what}: "{words}"',
                    lint.fix,
                )
    if count > MAX_OPERATIONS:
        report.add(
            "spec.operations.count",
            "warning",
            spec.doc.where("paths"),
            f"the spec has {count} operations; GPT Builder refuses more than {MAX_OPERATIONS}",
            "expose only the operations the model needs (the spec may describe a subset)",
        )


def _check_fields(spec: Spec, report: Report) -> None:
    """Parameter and property descriptions: their length, and value lists that want an enum."""
    for node, path in _walk(spec.data, ()):
        text = node.get("description")
        if not isinstance(text, str):
            continue
        is_parameter = isinstance(node.get("in"), str) and isinstance(node.get("name"), str)
        is_property = len(path) >= 2 and path[-2] == "properties"
        if not (is_parameter or is_property):
            continue
        label = f"parameter {node['name']}" if is_parameter else f"property {path[-1]}"
        where = spec.doc.where(*path, "description")
        if is_parameter and len(text) > PLUGIN_LIMIT:
            report.add(
                "spec.description.length",
                "error",
                where,
                f"the description of {label} is {len(text)} characters; plugins allow "
                f"{PLUGIN_LIMIT}",
                f"shorten it to {PLUGIN_LIMIT} characters or fewer",
            )
        if len(text) > ACTION_PARAMETER_LIMIT:
            report.add(
                "spec.description.action_length",
                "warning",
                where,
                f"the description of {label} is {len(text)} characters; GPT Actions allow "
                f"{ACTION_PARAMETER_LIMIT} per parameter",
                f"shorten it to {ACTION_PARAMETER_LIMIT} characters or fewer",
            )
        schema = spec.follow(node.get("schema")) if is_parameter else node
        if _is_free_string(schema) and _VALUE_LIST.search(text):
            report.add(
                "spec.enum.hint",
                "hint",
                where,
                f"{label} lists its values in prose but has no enum",
                "add enum: [...] with the allowed values, so the model picks a valid one",
            )


def _is_free_string(schema: Any) -> bool:
    if not isinstance(schema, dict) or "enum" in schema or "const" in schema:
        return False
    kind = schema.get("type")
    return kind == "string" or (isinstance(kind, list) and "string" in kind)


def _walk(node: Any, path: tuple[str | int, ...]) -> Iterator[tuple[dict[str, Any], tuple]]:
    """Every object in the spec with its path, skipping example values."""
    if isinstance(node, dict):
        yield node, path
        for key, value in node.items():
            if key not in ("example", "examples"):
                yield from _walk(value, (*path, str(key)))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _walk(value, (*path, index))

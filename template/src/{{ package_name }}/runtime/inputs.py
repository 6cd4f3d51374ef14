# Owned by the template: `plugin-scaffold update` rewrites this file. Keep your code out of it.
"""An operation's inputs, read from a call and checked against openapi.yaml before its handler
runs: the spec is the one place where input rules live, and every framework answers a broken
rule with the same JSON 400, naming the input and the rule.

Schemas are compiled once by fastjsonschema into plain Python: a check costs a couple of
microseconds, where a general validator (openapi-core, jsonschema) costs a large share of a quick
call. OpenAPI 3.0's schemas are JSON Schema draft 4 with a few words of their own (nullable,
example, ...), translated below.
"""

from __future__ import annotations

import json
import keyword
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import fastjsonschema

from .errors import bad_request
from .payloads import SPACES, json_object

if TYPE_CHECKING:
    from .operations import Call

DRAFT_4 = "http://json-schema.org/draft-04/schema#"
# OpenAPI's words that JSON Schema lacks, or that say nothing about validity.
NOT_JSON_SCHEMA = {"nullable", "example", "xml", "externalDocs", "discriminator", "deprecated"}
# Formats OpenAPI names for documentation only (int32, password, ...) pass as they are.
FORMATS: dict[str, Callable[[str], bool]] = {
    "date": lambda value: _parses(date.fromisoformat, value) and len(value) == 10,
    "date-time": lambda value: _parses(datetime.fromisoformat, value.replace("Z", "+00:00")),
    **{
        name: lambda _value: True
        for name in ("int32", "int64", "float", "double", "byte", "binary", "password", "uuid")
    },
}
MISSING = object()
# Each translated pattern as openapi.yaml writes it, for error messages.
AS_WRITTEN: dict[str, str] = {}
# JSON Schema's patterns are ECMA-262 regular expressions, whose classes are ASCII-only where
# Python's are Unicode-wide (\d matches "١" in Python), and whose \s is a set of its own.
ECMA_CLASSES = {
    "d": "0-9",
    "w": "A-Za-z0-9_",
    "s": "".join(f"\\u{ord(space):04x}" for space in SPACES),
}


class InputError(Exception):
    """openapi.yaml describes an input this runtime cannot read; the message says which."""


@dataclass(frozen=True)
class Parameter:
    name: str  # as the spec names it
    argument: str  # the handler's keyword for it
    location: str  # path, query or header
    required: bool
    kind: str  # the schema's type
    item_kind: str  # an array's items' type
    check: Callable[[Any], Any]
    schema: dict[str, Any]  # as published: JSON Schema with every $ref inlined
    default: Any = MISSING

    @property
    def what(self) -> str:
        return f'{self.location} parameter "{self.name}"'


@dataclass(frozen=True)
class Inputs:
    parameters: tuple[Parameter, ...] = ()
    body_check: Callable[[Any], Any] | None = None
    body_required: bool = False
    body_fields: tuple[tuple[str, str], ...] = ()  # (field, argument)
    body_schema: dict[str, Any] | None = None  # as published

    def schema(self) -> dict[str, Any]:
        """All the inputs as one object, as MCP's inputSchema: the parameters, then the body's
        fields, each under its name in the spec (names never clash: operation_inputs refuses)."""
        properties = {p.name: p.schema for p in self.parameters}
        required = [p.name for p in self.parameters if p.required]
        if self.body_schema is not None:
            properties.update(self.body_schema.get("properties", {}))
            if self.body_required:
                required += self.body_schema.get("required", [])
        schema: dict[str, Any] = {"type": "object", "properties": properties}
        if required:
            schema["required"] = required
        schema["additionalProperties"] = False  # read_arguments refuses any other
        return schema

    @property
    def names(self) -> tuple[str, ...]:
        """The handler's keyword arguments: parameters first, then the body's fields."""
        return tuple(p.argument for p in self.parameters) + tuple(a for _, a in self.body_fields)

    def read(self, call: Call) -> dict[str, Any]:
        arguments: dict[str, Any] = {}
        for parameter in self.parameters:
            value = _parameter(parameter, call)
            if value is not MISSING:
                arguments[parameter.argument] = value
        if self.body_check is not None and (self.body_required or call.body.strip()):
            payload = json_object(call.body)
            self._take_body(self.body_check, payload, _body_subject, arguments)
        return arguments

    def read_arguments(self, given: dict[str, Any]) -> dict[str, Any]:
        """The handler's keyword arguments from one JSON object of inputs (an MCP tool call's
        arguments), checked by the same schemas as an HTTP request's."""
        arguments: dict[str, Any] = {}
        names = {p.name for p in self.parameters}
        for parameter in self.parameters:
            if parameter.name not in given:
                if parameter.required:
                    raise bad_request(f'missing argument "{parameter.name}"')
                if parameter.default is not MISSING:
                    arguments[parameter.argument] = parameter.default
                continue
            value = given[parameter.name]
            _check(parameter.check, value, _argument_subject_of(parameter.name))
            _refuse_lone_surrogates(value, f'argument "{parameter.name}"')
            arguments[parameter.argument] = value
        fields = {name for name, _ in self.body_fields}
        unknown = next((key for key in given if key not in names and key not in fields), None)
        if unknown is not None:
            raise bad_request(
                f'there is no argument "{unknown}"; the tool\'s inputSchema lists them'
            )
        payload = {key: value for key, value in given.items() if key in fields}
        if self.body_check is not None and (self.body_required or payload):
            self._take_body(self.body_check, payload, _argument_subject, arguments)
        return arguments

    def _take_body(
        self,
        check: Callable[[Any], Any],
        payload: dict[str, Any],
        subject: Callable[[str], str],
        arguments: dict[str, Any],
    ) -> None:
        """Check the JSON body's fields against its schema, then hand them to the handler."""
        _check(check, payload, subject)
        _refuse_lone_surrogates(payload, subject(""))
        for name, argument in self.body_fields:
            if name in payload:
                arguments[argument] = payload[name]


def operation_inputs(spec: dict[str, Any], item: dict[str, Any], details: dict[str, Any]) -> Inputs:
    """The inputs of one operation: the path item's parameters, its own, and its JSON body."""
    by_key: dict[tuple[str, str], dict[str, Any]] = {}
    for raw in [*item.get("parameters", []), *details.get("parameters", [])]:
        parameter = _resolved(spec, raw)
        by_key[(parameter["name"], parameter["in"])] = parameter  # the operation's own win
    parameters = tuple(_parameter_of(spec, p) for p in by_key.values())
    inputs = Inputs(parameters=parameters)
    if "requestBody" in details:
        body = _resolved(spec, details["requestBody"])
        media = body.get("content", {}).get("application/json")
        if media is None:
            raise InputError("its requestBody must have an application/json schema")
        schema = _json_schema(spec, media.get("schema", {}))
        if schema.get("type") != "object":
            raise InputError("its JSON body's schema must be of type object")
        fields = tuple((name, argument_name(name)) for name in schema.get("properties", {}))
        published = json_schema(spec, media.get("schema", {}))
        required = bool(body.get("required"))
        inputs = Inputs(parameters, _compiled(schema), required, fields, published)
    arguments = inputs.names
    clash = next((name for name in arguments if arguments.count(name) > 1), None)
    if clash:
        raise InputError(f'two of its inputs are both named "{clash}"; rename one in openapi.yaml')
    return inputs


def argument_name(name: str) -> str:
    """An input's name as a Python keyword: player_ids[] is player_ids, class is class_."""
    argument = re.sub(r"\W+", "_", name).strip("_") or "_"
    if argument[0].isdigit():
        argument = "_" + argument
    return argument + "_" if keyword.iskeyword(argument) else argument


def _parameter_of(spec: dict[str, Any], parameter: dict[str, Any]) -> Parameter:
    location = parameter["in"]
    if location not in ("path", "query", "header"):
        raise InputError(f'its {location} parameter "{parameter["name"]}" is not supported')
    schema = _json_schema(spec, parameter.get("schema", {}))
    kind = schema.get("type", "string")
    item_kind = schema.get("items", {}).get("type", "string") if kind == "array" else ""
    return Parameter(
        name=parameter["name"],
        argument=argument_name(parameter["name"]),
        location=location,
        required=bool(parameter.get("required")) or location == "path",
        kind=kind if isinstance(kind, str) else kind[0],
        item_kind=item_kind,
        check=_compiled(schema),
        schema=_described(json_schema(spec, parameter.get("schema", {})), parameter),
        default=schema.get("default", MISSING),
    )


def _described(schema: dict[str, Any], parameter: dict[str, Any]) -> dict[str, Any]:
    """The schema with the parameter's description, which OpenAPI keeps beside it."""
    if "description" in parameter and "description" not in schema:
        return {"description": parameter["description"], **schema}
    return schema


def _parameter(parameter: Parameter, call: Call) -> Any:
    """A parameter's value, converted to its schema's type and checked; MISSING when absent."""
    if parameter.location == "query":
        values = call.query.getlist(parameter.name)
    else:
        source = call.path if parameter.location == "path" else call.headers
        value = source.get(parameter.name)
        values = [] if value is None else [value]
    if not values:
        if parameter.required:
            raise bad_request(f"missing {parameter.what}")
        return parameter.default
    if parameter.kind == "array":
        value = [_converted(item, parameter.item_kind, parameter.what) for item in values]
    elif len(values) > 1:
        # Frameworks disagree on which of two values they return, so a repeat is refused.
        raise bad_request(f"{parameter.what} must be given at most once")
    else:
        value = _converted(values[0], parameter.kind, parameter.what)
    _check(parameter.check, value, lambda path: parameter.what + path)
    return value


def _converted(value: str, kind: str, what: str) -> Any:
    """Text from a URL as the type its schema names."""
    if kind == "integer":
        digits = value[1:] if value.startswith("-") else value
        # 18 digits always fit in 64 bits; int() of a huge string would be slow or refused.
        if not digits.isascii() or not digits.isdigit() or len(digits) > 18:
            raise bad_request(f"{what} must be a whole number of at most 18 digits")
        return int(value)
    if kind == "number":
        try:
            number = float(value)
        except ValueError:
            number = math.nan
        if not math.isfinite(number):
            raise bad_request(f"{what} must be a number")
        return number
    if kind == "boolean":
        if value not in ("true", "false"):
            raise bad_request(f"{what} must be true or false")
        return value == "true"
    return value


def _check(check: Callable[[Any], Any], value: Any, subject: Callable[[str], str]) -> None:
    try:
        check(value)
    except fastjsonschema.JsonSchemaValueException as error:
        raise bad_request(_message(error, subject)) from None


def _message(error: fastjsonschema.JsonSchemaValueException, subject: Callable[[str], str]) -> str:
    """One line naming the input and the spec's rule it broke."""
    name = error.name or "data"
    where = name[len("data") :]  # the validator calls the whole value "data"
    rule, limit = error.rule, error.rule_definition
    if rule == "required" and isinstance(error.value, dict):
        missing = [field for field in limit if field not in error.value]
        return f"missing {subject(f'{where}.{missing[0]}' if missing else where)}"
    if rule == "additionalProperties" and isinstance(error.value, dict):
        known = (error.definition or {}).get("properties", {})
        extra = next((key for key in error.value if key not in known), "?")
        return f'{subject(where)} has a field "{extra}" that openapi.yaml does not allow'
    wording = RULES.get(rule or "")
    if wording is not None:
        return f"{subject(where)} must {wording(limit)}"
    rest = error.message[len(name) :] if error.message.startswith(name) else f" {error.message}"
    return f"{subject(where)}{rest}"


def _kind(kind: Any) -> str:
    kinds = kind if isinstance(kind, list) else [kind]
    return " or ".join(("an " if k[0] in "aeiou" else "a ") + k for k in kinds if k != "null") + (
        " or null" if "null" in kinds else ""
    )


# The spec's rules in words, each completing "... must".
RULES: dict[str, Callable[[Any], str]] = {
    "type": lambda kind: f"be {_kind(kind)}",
    "minLength": lambda n: f"be at least {n} characters (minLength)",
    "maxLength": lambda n: f"be at most {n} characters (maxLength)",
    "minimum": lambda n: f"be at least {n} (minimum)",
    "maximum": lambda n: f"be at most {n} (maximum)",
    "exclusiveMinimum": lambda _: "be above the minimum (exclusiveMinimum)",
    "exclusiveMaximum": lambda _: "be below the maximum (exclusiveMaximum)",
    "minItems": lambda n: f"hold at least {n} items (minItems)",
    "maxItems": lambda n: f"hold at most {n} items (maxItems)",
    "uniqueItems": lambda _: "hold each item once (uniqueItems)",
    "pattern": lambda pattern: f"match the pattern {AS_WRITTEN.get(pattern, pattern)} (pattern)",
    "enum": lambda values: "be one of " + ", ".join(json.dumps(v) for v in values),
    "format": lambda name: {
        "date": "be a date written YYYY-MM-DD, such as 2024-01-31 (format: date)",
        "date-time": "be a date and time such as 2024-01-31T12:00:00Z (format: date-time)",
    }.get(name, f"be {name} (format)"),
    "multipleOf": lambda n: f"be a multiple of {n} (multipleOf)",
}


def _body_subject(where: str) -> str:
    return f'field "{where.lstrip(".")}"' if where else "request body"


def _argument_subject_of(name: str) -> Callable[[str], str]:
    return lambda where: f'argument "{name}{where}"'


def _argument_subject(where: str) -> str:
    return f'argument "{where.lstrip(".")}"' if where else "arguments"


def _refuse_lone_surrogates(value: Any, where: str) -> None:
    """A JSON escape such as \\udc00 can carry half a surrogate pair, which no database stores."""
    if isinstance(value, str):
        try:
            value.encode()
        except UnicodeEncodeError:
            raise bad_request(
                f"{where} holds half a surrogate pair (a lone \\ud800-\\udfff)"
            ) from None
    elif isinstance(value, dict):
        for key, item in value.items():
            _refuse_lone_surrogates(key, where)
            _refuse_lone_surrogates(item, f'field "{key}"' if where == "request body" else where)
    elif isinstance(value, list):
        for item in value:
            _refuse_lone_surrogates(item, where)


def _compiled(schema: dict[str, Any]) -> Callable[[Any], Any]:
    try:
        return fastjsonschema.compile({**schema, "$schema": DRAFT_4}, formats=FORMATS)
    except fastjsonschema.JsonSchemaDefinitionException as error:
        raise InputError(f"openapi.yaml has a schema this runtime cannot check: {error}") from None


def _resolved(spec: dict[str, Any], node: Any, depth: int = 0) -> Any:
    """The node with a $ref of its own followed (#/components/...)."""
    while isinstance(node, dict) and "$ref" in node:
        reference = node["$ref"]
        if not reference.startswith("#/") or depth > 32:
            raise InputError(f"openapi.yaml's $ref {reference!r} cannot be followed")
        node = spec
        for part in reference[2:].split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
        depth += 1
    return node


def json_schema(spec: dict[str, Any], schema: Any) -> Any:
    """An OpenAPI 3.0 schema as JSON Schema for others to read: every $ref inlined, nullable as
    a type, and patterns as the spec writes them (ECMA-262, as JSON Schema's are)."""
    return _json_schema(spec, schema, python_patterns=False)


def _json_schema(
    spec: dict[str, Any], schema: Any, depth: int = 0, python_patterns: bool = True
) -> Any:
    """An OpenAPI 3.0 schema as draft-4 JSON Schema, with every $ref inlined, and its patterns
    as Python's re reads them."""
    if depth > 32:
        raise InputError("openapi.yaml's schemas refer to themselves, which is not supported")
    schema = _resolved(spec, schema)
    if isinstance(schema, list):
        return [_json_schema(spec, item, depth + 1, python_patterns) for item in schema]
    if not isinstance(schema, dict):
        return schema
    translated: dict[str, Any] = {}
    for key, value in schema.items():
        if key in NOT_JSON_SCHEMA or key.startswith("x-"):
            continue
        if key in ("properties", "patternProperties"):  # names, each with a schema
            translated[key] = {
                name: _json_schema(spec, item, depth + 1, python_patterns)
                for name, item in value.items()
            }
        elif key in ("items", "additionalProperties", "not", "allOf", "anyOf", "oneOf"):
            translated[key] = _json_schema(spec, value, depth + 1, python_patterns)
        elif key == "pattern" and isinstance(value, str) and python_patterns:
            translated[key] = ecma_pattern(value)
            AS_WRITTEN[translated[key]] = value
        else:
            translated[key] = value
    if schema.get("nullable") and isinstance(translated.get("type"), str):
        translated["type"] = [translated["type"], "null"]
    return translated


def ecma_pattern(pattern: str) -> str:
    """A JSON Schema pattern as a Python regular expression that matches what ECMA-262 does."""
    out, in_class, i = [], False, 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\" and i + 1 < len(pattern):
            letter = pattern[i + 1]
            members = ECMA_CLASSES.get(letter.lower())
            if members is None:
                out.append(pattern[i : i + 2])
            elif in_class:
                # Inside [...], only the positive classes have a plain spelling.
                out.append(members if letter.islower() else pattern[i : i + 2])
            else:
                out.append(f"[{'' if letter.islower() else '^'}{members}]")
            i += 2
            continue
        if char == "[" and not in_class:
            in_class = True
        elif char == "]" and in_class:
            in_class = False
        out.append(char)
        i += 1
    return "".join(out)


def _parses(parse: Callable[[str], Any], value: str) -> bool:
    try:
        parse(value)
    except ValueError:
        return False
    return True

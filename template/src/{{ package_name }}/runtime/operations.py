# Owned by the template: `plugin-scaffold update` rewrites this file. Keep your code out of it.
"""Operations: a function bound to an operationId of openapi.yaml, and everything the spec says
about it (method, path, status, inputs). The adapters register these and nothing else, so the
user's code never touches a framework, and the spec and the code cannot drift apart."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from .errors import ConfigError
from .inputs import InputError, Inputs, json_schema, operation_inputs

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from ..settings import Settings

PACKAGE = __name__.partition(".")[0]
METHODS = ("get", "put", "post", "delete", "patch")
# The one parameter name that is not an input: a handler that takes it is given a Context.
CONTEXT = "context"


class DeclarationError(ConfigError):
    """openapi.yaml and the declared handlers disagree; the message says where."""


class Headers(Protocol):
    """The request's headers as every framework offers them: a value by its name, in any case."""

    def get(self, name: str) -> str | None: ...


class Query(Protocol):
    """The query string as every framework offers it: one value, or all of a repeated name."""

    def get(self, key: str) -> str | None: ...

    def getlist(self, key: str) -> list[str]: ...


@dataclass
class Call:
    """One call to an operation: what arrived, and who the caller turned out to be."""

    headers: Headers
    client: str | None
    query: Query
    path: Mapping[str, str] = field(default_factory=dict)
    query_string: bytes = b""  # as sent: with the path, what a reused answer depends on
    body: bytes = b""  # adapters never read a GET's: no operation takes one, and reading costs
    # Filled in by Service: the signed-in user (per-user auth only), and the key that the rate
    # limit and the request log count the call under.
    owner: str | None = None
    caller: str | None = None
    # An MCP tool call's arguments, checked in place of the path, query and body.
    arguments: dict[str, Any] | None = None


@dataclass(frozen=True)
class Context:
    """What a handler can have besides its inputs: declare a parameter named `context`."""

    db: Engine  # the plugin's database (SQLAlchemy)
    settings: Settings
    user: str | None = None  # the signed-in user's name, with per-user auth


@dataclass(frozen=True)
class Declaration:
    operation_id: str
    handler: Callable[..., Any]
    cached_until_data_changes: bool
    batched_write: bool
    open_world: bool | Callable[[Settings], bool]

    @property
    def where(self) -> str:
        return f"{self.handler.__module__}.{self.handler.__qualname__}"


DECLARED: dict[str, Declaration] = {}
STARTUP: list[Callable[[Context], None]] = []


def operation(
    operation_id: str,
    *,
    cached_until_data_changes: bool = False,
    batched_write: bool = False,
    open_world: bool | Callable[[Settings], bool] = False,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Bind the decorated function to the operation of openapi.yaml with this operationId.

    It is called with the operation's inputs (path and query parameters, and the JSON body's
    fields) as keyword arguments, each already checked against the spec's schema, and returns
    what the spec's success response holds, as a dict or list. `def` and `async def` both work.
    Raise runtime.bad_request or runtime.not_found for the client's mistakes.

    Two opt-ins trade generality for speed; leave them off unless a benchmark says otherwise:
    - cached_until_data_changes: the answer is kept and reused until anything in the database
      changes. Only for a function whose answer depends on nothing but its inputs, the signed-in
      user and the database: no clock, no randomness, no other service.
    - batched_write: the function returns a runtime.Write, one statement on the plugin's
      database and nothing else, which the async frameworks commit together with the writes of
      other calls arriving at the same moment.

    open_world tells MCP clients that the function reaches outside the plugin (another service):
    True, or a function of the settings when that depends on them.
    """

    def declare(handler: Callable[..., Any]) -> Callable[..., Any]:
        declaration = Declaration(
            operation_id, handler, cached_until_data_changes, batched_write, open_world
        )
        earlier = DECLARED.get(operation_id)
        if earlier is not None and earlier.where != declaration.where:
            raise DeclarationError(
                f'operation "{operation_id}" has two handlers: {earlier.where} and '
                f"{declaration.where}"
            )
        DECLARED[operation_id] = declaration
        return handler

    return declare


def on_start(hook: Callable[[Context], None]) -> Callable[[Context], None]:
    """Run the decorated function once when the server starts (and before its workers do),
    with a Context that has no user: to load data, or check a setting."""
    if hook not in STARTUP:
        STARTUP.append(hook)
    return hook


@dataclass(frozen=True, eq=False)
class Operation:
    """A declared handler with what openapi.yaml says of its operation."""

    id: str
    method: str
    path: str  # as in openapi.yaml, {name} for a path parameter
    status: int
    # Marked x-admin in openapi.yaml: left out of the served spec, and it takes ADMIN_TOKEN.
    admin: bool
    inputs: Inputs
    declaration: Declaration
    takes_context: bool
    is_async: bool
    summary: str = ""
    description: str = ""
    # The success response's JSON Schema, as published; None when it declares no JSON body.
    answer_schema: dict[str, Any] | None = None
    name: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "name", f"{self.method} {self.path}")

    @property
    def cached(self) -> bool:
        return self.declaration.cached_until_data_changes

    @property
    def batched_write(self) -> bool:
        return self.declaration.batched_write

    def run(self, call: Call, context: Callable[[Call], Context]) -> Any:
        """The handler's answer (a coroutine for an async handler), for inputs read from the
        call and checked against the spec."""
        if call.arguments is None:
            arguments = self.inputs.read(call)
        else:
            arguments = self.inputs.read_arguments(call.arguments)
        if self.takes_context:
            arguments[CONTEXT] = context(call)
        return self.declaration.handler(**arguments)


def import_handlers() -> None:
    """Import every module at the top of the package, so that its @operation's run."""
    package = importlib.import_module(PACKAGE)
    for module in pkgutil.iter_modules(package.__path__):
        if module.name not in ("runtime", "__main__"):
            importlib.import_module(f"{PACKAGE}.{module.name}")


def bind_operations(spec: dict[str, Any]) -> list[Operation]:
    """Each operation of openapi.yaml bound to its declared handler. Every mismatch between the
    two is found at once and reported in one line."""
    import_handlers()
    operations, problems, seen = [], [], set()
    for path, item in spec.get("paths", {}).items():
        for method in METHODS:
            if method not in item:
                continue
            details = item[method]
            operation_id = details.get("operationId")
            where = f"{method.upper()} {path}"
            if not operation_id:
                problems.append(f"openapi.yaml's {where} has no operationId")
                continue
            seen.add(operation_id)
            declaration = DECLARED.get(operation_id)
            if declaration is None:
                problems.append(
                    f'openapi.yaml\'s operation "{operation_id}" ({where}) has no handler: '
                    f'decorate a function with @operation("{operation_id}")'
                )
                continue
            try:
                operations.append(_bind(spec, method, path, item, details, declaration))
            except (DeclarationError, InputError) as error:
                problems.append(f"{declaration.where}: {error}")
    for operation_id, declaration in sorted(DECLARED.items()):
        if operation_id not in seen:
            problems.append(
                f'{declaration.where} is declared for operation "{operation_id}", which '
                "openapi.yaml does not have"
            )
    if problems:
        raise DeclarationError("; ".join(problems))
    return operations


def _bind(
    spec: dict[str, Any],
    method: str,
    path: str,
    item: dict[str, Any],
    details: dict[str, Any],
    declaration: Declaration,
) -> Operation:
    inputs = operation_inputs(spec, item, details)
    handler = declaration.handler
    is_async = inspect.iscoroutinefunction(handler)
    if is_async and (declaration.cached_until_data_changes or declaration.batched_write):
        raise DeclarationError("an async def handler can be neither cached nor a batched write")
    parameters = inspect.signature(handler).parameters
    takes_any = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values())
    taken = {
        name
        for name, p in parameters.items()
        if p.kind not in (inspect.Parameter.VAR_KEYWORD, inspect.Parameter.VAR_POSITIONAL)
    }
    unknown = sorted(taken - set(inputs.names) - {CONTEXT})
    if unknown:
        raise DeclarationError(
            f'it takes "{unknown[0]}", which is not an input of {details["operationId"]} in '
            f"openapi.yaml (its inputs: {', '.join(inputs.names) or 'none'})"
        )
    left_out = [name for name in inputs.names if name not in taken]
    if left_out and not takes_any:
        raise DeclarationError(f'it does not take the input "{left_out[0]}" of openapi.yaml')
    return Operation(
        id=declaration.operation_id,
        method=method.upper(),
        path=path,
        status=_success_status(details),
        admin=bool(details.get("x-admin", False)),
        inputs=inputs,
        declaration=declaration,
        takes_context=CONTEXT in taken,
        is_async=is_async,
        summary=details.get("summary", ""),
        description=details.get("description", ""),
        answer_schema=_answer_schema(spec, details),
    )


def _answer_schema(spec: dict[str, Any], details: dict[str, Any]) -> dict[str, Any] | None:
    response = details.get("responses", {}).get(str(_success_status(details)), {})
    while "$ref" in response:  # "#/components/responses/Name"
        response = spec["components"]["responses"][response["$ref"].rsplit("/", 1)[1]]
    media = response.get("content", {}).get("application/json")
    return None if media is None else json_schema(spec, media.get("schema", {}))


def _success_status(details: dict[str, Any]) -> int:
    """The operation's first 2xx response, as the status its answers carry."""
    codes = sorted(str(code) for code in details.get("responses", {}))
    return next((int(code) for code in codes if code.isdigit() and code.startswith("2")), 200)

"""`plugin-scaffold check` on MCP servers: each rule against a small SDK server that breaks
exactly it (tests/mcp_servers.py), sound servers that pass, and the ways a URL is refused.
A rendered plugin's /mcp is checked in tests/test_check.py, beside its other live checks."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from helpers import check, found
from mcp_servers import PUBLIC_HOST, TOKEN, ServerPool
from typer.testing import CliRunner

from scaffold_cli.app import app

runner = CliRunner()
PUBLIC = ["--public-url", f"https://{PUBLIC_HOST}"]
SIGNED_IN = ["--header", f"Authorization: Bearer {TOKEN}"]


@pytest.fixture(scope="module")
def servers() -> Iterator[ServerPool]:
    pool = ServerPool()
    yield pool
    pool.close()


def not_hints(report: dict[str, Any]) -> set[tuple[str, str]]:
    return {(rule, severity) for rule, severity in found(report) if severity != "hint"}


def case(
    server: str, rule: str, severity: str, *args: str, case_id: str = "", also: str = ""
) -> Any:
    """The server, the check's arguments, the rule it breaks, and `also` a rule that breaking
    it breaks with it."""
    return pytest.param(server, list(args), rule, severity, also, id=case_id or server)


CASES = [
    case("tool-name-with-space", "mcp.tool.name", "error"),
    case("tool-name-over-64", "mcp.tool.name", "error"),
    case("tools-with-one-name", "mcp.tool.unique", "error"),
    case("tool-without-description", "mcp.tool.description", "warning"),
    case("tool-description-too-long", "mcp.tool.description", "warning"),
    case("input-schema-invalid", "mcp.schema.input", "error"),
    # The SDK's client refuses these listings (in the 2025 era, or in both) as a whole.
    case("input-schema-not-object", "mcp.schema.input", "error", also="mcp.connect"),
    case("output-schema-invalid", "mcp.schema.output", "error", also="mcp.connect"),
    case("output-schema-not-object", "mcp.schema.output", "error", also="mcp.connect"),
    case("tool-without-annotations", "mcp.annotations", "warning"),
    case("delete-not-destructive", "mcp.annotations.destructive", "warning"),
    case("result-not-matching-output-schema", "mcp.result.output_schema", "error"),
    case("result-without-structured-content", "mcp.result.output_schema", "error"),
    case("read-only-tool-failing", "mcp.result.error", "warning"),
    case("host-check-without-public-name", "mcp.host", "error", *PUBLIC),
    case("host-check-without-own-name", "mcp.host", "error"),
    case("handshake-broken", "mcp.connect", "error"),
    case("handshake-only", "mcp.protocol", "hint"),
    case("eras-listing-apart", "mcp.protocol", "warning"),
    case("sign-in-without-metadata", "mcp.auth.resource_metadata", "warning"),
    case("sign-in-metadata-at-root", "mcp.auth.resource_metadata", "hint"),
    case("resource-metadata-missing", "mcp.auth.resource_metadata", "error"),
    case("resource-of-another-url", "mcp.auth.resource_metadata", "error"),
    case(
        "sound-with-sign-in",
        "mcp.auth.resource_metadata",
        "error",
        *PUBLIC,
        case_id="resource-not-the-public-url",
    ),
    case("no-authorization-servers", "mcp.auth.resource_metadata", "error"),
    case("authorization-server-metadata-missing", "mcp.auth.server_metadata", "error"),
    case("issuer-of-another-url", "mcp.auth.server_metadata", "error"),
    case("pkce-without-s256", "mcp.auth.pkce", "error"),
    case("no-client-registration", "mcp.auth.registration", "warning"),
    case("no-iss-parameter", "mcp.auth.iss", "warning"),
    case("token-endpoint-on-http", "mcp.auth.https", "error"),
    case("client-secrets-only", "mcp.auth.token_endpoint_auth", "warning"),
    case("sound-with-sign-in", "mcp.auth.required", "hint", case_id="sign-in-needed"),
    case(
        "sound-with-sign-in",
        "mcp.auth.required",
        "error",
        "-H",
        "Authorization: Bearer wrong",
        case_id="token-refused",
    ),
]


@pytest.mark.parametrize(("server", "args", "rule", "severity", "also"), CASES)
def test_each_rule(
    servers: ServerPool, server: str, args: list[str], rule: str, severity: str, also: str
) -> None:
    code, report = check(f"{servers.base(server)}/mcp", *args)
    assert (rule, severity) in found(report), report["findings"]
    # The server breaks this rule and no other.
    assert {rule for rule, _severity in not_hints(report)} <= {rule, also}, report["findings"]
    assert code == int(severity == "error"), report["findings"]


@pytest.mark.parametrize(
    ("server", "args"),
    [
        pytest.param("sound", PUBLIC, id="sound"),
        pytest.param("sound-with-sessions", PUBLIC, id="sound-with-sessions-and-streams"),
        pytest.param("sound-with-sign-in", SIGNED_IN, id="sound-signed-in"),
        pytest.param(
            "authorization-server-metadata-as-openid", SIGNED_IN, id="openid-configuration"
        ),
    ],
)
def test_sound_servers_pass(servers: ServerPool, server: str, args: list) -> None:
    code, report = check(f"{servers.base(server)}/mcp", *args)
    # Without --public-url (which the resource metadata would then have to name), a
    # local server is reminded of it.
    assert code == 0, report["findings"]
    assert found(report) <= {("mcp.host", "hint")}, report["findings"]


def test_a_local_server_is_told_to_name_its_public_host(servers: ServerPool) -> None:
    code, report = check(f"{servers.base('sound')}/mcp")
    assert (code, found(report)) == (0, {("mcp.host", "hint")})


def test_findings_name_the_tool_and_where_in_it(servers: ServerPool) -> None:
    _code, report = check(f"{servers.base('input-schema-invalid')}/mcp")
    [finding] = [f for f in report["findings"] if f["rule"] == "mcp.schema.input"]
    assert finding["where"] == "add_team#/inputSchema/properties/name/type"
    assert "'text' is not valid" in finding["message"]


def test_a_url_that_answers_mcp_is_checked_as_a_server(servers: ServerPool) -> None:
    """No manifest and no /mcp in the path: the URL answers MCP, so it is an MCP server."""
    code, report = check(f"{servers.base('sound-at-another-path')}/api/v1", *PUBLIC)
    assert (code, report["findings"]) == (0, [])


def test_the_table_shows_mcp_findings(servers: ServerPool) -> None:
    url = f"{servers.base('tool-name-with-space')}/mcp"
    result = runner.invoke(app, ["check", url])
    assert result.exit_code == 1
    assert result.stdout.startswith(f"Checked {url}\n")
    assert "error    mcp.tool.name" in result.stdout
    assert "the tool name 'add team' is not 1-64 letters" in result.stdout


def _one_line_error(args: list[str]) -> str:
    result = runner.invoke(app, ["check", *args])
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1
    return result.stderr


def test_an_mcp_path_that_is_not_mcp_is_a_usage_error(servers: ServerPool) -> None:
    url = f"{servers.base('sound')}/other/mcp"
    assert f"{url} does not answer MCP (HTTP 404" in _one_line_error([url])


def test_a_url_with_neither_manifest_nor_mcp_is_a_usage_error(servers: ServerPool) -> None:
    url = f"{servers.base('sound')}/other"
    message = _one_line_error([url])
    assert "no manifest at" in message and f"{url} does not answer MCP (HTTP 404)" in message


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        pytest.param(["--header", "Authorization"], "--header expects 'Name: value'", id="header"),
        pytest.param(["--public-url", PUBLIC_HOST], "--public-url expects", id="public-url"),
    ],
)
def test_bad_options_are_usage_errors(servers: ServerPool, args: list[str], needle: str) -> None:
    assert needle in _one_line_error([f"{servers.base('sound')}/mcp", *args])

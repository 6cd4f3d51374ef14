"""Check an MCP server at a URL, ours or anyone's, as ChatGPT and the official SDK meet it.

First plain HTTP (mcp_probe): does it answer MCP, does it refuse the Host a proxy forwards
(421), does it ask for sign-in (401, then mcp_auth). Then the SDK's client in both protocol
eras (mcp_session): it must connect and list tools, whose names, schemas and annotations
mcp_tools checks, and each read-only tool that needs no arguments is called.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

import httpx

from scaffold_cli.checks.findings import Report
from scaffold_cli.checks.mcp_auth import check_authorization
from scaffold_cli.checks.mcp_probe import Probe, host_header, list_tools_over_http, probe
from scaffold_cli.checks.mcp_tools import callable_without_arguments, check_tools, label_of
from scaffold_cli.checks.sources import TIMEOUT, CheckError
from scaffold_cli.checks.urls import is_local, resolve

if TYPE_CHECKING:
    from scaffold_cli.checks.mcp_session import CallOutcome, Era

MCP_PATH = "/mcp"
MAX_CALLS = 20  # read-only calls per check: enough to catch a pattern, few enough to be quick
_HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")


@dataclass(frozen=True)
class McpOptions:
    # Sent with every MCP request, e.g. {"Authorization": "Bearer ..."}: to check the tools
    # of a server that needs sign-in.
    headers: dict[str, str] = field(default_factory=dict)
    # Where clients reach the server when a proxy serves it: its host is sent as Host, and
    # protected resource metadata must name it.
    public_url: str | None = None

    @classmethod
    def from_cli(cls, headers: Iterable[str], public_url: str | None) -> McpOptions:
        """The options from `--header 'Name: value'` and `--public-url`; raises CheckError."""
        parsed = {}
        for item in headers:
            name, colon, value = item.partition(":")
            if not colon or not _HEADER_NAME.fullmatch(name.strip()) or not _sendable(value):
                raise CheckError(
                    f"--header expects 'Name: value', one line of Latin-1 (got {item!r})"
                )
            parsed[name.strip()] = value.strip()
        if public_url is not None:
            url = resolve(public_url, None)
            if url is None or url.own_host:
                raise CheckError(f"--public-url expects an http(s) URL (got {public_url!r})")
        return cls(parsed, public_url)

    def public_endpoint(self, url: str) -> str | None:
        """The public URL of the endpoint at `url`: --public-url, with `url`'s path if it
        has none of its own."""
        if self.public_url is None:
            return None
        public = urlsplit(self.public_url)
        if public.path not in ("", "/"):
            return self.public_url
        return f"{public.scheme}://{public.netloc}{urlsplit(url).path}"


def _sendable(value: str) -> bool:
    """Whether an HTTP header can carry `value`: one line of Latin-1."""
    try:
        value.encode("latin-1")
    except UnicodeEncodeError:
        return False
    return "\n" not in value and "\r" not in value


def is_mcp_path(url: str) -> bool:
    """Whether `url` names an MCP endpoint by its path, as most servers serve it."""
    try:
        path = urlsplit(url).path
    except ValueError:  # e.g. "http://[::1/mcp": open_source says why in one line
        return False
    return path.rstrip("/").endswith(MCP_PATH)


def ask(url: str) -> Probe:
    """How `url` answers an MCP client's first request."""
    with _client() as client:
        return probe(client, url)


def check_mcp_endpoint(url: str, options: McpOptions, report: Report) -> None:
    """`url` was given as an MCP server; raises CheckError when it does not answer MCP."""
    if resolve(url, None) is None:
        raise CheckError(f"{url} is not a URL with a host")
    found = ask(url)
    if found.status is None:
        raise CheckError(f"cannot reach {url}: {found.answer.removeprefix('no answer: ')}")
    if not found.is_mcp:
        raise CheckError(f"{url} does not answer MCP ({found.answer} to an initialize POST)")
    check_mcp_server(found, options, report)


def check_plugin_endpoint(base_url: str, options: McpOptions, report: Report) -> None:
    """A plugin's /mcp, if it has one: ChatGPT apps need it, GPT Actions do not."""
    url = urljoin(base_url, MCP_PATH)
    found = ask(url)
    if found.is_mcp:
        check_mcp_server(found, options, report)
        return
    report.add(
        "mcp.endpoint",
        "hint",
        url,
        f"no MCP server at {url} ({found.answer}): ChatGPT apps and other MCP clients "
        "connect over MCP, not through the manifest",
        "serve the plugin's operations as MCP tools at /mcp (plugin-new's projects do)",
    )


def check_mcp_server(found: Probe, options: McpOptions, report: Report) -> None:
    url = found.url
    headers = dict(options.headers)
    with _client() as client:
        if found.misdirected:
            _report_misdirected(url, host_header(url), report)
            return  # nothing gets through
        _check_public_host(client, url, options, report)
        if found.refused:
            resource = options.public_endpoint(url) or url
            check_authorization(client, url, found.challenge, resource, report)
            if not _signed_in(client, url, headers, report):
                return
        from scaffold_cli.checks import mcp_session  # the SDK loads slowly: only for a server

        eras = mcp_session.visit(url, headers, TIMEOUT, _choose_calls)
        _report_eras(eras, url, report)
        listed = [era for era in eras if era.tools is not None]
        # Where the SDK's client refuses every listing, the rules still say which tool is why.
        tools = listed[0].tools if listed else list_tools_over_http(client, url, headers)
    if tools is None:
        return
    check_tools(tools, report)
    labels = {
        tool["name"]: label_of(tool, index)
        for index, tool in enumerate(tools)
        if isinstance(tool.get("name"), str)
    }
    for era in listed:
        for call in era.calls:
            _report_call(call, labels.get(call.tool, call.tool), report)


def _signed_in(client: httpx.Client, url: str, headers: dict[str, str], report: Report) -> bool:
    """Whether the --header credentials let the check in, after a 401 without them."""
    if not headers:
        report.add(
            "mcp.auth.required",
            "hint",
            url,
            "the server asks for sign-in, so its tools were not checked",
            "pass --header 'Authorization: Bearer TOKEN' to check them as a signed-in client",
        )
        return False
    again = probe(client, url, headers)
    if again.misdirected:  # a server that checks credentials before the Host
        _report_misdirected(url, host_header(url), report)
        return False
    if again.refused or not again.jsonrpc:
        report.add(
            "mcp.auth.required",
            "error",
            url,
            f"with the --header credentials the server still answers {again.answer}",
            "pass a token the server accepts: --header 'Authorization: Bearer TOKEN'",
        )
        return False
    return True


def _check_public_host(client: httpx.Client, url: str, options: McpOptions, report: Report) -> None:
    public = options.public_endpoint(url)
    if public is None:
        if is_local(url):
            report.add(
                "mcp.host",
                "hint",
                url,
                f"checked with Host: {host_header(url)} only; behind a proxy the server sees "
                "its public name, which the SDK refuses with 421 unless allowed",
                "pass --public-url https://your.host to check the Host a proxy forwards",
            )
        return
    host = host_header(public)
    if host == host_header(url):
        return  # the first request carried it
    answer = probe(client, url, {**options.headers, "Host": host})
    if answer.misdirected:
        _report_misdirected(url, host, report)


def _report_misdirected(url: str, host: str, report: Report) -> None:
    report.add(
        "mcp.host",
        "error",
        url,
        f"a request with Host: {host} is answered 421 Misdirected Request: the SDK's "
        "DNS-rebinding protection allows only the hosts it was given (by default 127.0.0.1, "
        "localhost and [::1]), so behind a proxy every request fails",
        f"allow it: transport_security=TransportSecuritySettings(allowed_hosts=[{host!r}, "
        "...]) (plugin-new's projects: set PUBLIC_URL). The check sends the URL's own Host, "
        "and --public-url's",
    )


def _choose_calls(tools: list[dict[str, Any]]) -> list[str]:
    return [tool["name"] for tool in tools if callable_without_arguments(tool)][:MAX_CALLS]


def _report_eras(eras: list[Era], url: str, report: Report) -> None:
    for era in eras:
        if era.failure is not None:
            report.add(
                "mcp.connect",
                "error",
                url,
                f"the official SDK's client fails with {era.name}: {era.failure}",
                "send answers of the protocol's shape; the other findings name the tool"
                if era.refused_answer
                else "answer both eras (the SDK's Server with stateless_http=True does); "
                "the server's log tells why this one failed",
            )
    listed = [era for era in eras if era.tools is not None]
    if not listed:
        return
    first = listed[0]
    if first.mode == "auto" and not first.modern:
        report.add(
            "mcp.protocol",
            "hint",
            url,
            f"the server does not speak 2026-07-28: the SDK's client fell back to the handshake "
            f"({first.protocol_version})",
            "answer server/discover: the SDK's Server (mcp>=2.3) with stateless_http=True does",
        )
    if len(listed) == 2:
        names = [{tool.get("name") for tool in era.tools or []} for era in listed]
        if names[0] != names[1]:
            only = sorted(map(str, names[0] ^ names[1]))
            report.add(
                "mcp.protocol",
                "warning",
                url,
                f"the eras list different tools ({', '.join(only)} in one only)",
                "list the same tools whatever the protocol version",
            )


def _report_call(call: CallOutcome, where: str, report: Report) -> None:
    if call.refused is not None:
        report.add(
            "mcp.result.output_schema",
            "error",
            where,
            "called with no arguments, its result does not match its outputSchema, and the "
            f"official SDK's client fails the call: {call.refused}",
            "return structuredContent that validates against outputSchema (or fix the schema)",
        )
    elif call.failed is not None:
        report.add(
            "mcp.result.error",
            "warning",
            where,
            f"this read-only tool needs no arguments, but calling it failed: {call.failed}",
            "make it answer without arguments, or mark the arguments it needs as required",
        )


def _client() -> httpx.Client:
    # Redirects are findings, not detours: MCP clients follow few of them.
    return httpx.Client(timeout=TIMEOUT, follow_redirects=False)

"""Rules for an MCP server that answers 401: the metadata an OAuth client signs in with.

Protected resource metadata (RFC 9728) names the authorization servers; their metadata
(RFC 8414, or OpenID Connect discovery) names the endpoints and what they support. The MCP
authorization spec (2026-07-28) and ChatGPT ask for PKCE S256, a way for clients to register,
`iss` in authorization responses, and HTTPS.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import urlsplit

import httpx

from scaffold_cli.checks.findings import Report
from scaffold_cli.checks.sources import HTTP_ERRORS, describe
from scaffold_cli.checks.urls import is_local

PRM_PATH = "/.well-known/oauth-protected-resource"
# The authorization server endpoints a client is sent to or calls, which must be on HTTPS.
# (The issuer itself is checked where the protected resource metadata names it.)
ENDPOINT_FIELDS = (
    "authorization_endpoint",
    "token_endpoint",
    "registration_endpoint",
    "jwks_uri",
    "revocation_endpoint",
    "introspection_endpoint",
)
# What ChatGPT authenticates to a token endpoint with (it cannot keep a client secret).
CHATGPT_TOKEN_AUTH = ("none", "private_key_jwt")
MAX_AUTHORIZATION_SERVERS = 3


def check_authorization(
    client: httpx.Client, url: str, challenge: str | None, resource: str, report: Report
) -> None:
    """Follow what an OAuth client does after `url` answered 401 with `challenge`; the
    metadata must name `resource` (the URL clients use, the public one where it differs)."""
    named = challenge_parameter(challenge or "", "resource_metadata")
    metadata, where = _protected_resource_metadata(client, url, named, report)
    if metadata is None:
        return
    if named is None:
        report.add(
            "mcp.auth.resource_metadata",
            "hint",
            url,
            f"the 401's WWW-Authenticate has no resource_metadata; clients found {where} by "
            "its well-known address, which older clients do not try",
            f'answer 401 with WWW-Authenticate: Bearer resource_metadata="{where}"',
        )
    stated = metadata.get("resource")
    if not isinstance(stated, str) or _normal(stated) != _normal(resource):
        report.add(
            "mcp.auth.resource_metadata",
            "error",
            where,
            f"its resource is {stated!r}, not {resource}: clients refuse metadata for another "
            "resource, and ask for tokens for the URL they use",
            f'set "resource": "{resource}" (with --public-url when a proxy serves it)',
        )
    servers = metadata.get("authorization_servers")
    if not isinstance(servers, list) or not [s for s in servers if isinstance(s, str)]:
        report.add(
            "mcp.auth.resource_metadata",
            "error",
            where,
            "authorization_servers is missing or empty: clients cannot find where to sign in",
            'list the authorization server\'s issuer URL: "authorization_servers": ["https://..."]',
        )
        return
    for issuer in [s for s in servers if isinstance(s, str)][:MAX_AUTHORIZATION_SERVERS]:
        _check_https(issuer, f"{where}#/authorization_servers", "an authorization server", report)
        _check_authorization_server(client, issuer, report)


def challenge_parameter(challenge: str, name: str) -> str | None:
    """A parameter of a WWW-Authenticate challenge, quoted or not."""
    match = re.search(rf'(?:^|[\s,]){name}\s*=\s*(?:"([^"]*)"|([^\s,]+))', challenge)
    return None if match is None else (match.group(1) or match.group(2))


def _protected_resource_metadata(
    client: httpx.Client, url: str, named: str | None, report: Report
) -> tuple[dict[str, Any] | None, str]:
    if named is not None:
        metadata, reason = _get_object(client, named)
        if metadata is None:
            report.add(
                "mcp.auth.resource_metadata",
                "error",
                named,
                f"the resource_metadata that the 401 names does not load: {reason}",
                "serve the protected resource metadata (RFC 9728) at that URL, as JSON",
            )
        return metadata, named
    parts = urlsplit(url)
    origin = f"{parts.scheme}://{parts.netloc}"
    path = parts.path.rstrip("/")
    candidates = [f"{origin}{PRM_PATH}{path}"] if path else []
    candidates.append(f"{origin}{PRM_PATH}")
    for candidate in candidates:
        metadata, _reason = _get_object(client, candidate)
        if metadata is not None:
            return metadata, candidate
    report.add(
        "mcp.auth.resource_metadata",
        # A server that takes tokens handed out some other way works with clients given a
        # header; only OAuth clients, ChatGPT among them, cannot sign in.
        "warning",
        url,
        "the server answers 401 but publishes no protected resource metadata (RFC 9728), so "
        "ChatGPT and other OAuth clients cannot find where to sign in",
        f"for OAuth: serve it at {candidates[0]} and name it in the 401's WWW-Authenticate "
        "(resource_metadata=...); a server for static tokens works only with clients that "
        "send one",
    )
    return None, url


def _check_authorization_server(client: httpx.Client, issuer: str, report: Report) -> None:
    metadata, where, tried = None, "", []
    for candidate in authorization_server_metadata_urls(issuer):
        tried.append(candidate)
        metadata, _reason = _get_object(client, candidate)
        if metadata is not None:
            where = candidate
            break
    if metadata is None:
        report.add(
            "mcp.auth.server_metadata",
            "error",
            issuer,
            "the authorization server publishes no metadata (looked at " + ", ".join(tried) + ")",
            "serve RFC 8414 metadata at " + tried[0],
        )
        return
    stated = metadata.get("issuer")
    if not isinstance(stated, str) or stated.rstrip("/") != issuer.rstrip("/"):
        report.add(
            "mcp.auth.server_metadata",
            "error",
            where,
            f"its issuer is {stated!r}, not {issuer}; clients refuse metadata for another issuer",
            f'set "issuer": "{issuer}", the URL the protected resource metadata names',
        )
    missing = [
        name for name in ("authorization_endpoint", "token_endpoint") if name not in metadata
    ]
    if missing:
        report.add(
            "mcp.auth.server_metadata",
            "error",
            where,
            f"it has no {' and no '.join(missing)}",
            "name the endpoints clients send the user to and exchange codes at",
        )
    for name in ENDPOINT_FIELDS:
        value = metadata.get(name)
        if isinstance(value, str):
            _check_https(value, f"{where}#/{name}", name, report)
    _check_capabilities(metadata, where, report)


def _check_capabilities(metadata: dict[str, Any], where: str, report: Report) -> None:
    methods = metadata.get("code_challenge_methods_supported")
    if not isinstance(methods, list) or "S256" not in methods:
        report.add(
            "mcp.auth.pkce",
            "error",
            f"{where}#/code_challenge_methods_supported",
            f"code_challenge_methods_supported is {methods!r}, without S256; MCP clients "
            "refuse to sign in without PKCE",
            'require PKCE and advertise "code_challenge_methods_supported": ["S256"]',
        )
    if not metadata.get("registration_endpoint") and (
        metadata.get("client_id_metadata_document_supported") is not True
    ):
        report.add(
            "mcp.auth.registration",
            "warning",
            where,
            "clients cannot register: there is no registration_endpoint and no "
            "client_id_metadata_document_supported; only clients given a client id by hand "
            "can sign in",
            "accept Client ID Metadata Documents (client_id_metadata_document_supported: true) "
            "or dynamic client registration (RFC 7591, a registration_endpoint)",
        )
    if metadata.get("authorization_response_iss_parameter_supported") is not True:
        report.add(
            "mcp.auth.iss",
            "warning",
            f"{where}#/authorization_response_iss_parameter_supported",
            "authorization_response_iss_parameter_supported is not true: clients cannot tell "
            "which server answered (mix-up attacks); MCP recommends it and expects to require it",
            "return iss with every authorization response (RFC 9207) and advertise "
            '"authorization_response_iss_parameter_supported": true',
        )
    auth_methods = metadata.get("token_endpoint_auth_methods_supported")
    offered = auth_methods if isinstance(auth_methods, list) else ["client_secret_basic"]
    if not any(method in offered for method in CHATGPT_TOKEN_AUTH):
        report.add(
            "mcp.auth.token_endpoint_auth",
            "warning",
            f"{where}#/token_endpoint_auth_methods_supported",
            f"the token endpoint takes {', '.join(map(str, offered))} only; ChatGPT "
            f"authenticates with {' or '.join(CHATGPT_TOKEN_AUTH)}",
            'accept public clients ("none", with PKCE) or "private_key_jwt", and advertise it',
        )


def authorization_server_metadata_urls(issuer: str) -> list[str]:
    """Where clients look for an issuer's metadata: RFC 8414, then OpenID Connect discovery."""
    try:
        parts = urlsplit(issuer)
    except ValueError:  # e.g. "https://[::1": nowhere to look
        return [issuer]
    origin = f"{parts.scheme}://{parts.netloc}"
    path = parts.path.rstrip("/")
    if not path:
        return [
            f"{origin}/.well-known/oauth-authorization-server",
            f"{origin}/.well-known/openid-configuration",
        ]
    return [
        f"{origin}/.well-known/oauth-authorization-server{path}",
        f"{origin}/.well-known/openid-configuration{path}",
        f"{origin}{path}/.well-known/openid-configuration",
    ]


def _check_https(url: str, where: str, what: str, report: Report) -> None:
    try:
        scheme = urlsplit(url).scheme
    except ValueError:
        scheme = ""
    if scheme != "https" and not is_local(url):
        report.add(
            "mcp.auth.https",
            "error",
            where,
            f"{what} is {url}, not on HTTPS; clients send codes and tokens only over HTTPS "
            "(plain HTTP only on localhost)",
            "serve it on HTTPS and publish the https:// URL",
        )


def _get_object(client: httpx.Client, url: str) -> tuple[dict[str, Any] | None, str]:
    """The JSON object at `url`, or None and why not."""
    try:
        response = client.get(url, headers={"Accept": "application/json"})
    except HTTP_ERRORS as error:
        return None, f"no answer ({describe(error)})"
    if response.status_code != 200:
        return None, f"HTTP {response.status_code}"
    try:
        document = json.loads(response.content)
    except ValueError:
        return None, "not JSON"
    if not isinstance(document, dict):
        return None, "not a JSON object"
    return document, ""


def _normal(url: str) -> str:
    """A URL as RFC 3986 compares it: scheme and host in lowercase, no trailing slash."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}{parts.path.rstrip('/')}" + (
        f"?{parts.query}" if parts.query else ""
    )

"""Rules for a running plugin: its logo, CORS for ChatGPT, and GET operations that answer."""

from __future__ import annotations

from typing import Any

import httpx

from scaffold_cli.checks.findings import Report
from scaffold_cli.checks.manifest import image_format, url_field
from scaffold_cli.checks.sources import HTTP_ERRORS, UrlSource, describe
from scaffold_cli.checks.spec import Spec
from scaffold_cli.checks.urls import PLACEHOLDER, is_local, resolve

CHATGPT_ORIGIN = "https://chat.openai.com"


def check_live(
    source: UrlSource, manifest: dict[str, Any], spec: Spec | None, report: Report
) -> None:
    _check_logo(source, manifest, report)
    _check_cors(source, report)
    if spec is not None:
        _check_get_operations(source.client, spec, report)


def _check_logo(source: UrlSource, manifest: dict[str, Any], report: Report) -> None:
    url = url_field(manifest, ("logo_url",), source.base_url)
    if url is None or url.absolute is None:
        return  # the manifest's findings say why
    where = source.manifest.where("logo_url")
    try:
        response = source.client.get(url.absolute)
    except HTTP_ERRORS as error:
        reason = f"cannot reach {url.absolute}: {describe(error)}"
    else:
        reason = "" if response.status_code == 200 else f"HTTP {response.status_code}"
    if reason:
        report.add(
            "live.logo.unreachable",
            "error",
            where,
            f"the logo does not load ({reason})",
            "serve the logo at logo_url",
        )
        return
    kind = image_format(response.content)
    if kind not in ("png", "jpeg"):
        report.add(
            "live.logo.format",
            "error",
            where,
            f"the logo at {url.absolute} is "
            + ("a GIF" if kind == "gif" else "neither PNG nor JPEG (by its first bytes)"),
            "serve a PNG or JPEG logo (512x512 suggested)",
        )


def _check_cors(source: UrlSource, report: Report) -> None:
    """The browser asks before ChatGPT's page reads the manifest: the preflight must allow it."""
    local = is_local(source.base_url)
    headers = {"Origin": CHATGPT_ORIGIN, "Access-Control-Request-Method": "GET"}
    if local:
        headers["Access-Control-Request-Private-Network"] = "true"
    try:
        response = source.client.options(source.base_url, headers=headers)
    except HTTP_ERRORS as error:
        response, answer = None, f"no answer: {describe(error)}"
    else:
        answer = (
            f"HTTP {response.status_code}, Access-Control-Allow-Origin: "
            f"{response.headers.get('access-control-allow-origin', 'none')}"
        )
    allowed = response.headers.get("access-control-allow-origin") if response is not None else None
    if allowed not in (CHATGPT_ORIGIN, "*"):
        report.add(
            "live.cors.preflight",
            "error",
            source.base_url,
            f"the CORS preflight from {CHATGPT_ORIGIN} is not allowed ({answer})",
            f"answer OPTIONS with Access-Control-Allow-Origin: {CHATGPT_ORIGIN} "
            "(and https://chatgpt.com)",
        )
    elif (
        local
        and response is not None
        and response.headers.get("access-control-allow-private-network") != "true"
    ):
        report.add(
            "live.cors.private_network",
            "warning",
            source.base_url,
            "the preflight lacks Access-Control-Allow-Private-Network: true; Chrome asks for it "
            "before a public page calls localhost",
            "add Access-Control-Allow-Private-Network: true to preflight answers",
        )


def _check_get_operations(client: httpx.Client, spec: Spec, report: Report) -> None:
    """Each GET that needs no parameters answers; 401/403 are fine, 404 and 5xx are not."""
    server = spec.server_url()
    url = resolve(server, spec.doc.source) if server is not None else None
    if url is None or url.absolute is None or "{" in server or server.startswith(PLACEHOLDER):
        return  # spec.servers.* say why
    base = url.absolute.rstrip("/")
    for path, method, _operation in spec.operations():
        if method != "get" or "{" in path:
            continue
        if any(parameter.get("required") for parameter in spec.parameters(path, method)):
            continue
        url = base + path
        try:
            response = client.get(url)
        except HTTP_ERRORS as error:
            answer = f"no answer ({describe(error)})"
        else:
            if response.status_code != 404 and response.status_code < 500:
                continue
            answer = f"HTTP {response.status_code}"
        report.add(
            "live.operation.status",
            "error",
            spec.doc.where("paths", path, "get"),
            f"GET {url} answered {answer}",
            "make the operation answer (a 401 without credentials is fine), "
            "or remove it from the spec",
        )

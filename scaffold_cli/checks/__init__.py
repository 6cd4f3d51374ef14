"""Check a ChatGPT plugin, from its project folder or its running server, against ChatGPT's
rules, and an MCP server (a plugin's /mcp, or any other) against MCP's and ChatGPT's.

`run_checks(target)` is the whole check; `plugin-scaffold check` prints its Report.
"""

from __future__ import annotations

from scaffold_cli.checks.documents import parse_object
from scaffold_cli.checks.findings import Finding, Report
from scaffold_cli.checks.live import check_live
from scaffold_cli.checks.manifest import check_manifest
from scaffold_cli.checks.mcp_server import (
    McpOptions,
    ask,
    check_mcp_endpoint,
    check_mcp_server,
    check_plugin_endpoint,
    is_mcp_path,
)
from scaffold_cli.checks.sources import CheckError, NoManifest, UrlSource, open_source
from scaffold_cli.checks.spec import check_spec, load_spec

__all__ = ["CheckError", "Finding", "McpOptions", "Report", "run_checks"]


def run_checks(target: str, mcp: McpOptions | None = None) -> Report:
    """Check what is at `target`: a plugin's project folder, a plugin's base URL (and its
    /mcp), or an MCP endpoint (a path ending in /mcp, or a URL that answers MCP).

    Raises CheckError when there is nothing to check: no manifest and no MCP, or no answer.
    """
    mcp = mcp or McpOptions()
    report = Report(target)
    is_url = target.startswith(("http://", "https://"))
    if is_url and is_mcp_path(target):
        check_mcp_endpoint(target, mcp, report)
        return report
    try:
        checked_plugin = _check_plugin(target, report)
    except NoManifest as error:
        found = ask(target)
        if not found.is_mcp:
            raise CheckError(
                f"{error}, and {target} does not answer MCP ({found.answer})"
            ) from None
        check_mcp_server(found, mcp, report)
        return report
    if is_url and checked_plugin:
        check_plugin_endpoint(target, mcp, report)
    return report


def _check_plugin(target: str, report: Report) -> bool:
    """The plugin's rules; whether it was checked as a running plugin (a URL with a manifest)."""
    with open_source(target) as source:
        manifest = parse_object(
            source.manifest,
            json_only=True,
            rule="manifest.syntax",
            kind="manifest",
            shape_fix='write it as {"schema_version": "v1", ...}',
            report=report,
        )
        if manifest is None:
            return isinstance(source, UrlSource)
        check_manifest(source, manifest, report)
        spec = load_spec(source, manifest, report)
        if spec is not None:
            check_spec(spec, manifest, source.base_url, report)
        if isinstance(source, UrlSource):
            check_live(source, manifest, spec, report)
            return True
    return False

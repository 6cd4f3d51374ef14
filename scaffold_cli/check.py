"""`plugin-scaffold check TARGET`: check a plugin against ChatGPT's rules, from a folder or a URL,
and an MCP server (a plugin's /mcp, or any other) against MCP's."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated

import typer

from scaffold_cli.cli import fail
from scaffold_cli.errors import ScaffoldError

if TYPE_CHECKING:
    from scaffold_cli.checks import Report


def check(
    target: Annotated[
        str,
        typer.Argument(
            metavar="TARGET",
            show_default=False,
            help="A plugin's project folder, the base URL of a running plugin "
            "(e.g. http://localhost:5003; its /mcp is checked too), or an MCP server's URL "
            "(e.g. http://localhost:5003/mcp).",
        ),
    ],
    json_output: Annotated[
        bool, typer.Option("--json", help="Print the report as JSON instead of a table.")
    ] = False,
    strict: Annotated[bool, typer.Option("--strict", help="Fail on warnings too.")] = False,
    headers: Annotated[
        list[str] | None,
        typer.Option(
            "--header",
            "-H",
            metavar="'NAME: VALUE'",
            help="Send this header with every MCP request, e.g. 'Authorization: Bearer TOKEN' "
            "to check the tools of a server that needs sign-in. Repeatable.",
        ),
    ] = None,
    public_url: Annotated[
        str | None,
        typer.Option(
            "--public-url",
            metavar="URL",
            help="Where clients reach the MCP server when a proxy serves it "
            "(e.g. https://api.example.com): its host is sent as Host, and OAuth metadata "
            "must name it.",
        ),
    ] = None,
) -> None:
    """Check a plugin's manifest, OpenAPI spec and (for a URL) running server and /mcp, or an
    MCP server: its tools, their schemas and results, its OAuth metadata, its Host check.

    Exits 1 on errors (on warnings too with --strict), 2 when TARGET cannot be checked.
    """
    try:
        # The validators and the MCP SDK load slowly; --help needs neither.
        from scaffold_cli.checks import McpOptions, run_checks

        report = run_checks(target, McpOptions.from_cli(headers or [], public_url))
    except ScaffoldError as error:
        fail(str(error))
    if json_output:
        typer.echo(json.dumps(report.to_dict(), indent=2))
    else:
        typer.echo(format_report(report))
    raise typer.Exit(1 if report.failed(strict) else 0)


def format_report(report: Report) -> str:
    """A table: severity, rule and where on one line, the finding and its fix below."""
    lines = [f"Checked {report.target}"]
    if report.findings:
        rule_width = max(len(finding.rule) for finding in report.findings)
        lines += ["", f"{'SEVERITY':<9}{'RULE':<{rule_width + 2}}WHERE"]
        for finding in report.findings:
            lines += [
                f"{finding.severity:<9}{finding.rule:<{rule_width + 2}}{finding.where}",
                f"{'':<9}{finding.message}",
                f"{'':<9}fix: {finding.fix}",
            ]
    lines += ["", summary(report)]
    return "\n".join(lines)


def summary(report: Report) -> str:
    counts = ((report.errors, "error"), (report.warnings, "warning"), (report.hints, "hint"))
    return ", ".join(f"{n} {word}{'' if n == 1 else 's'}" for n, word in counts)

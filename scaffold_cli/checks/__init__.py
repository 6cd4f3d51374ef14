"""Check a ChatGPT plugin, from its project folder or its running server, against ChatGPT's rules.

`run_checks(target)` is the whole check; `plugin-scaffold check` prints its Report.
"""

from __future__ import annotations

from scaffold_cli.checks.documents import DocumentSyntaxError
from scaffold_cli.checks.findings import Finding, Report
from scaffold_cli.checks.live import check_live
from scaffold_cli.checks.manifest import check_manifest
from scaffold_cli.checks.sources import CheckError, UrlSource, open_source
from scaffold_cli.checks.spec import check_spec, load_spec

__all__ = ["CheckError", "Finding", "Report", "run_checks"]


def run_checks(target: str) -> Report:
    """Check the plugin at `target`, a project folder or a base URL.

    Raises CheckError when there is nothing to check: no manifest, or no answer.
    """
    report = Report(target)
    with open_source(target) as source:
        doc = source.manifest
        try:
            manifest = doc.parse_json()
        except DocumentSyntaxError as error:
            report.add(
                "manifest.syntax",
                "error",
                doc.at_line(error.line),
                f"the manifest is not valid JSON at line {error.line} column {error.column}: "
                f"{error.message}",
                "fix the JSON there (a trailing comma is the usual culprit)",
            )
            return report
        if not isinstance(manifest, dict):
            report.add(
                "manifest.syntax",
                "error",
                doc.where(),
                "the manifest is not a JSON object",
                'write it as {"schema_version": "v1", ...}',
            )
            return report
        check_manifest(source, manifest, report)
        spec = load_spec(source, manifest, report)
        if spec is not None:
            check_spec(spec, manifest, source.base_url, report)
        if isinstance(source, UrlSource):
            check_live(source, manifest, spec, report)
    return report

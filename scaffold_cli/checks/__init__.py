"""Check a ChatGPT plugin, from its project folder or its running server, against ChatGPT's rules.

`run_checks(target)` is the whole check; `plugin-scaffold check` prints its Report.
"""

from __future__ import annotations

from scaffold_cli.checks.documents import parse_object
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
        manifest = parse_object(
            source.manifest,
            json_only=True,
            rule="manifest.syntax",
            kind="manifest",
            shape_fix='write it as {"schema_version": "v1", ...}',
            report=report,
        )
        if manifest is None:
            return report
        check_manifest(source, manifest, report)
        spec = load_spec(source, manifest, report)
        if spec is not None:
            check_spec(spec, manifest, source.base_url, report)
        if isinstance(source, UrlSource):
            check_live(source, manifest, spec, report)
    return report

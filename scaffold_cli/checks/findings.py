"""What a check found (a Finding) and everything one run found (a Report)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Severity = Literal["error", "warning", "hint"]
SEVERITIES: tuple[Severity, ...] = ("error", "warning", "hint")


@dataclass(frozen=True)
class Finding:
    rule: str  # e.g. manifest.name_for_model.charset
    severity: Severity
    where: str  # file:line, or URL#/json/pointer
    message: str
    fix: str


@dataclass
class Report:
    target: str
    findings: list[Finding] = field(default_factory=list)

    def add(self, rule: str, severity: Severity, where: str, message: str, fix: str) -> None:
        if severity not in SEVERITIES:
            raise ValueError(f"unknown severity {severity!r}")
        self.findings.append(Finding(rule, severity, where, message, fix))

    def count(self, severity: Severity) -> int:
        return sum(finding.severity == severity for finding in self.findings)

    @property
    def errors(self) -> int:
        return self.count("error")

    @property
    def warnings(self) -> int:
        return self.count("warning")

    @property
    def hints(self) -> int:
        return self.count("hint")

    def failed(self, strict: bool = False) -> bool:
        """Whether the check fails: on any error, and with `strict` on any warning too."""
        return self.errors > 0 or (strict and self.warnings > 0)

    def to_dict(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "findings": [asdict(finding) for finding in self.findings],
            "errors": self.errors,
            "warnings": self.warnings,
            "hints": self.hints,
        }

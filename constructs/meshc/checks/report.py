"""Findings and the report that lists them: as text for people, as JSON for CI.

A finding always points at the environment key that caused it, with the file
and line that set that key (through the loader's SourceMap, so keys inherited
from an `extends` base point into the base file).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Literal

from meshc.build import BuiltEnvironment
from meshc.errors import MeshcError
from meshc.origin import component_rank
from meshc.yaml_source import KeyPath, dotted  # noqa: F401  (the checks read them from here)

Severity = Literal["error", "warning"]
Output = Literal["text", "json"]
SEVERITIES: tuple[Severity, ...] = ("error", "warning")


@dataclass(frozen=True)
class Finding:
    """One problem the checks found in one environment.

    check: a stable id such as `quota.exceeded` (docs/validate.md lists them).
    component: `registry`, `agent/<name>`, `platform`, or another component of the build.
    key_path: the environment key that caused it, dotted (`agents.weather-agent.dependencies`).
    fix: what to change, in one sentence.
    """

    severity: Severity
    check: str
    environment: str
    component: str
    file: str
    line: int | None
    key_path: str
    message: str
    fix: str

    def sort_key(self) -> tuple:
        return (
            self.environment,
            component_rank(self.component),
            self.component,
            self.file,
            self.line or 0,
            self.key_path,
            SEVERITIES.index(self.severity),
            self.check,
            self.message,
        )

    @property
    def location(self) -> str:
        return f"{self.file}:{self.line}" if self.line else self.file


@dataclass(frozen=True)
class Scope:
    """One environment under check: makes findings that point into its files."""

    built: BuiltEnvironment

    @property
    def name(self) -> str:
        return self.built.name

    @property
    def model(self):
        return self.built.environment.model

    def finding(
        self,
        severity: Severity,
        check: str,
        component: str,
        key: KeyPath,
        message: str,
        fix: str,
        *,
        locate: KeyPath | None = None,
    ) -> Finding:
        """A finding at `key`; `locate` (default: `key`) picks the line, e.g. of one list item."""
        environment = self.built.environment
        file, line = environment.source.locate(locate if locate is not None else key, environment.file)
        return Finding(severity, check, self.name, component, file, line, dotted(key), message, fix)


@dataclass(frozen=True)
class Report:
    """Every finding of one run, sorted: by environment, then registry, agents, platform, the rest."""

    environments: tuple[str, ...]
    findings: tuple[Finding, ...]

    @classmethod
    def of(cls, environments, findings: list[Finding]) -> Report:
        unique = dict.fromkeys(findings)  # the same finding twice is one finding
        return cls(tuple(sorted(environments)), tuple(sorted(unique, key=Finding.sort_key)))

    @property
    def errors(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity == "error")

    @property
    def warnings(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity == "warning")

    @property
    def exit_code(self) -> int:
        """0 when nothing blocks (warnings allowed), 1 when an error-level finding exists."""
        return 1 if self.errors else 0

    def summary(self) -> str:
        where = _plural(len(self.environments), "environment")
        if not self.findings:
            return f"no findings in {where}"
        return f"{_plural(len(self.errors), 'error')}, {_plural(len(self.warnings), 'warning')} in {where}"

    def render(self, output: Output = "text") -> str:
        return self.to_json() if output == "json" else self.to_text()

    def to_text(self, *, severity: Severity | None = None) -> str:
        """Grouped by environment, then component; each finding: file:line key.path, what is wrong, the fix."""
        lines: list[str] = []
        environment = component = None
        for finding in self.findings:
            if severity is not None and finding.severity != severity:
                continue
            if finding.environment != environment:
                environment, component = finding.environment, None
                lines.append(f"{environment}:")
            if finding.component != component:
                component = finding.component
                lines.append(f"  {component.replace('/', ' ', 1)}")
            lines.append(f"    {finding.severity:<7} {finding.location} {finding.key_path}: {finding.message} [{finding.check}]")
            lines.append(f"            fix: {finding.fix}")
        lines.append(self.summary())
        return "\n".join(lines)

    def to_json(self) -> str:
        document = {
            "environments": list(self.environments),
            "errors": len(self.errors),
            "warnings": len(self.warnings),
            "findings": [asdict(f) for f in self.findings],
        }
        return json.dumps(document, indent=2, sort_keys=True)


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'s' if count != 1 else ''}"


class ChecksFailed(MeshcError):
    """Error-level findings stopped synth before it wrote anything. Exits 1, like `validate`."""

    exit_code = 1

    def __init__(self, report: Report):
        self.report = report
        super().__init__(str(self))

    def __str__(self) -> str:
        return (
            f"the checks found {_plural(len(self.report.errors), 'error')}; nothing was written:\n"
            f"{self.report.to_text()}"
        )

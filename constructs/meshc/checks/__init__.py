"""Checks that run on every synth and `validate`: catch mistakes before Flux does.

`check(built, crd_dirs)` runs every check on every built environment and
returns a `Report` of `Finding`s; synth refuses to write when the report has
an error. Each check is its own module with one `check(scope)` function:

- `schema`: every object against the Kubernetes OpenAPI schema of
  `validation.kubernetesVersion`, or its CRD from `--crd-dir`, strictly;
- `graph`: agent dependencies against enabled agents' capabilities;
- `quota`: the worst case (HPA maxima, surge, init containers) against the ResourceQuota;
- `workload`: requests <= limits, HPA ranges, ports, probes, sqlite replicas;
- `names`: valid, unique names and labels;
- `secrets`: secret-looking env vars with literal values;
- `charts`: what the mcp-mesh charts cannot render as meshc's manifests do (HelmRelease mode).
"""

from __future__ import annotations

from pathlib import Path

from meshc.build import BuiltEnvironment
from meshc.checks import charts, graph, names, quota, schema, secrets, workload
from meshc.checks.crds import CrdCatalog, CrdError, load_crds
from meshc.checks.report import ChecksFailed, Finding, Output, Report, Scope, Severity

__all__ = [
    "ChecksFailed", "CrdCatalog", "CrdError", "Finding", "Output", "Report", "Severity",
    "check", "check_environment", "load_crds",
]


def check_environment(built: BuiltEnvironment, crds: CrdCatalog) -> list[Finding]:
    """Every finding of one environment, unsorted."""
    scope = Scope(built)
    return [
        *schema.check(scope, crds),
        *graph.check(scope),
        *quota.check(scope),
        *workload.check(scope),
        *names.check(scope),
        *secrets.check(scope),
        *charts.check(scope),
    ]


def check(built: list[BuiltEnvironment], crd_dirs: list[Path] | tuple[Path, ...] = ()) -> Report:
    """Run every check on every environment. Raises CrdError (exit 2) for an unusable --crd-dir."""
    crds = load_crds(crd_dirs)
    findings = [finding for environment in built for finding in check_environment(environment, crds)]
    return Report.of([b.name for b in built], findings)

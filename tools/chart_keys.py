"""Write constructs/meshc/importer/chart_keys.json: every values key the mcp-mesh charts accept, with its type and default.

`import-helm` checks a user's values file against this list (a key not in it is a
typo, exit 2) instead of guessing. It is derived from the charts themselves: the
leaves of each chart's values.yaml, plus the keys its templates read that
values.yaml only mentions in comments. Re-run it when meshCharts.version moves:

    git --git-dir=<mcp-mesh mirror> archive v3.6.0 helm/ | tar -x -C /tmp/charts
    .venv/bin/python tools/chart_keys.py /tmp/charts/helm
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import yaml

CHARTS = ("mcp-mesh-registry", "mcp-mesh-agent")
# Defaults that are filled-in Kubernetes objects or maps with open keys: what is
# under them belongs to Kubernetes, not to the chart's vocabulary.
OPEN_MAPS = {
    "global", "resources", "service.annotations", "podSecurityContext", "securityContext",
    "startupProbe", "livenessProbe", "readinessProbe", "registry.redis.tls",
}
TEMPLATE_KEY = re.compile(r"\.Values\.([A-Za-z0-9_.]+)")
OUTPUT = Path(__file__).resolve().parent.parent / "constructs" / "meshc" / "importer" / "chart_keys.json"


def type_of(value: object) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "list"
    if isinstance(value, dict):
        return "map"
    return "any"


def leaves(values: dict, prefix: str = "") -> dict[str, dict]:
    found: dict[str, dict] = {}
    for key, value in values.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict) and value and path not in OPEN_MAPS:
            found.update(leaves(value, f"{path}."))
        else:
            found[path] = {"type": "map" if path in OPEN_MAPS else type_of(value), "default": value}
    return found


def chart_keys(chart: Path) -> dict[str, dict]:
    keys = leaves(yaml.safe_load((chart / "values.yaml").read_text()))
    for template in sorted((chart / "templates").glob("*")):
        for path in TEMPLATE_KEY.findall(template.read_text()):
            covered = any(path == k or k.startswith(f"{path}.") or path.startswith(f"{k}.") for k in keys)
            if not covered:
                keys[path] = {"type": "any", "default": None}
    return dict(sorted(keys.items()))


def main(charts_dir: str) -> None:
    result = {chart: chart_keys(Path(charts_dir) / chart) for chart in CHARTS}
    OUTPUT.write_text(json.dumps(result, indent=1, sort_keys=True) + "\n")
    print(f"wrote {OUTPUT.relative_to(Path.cwd()) if OUTPUT.is_relative_to(Path.cwd()) else OUTPUT}")


if __name__ == "__main__":
    main(*sys.argv[1:])

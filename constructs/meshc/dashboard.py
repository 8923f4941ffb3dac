"""The Grafana dashboard of the mesh, as the JSON Grafana's file provisioning reads.

Every panel queries only series that exist: the metrics an MCP Mesh SDK agent serves on
/metrics (AGENT_METRICS; a test scrapes a real agent and fails on a name it does not serve)
and the series Prometheus records about each scrape itself (PROMETHEUS_SERIES). Each
metric selector is written with braces (`name{...}`), which is how the test finds the names.

What the panels can show is bounded by what agents export. The SDK exports whether an agent
is up and how many MCP servers it wraps; it exports no request counters or latency
histograms, and the registry serves no /metrics at all, so request rates, latencies and
errors of tool calls cannot be charted from Prometheus. The dashboard shows scrape health
and scrape latency instead, and says so in its description.
"""

from __future__ import annotations

import json

# Served by every SDK agent on /metrics (mcp-mesh 3.8.0, `_mcp_mesh/pipeline/mcp_startup/fastapiserver_setup.py`).
AGENT_METRICS = ("mcp_mesh_up", "mcp_mesh_wrappers_total")
# Recorded by Prometheus for every scrape target; never served by the target.
PROMETHEUS_SERIES = ("up", "scrape_duration_seconds")
DASHBOARD_UID = "meshc-mcp-mesh"
DESCRIPTION = (
    "MCP Mesh agents of one namespace, from the metrics the SDK serves and Prometheus' own scrape series. "
    "Agents export no request or latency metrics, so tool-call rates and latencies are not shown."
)


def _stat(title: str, expr: str, description: str) -> dict:
    return {"type": "stat", "title": title, "description": description, "targets": [{"expr": expr, "refId": "A"}]}


def _series(title: str, expr: str, legend: str, unit: str, description: str) -> dict:
    return {
        "type": "timeseries",
        "title": title,
        "description": description,
        "fieldConfig": {"defaults": {"unit": unit}, "overrides": []},
        "targets": [{"expr": expr, "legendFormat": legend, "refId": "A"}],
    }


def panels(namespace: str) -> list[dict]:
    """The panels, top to bottom, for the agents of `namespace`."""
    agents = f'namespace="{namespace}"'
    laid_out = [
        _stat("Agents up", f"sum(mcp_mesh_up{{{agents}}})", "Agent pods that answer /metrics and report themselves up."),
        _stat("Agent kinds", f"count(count by (agent) (mcp_mesh_up{{{agents}}}))", "Distinct agent names reporting."),
        _stat(
            "Scrape targets down",
            f"count(up{{{agents}}} == 0) or vector(0)",
            "Targets in the namespace Prometheus could not scrape (pod gone, port closed, /metrics failing).",
        ),
        _series(
            "Agents up by name", f"sum by (agent) (mcp_mesh_up{{{agents}}})", "{{agent}}", "short",
            "Pods of each agent that report up.",
        ),
        _series(
            "MCP servers registered by agent", f"sum by (agent) (mcp_mesh_wrappers_total{{{agents}}})", "{{agent}}", "short",
            "FastMCP servers each agent wraps and registers with the mesh (summed over its pods).",
        ),
        _series(
            "Scrape health by pod", f"up{{{agents}}}", "{{pod}}", "short",
            "1 when Prometheus reached the pod's /metrics, 0 when the scrape failed: the error signal agents give.",
        ),
        _series(
            "Scrape latency by pod", f"scrape_duration_seconds{{{agents}}}", "{{pod}}", "s",
            "How long each agent took to answer /metrics: the one response time Prometheus measures.",
        ),
    ]
    # Three stats across the top row, then the time series two to a row.
    positions = [(0, 0), (8, 0), (16, 0), (0, 4), (12, 4), (0, 12), (12, 12)]
    for index, (panel, (x, y)) in enumerate(zip(laid_out, positions, strict=True)):
        height, width = (4, 8) if panel["type"] == "stat" else (8, 12)
        panel.update(id=index + 1, gridPos={"h": height, "w": width, "x": x, "y": y})
    return laid_out


def dashboard(namespace: str) -> dict:
    return {
        "uid": DASHBOARD_UID,
        "title": f"MCP Mesh ({namespace})",
        "description": DESCRIPTION,
        "tags": ["mcp-mesh", "meshc"],
        "schemaVersion": 39,
        "editable": False,
        "refresh": "30s",
        "time": {"from": "now-1h", "to": "now"},
        "panels": panels(namespace),
    }


def dashboard_json(namespace: str) -> str:
    """The dashboard as stable, sorted JSON: the same environment always gives the same bytes."""
    return json.dumps(dashboard(namespace), indent=2, sort_keys=True) + "\n"

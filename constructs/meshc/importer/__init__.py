"""`import-helm`: the values of a running Helm install -> environments/<env>.yaml, and a report.

Per-chart releases (`helm install NAME mcp-mesh-registry|mcp-mesh-agent -f FILE`)
and an umbrella release (one chart whose dependencies are those charts, agents
under aliases) are both read. The environment keeps the names and selectors of
the objects Helm created (`naming: helm-compatible`, plus `helmUmbrella`), so
Flux adopts them. The report lists every key the charts ignore, every key meshc
replaces, every literal secret (never its value) and everything that could not
be placed; the last makes the exit 1.
"""

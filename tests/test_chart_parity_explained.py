"""The parity script's table of explained differences covers exactly what it names.

tools/chart_parity.py (outside the suite: it needs the charts and helm) fails on
any runtime difference between the render modes that this table does not explain.
"""

from __future__ import annotations

from tools.chart_parity_explained import Difference, explanation

NOT_REFUSED = frozenset()


def test_a_chart_value_equal_to_the_binarys_default_is_explained():
    assert explanation(Difference("registry", "env.DB_MAX_OPEN_CONNECTIONS", None, "25", NOT_REFUSED))


def test_a_chart_value_other_than_the_binarys_default_is_not():
    assert explanation(Difference("registry", "env.DB_MAX_OPEN_CONNECTIONS", None, "50", NOT_REFUSED)) is None


def test_a_field_nobody_listed_is_not_explained():
    assert explanation(Difference("agent", "env.MCP_MESH_HEALTH_INTERVAL", "5", "30", NOT_REFUSED)) is None


def test_a_rollout_difference_is_explained_by_the_refusal_only_where_meshc_refuses_it():
    surge = ("registry", "strategy.rollingUpdate.maxSurge", 0, 1)
    assert "charts.rollout" in explanation(Difference(*surge, frozenset({"charts.rollout"})))
    assert explanation(Difference(*surge, NOT_REFUSED)) is None


def test_the_charts_metrics_port_is_explained_but_no_other_extra_port():
    ours = [(8000, "TCP")]
    assert explanation(Difference("registry", "ports", ours, [(8000, "TCP"), (9090, "TCP")], NOT_REFUSED))
    assert explanation(Difference("registry", "ports", ours, [(8000, "TCP"), (8443, "TCP")], NOT_REFUSED)) is None

"""meshc.checks.report: findings, their order, the text and JSON reports, ChecksFailed."""

from __future__ import annotations

import json

from checks.support import scope_of

from meshc.checks.report import ChecksFailed, Finding, Report, dotted
from meshc.kube import subject_of


def finding(component="agent/a", severity="error", key="agents.a.replicas", environment="dev", line=3, check="quota.contributor"):
    return Finding(severity, check, environment, component, "environments/dev.yaml", line, key, "what is wrong", "how to fix")


def test_findings_sort_by_environment_then_in_the_component_order_diff_and_status_use():
    findings = [finding("other"), finding("delivery"), finding("agent/b"), finding("registry"), finding("agent/a"),
                finding("platform"), finding("registry", environment="a-env")]
    report = Report.of(["dev", "a-env"], findings)
    assert [(f.environment, f.component) for f in report.findings] == [
        ("a-env", "registry"), ("dev", "platform"), ("dev", "delivery"), ("dev", "registry"), ("dev", "agent/a"),
        ("dev", "agent/b"), ("dev", "other")]
    assert report.environments == ("a-env", "dev")


def test_duplicates_are_reported_once_and_exit_codes_follow_severity():
    assert Report.of(["dev"], [finding(), finding()]).findings == (finding(),)
    assert Report.of(["dev"], [finding(severity="warning")]).exit_code == 0
    assert Report.of(["dev"], [finding(severity="warning"), finding()]).exit_code == 1
    assert Report.of(["dev"], []).exit_code == 0


def test_text_groups_by_environment_and_component_and_gives_location_key_message_and_fix():
    report = Report.of(["dev"], [finding("registry", key="registry.replicas", line=7), finding("agent/a", severity="warning", line=None)])
    assert report.to_text().splitlines() == [
        "dev:",
        "  registry",
        "    error   environments/dev.yaml:7 registry.replicas: what is wrong [quota.contributor]",
        "            fix: how to fix",
        "  agent a",
        "    warning environments/dev.yaml agents.a.replicas: what is wrong [quota.contributor]",
        "            fix: how to fix",
        "1 error, 1 warning in 1 environment",
    ]
    assert "registry" not in report.to_text(severity="warning")


def test_json_is_stable_sorted_and_complete():
    report = Report.of(["dev"], [finding("registry"), finding("agent/a")])
    document = json.loads(report.to_json())
    assert document["errors"] == 2 and document["warnings"] == 0 and document["environments"] == ["dev"]
    assert list(document["findings"][0]) == sorted(document["findings"][0])
    assert set(document["findings"][0]) == {"severity", "check", "environment", "component", "file", "line", "key_path", "message", "fix"}
    assert report.render("json") == Report.of(["dev"], [finding("agent/a"), finding("registry")]).render("json")


def test_an_empty_report_says_so():
    assert Report.of(["dev", "prod"], []).to_text() == "no findings in 2 environments"


def test_checks_failed_exits_1_and_carries_the_report():
    error = ChecksFailed(Report.of(["dev"], [finding()]))
    assert error.exit_code == 1
    assert str(error).startswith("the checks found 1 error; nothing was written:\ndev:")


def test_scope_locates_keys_through_the_source_map():
    from meshc.loader import SourceMap

    scope = scope_of([])
    scope.built.environment.source.positions.update({("agents",): ("environments/_base.yaml", 10), ("agents", "a"): ("environments/dev.yaml", 4)})
    assert isinstance(scope.built.environment.source, SourceMap)
    at = scope.finding("error", "x", "agent/a", ("agents", "a", "replicas"), "m", "f")
    assert (at.file, at.line, at.key_path) == ("environments/dev.yaml", 4, "agents.a.replicas")
    item = scope.finding("error", "x", "agent/b", ("agents", "b", "dependencies"), "m", "f", locate=("agents", "b", "dependencies", 0))
    assert (item.file, item.line, item.key_path) == ("environments/_base.yaml", 10, "agents.b.dependencies")


def test_helpers():
    assert dotted(("agents", "a", "dependencies", 2)) == "agents.a.dependencies[2]"
    assert dotted(("resourceQuota", "hard", "requests.cpu")) == "resourceQuota.hard.requests.cpu"
    assert subject_of({"kind": "Namespace", "metadata": {"name": "mesh"}}) == "Namespace/mesh"
    assert subject_of({"kind": "Service", "metadata": {"name": "a", "namespace": "mesh"}}) == "Service/mesh/a"

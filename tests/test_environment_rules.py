"""meshc.environment_rules: what synth would make of a valid environment must also be valid,
and every broken rule is an input problem at the key that causes it, all at once."""

from __future__ import annotations

import pytest

from meshc import model
from meshc.environment_rules import broken_rules
from meshc.errors import InputError
from meshc.loader import load_environment


def test_derived_names_over_63_characters_are_refused_in_helm_compatible_naming():
    ((key, message),) = broken_rules(model.Environment(naming="helm-compatible", agents={"a" * 45: model.Agent()}))
    assert key == ("agents", "a" * 45)
    assert "over the Kubernetes limit of 63" in message


def test_an_umbrella_needs_helm_compatible_naming():
    environment = model.Environment(helmUmbrella={"release": "mcp-platform", "chart": "mcp-mesh-platform"})
    assert broken_rules(environment) == [(("naming",), "helmUmbrella adopts a Helm install; it needs naming: helm-compatible")]


def test_an_umbrella_component_cannot_be_a_helmrelease_of_its_own_chart():
    environment = model.Environment(naming="helm-compatible", render="helmrelease",
                                    helmUmbrella={"release": "mcp-platform", "chart": "mcp-mesh-platform"})
    ((key, message),) = broken_rules(environment)
    assert key == ("helmUmbrella",) and "cannot keep the umbrella's names" in message


def test_a_kubernetes_version_without_schemas_is_refused():
    ((key, message),) = broken_rules(model.Environment(validation={"kubernetesVersion": "1.19"}))
    assert key == ("validation", "kubernetesVersion") and message.startswith("no API schema for Kubernetes 1.19")


def test_every_broken_rule_is_reported_at_once_at_its_own_line(tmp_path):
    path = tmp_path / "environments" / "dev.yaml"
    path.parent.mkdir()
    long_one, long_two = "a" * 45, "b" * 45
    path.write_text(
        "naming: helm-compatible\n"
        "validation: {kubernetesVersion: '1.19'}\n"
        "agents:\n"
        f"  {long_one}: {{}}\n"
        f"  {long_two}: {{}}\n"
    )
    with pytest.raises(InputError) as refused:
        load_environment(path, tmp_path)
    located = {(problem.line, problem.key_path) for problem in refused.value.problems}
    assert located == {(2, "validation.kubernetesVersion"), (4, f"agents.{long_one}"), (5, f"agents.{long_two}")}

"""What users already write from their Helm values: accepted where it is unambiguous, and a
did-you-mean that names the meshc key where it is a chart key. Also the umbrella naming rule."""

from __future__ import annotations

import pytest

from meshc.errors import InputError
from meshc.loader import load_environment
from meshc.naming import AGENT_CHART, REGISTRY_CHART, component_identity


def load(tmp_path, text: str):
    path = tmp_path / "environments" / "dev.yaml"
    path.parent.mkdir(exist_ok=True)
    path.write_text(text)
    return load_environment(path)


def problems(tmp_path, text: str) -> list[str]:
    with pytest.raises(InputError) as error:
        load(tmp_path, text)
    return [str(p) for p in error.value.problems]


def test_pull_secrets_may_be_written_as_the_charts_name_entries(tmp_path):
    loaded = load(tmp_path, "global:\n  imagePullSecrets:\n    - name: regcred\n    - other\n")
    assert loaded.model.global_.image_pull_secrets == ["regcred", "other"]


def test_a_pull_secret_entry_with_more_than_a_name_is_refused(tmp_path):
    (found,) = problems(tmp_path, "global:\n  imagePullSecrets:\n    - {name: regcred, namespace: x}\n")
    assert found.startswith("environments/dev.yaml:3 global.imagePullSecrets[0]:")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("agents:\n  weather-agent:\n    agent: {name: weather-agent}\n",
         "environments/dev.yaml:3 agents.weather-agent.agent: unknown key; 'agent' is a Helm chart key: in meshc its keys sit directly under the agent: agent.http.port -> http.port"),
        ("registry:\n  replicaCount: 2\n", "environments/dev.yaml:2 registry.replicaCount: unknown key; 'replicaCount' is a Helm chart key: write 'replicas'"),
        ("agents:\n  a:\n    replicaCount: 2\n", "agents.a.replicaCount: unknown key; 'replicaCount' is a Helm chart key: write 'replicas'"),
        ("registry:\n  registry: {port: 8000}\n", "registry.registry: unknown key; 'registry' is a Helm chart key: in meshc its keys sit directly under registry"),
        ("agents:\n  a:\n    imagePullSecrets: [regcred]\n", "write it once for every pod as global.imagePullSecrets"),
        ("agent:\n  name: a\n", "environments/dev.yaml:1 agent: unknown key; 'agent' is a Helm chart key: an agent goes under agents.<name>"),
        ("agents:\n  a:\n    existingSecret: keys\n", "'existingSecret' is a Helm chart key: write 'envFrom: [{secret: NAME}]'"),
        ("agents:\n  a:\n    mesh: {logLevel: INFO}\n", "mesh.logLevel is the environment's top-level 'logLevel'"),
    ],
    ids=["agent-block", "registry-replicaCount", "agent-replicaCount", "registry-block", "pull-secrets", "top-level-agent",
         "existing-secret", "mesh-log-level"],
)
def test_a_chart_key_gets_the_meshc_key_instead_of_a_near_spelling(tmp_path, text, expected):
    (found,) = problems(tmp_path, text)
    assert expected in found
    assert "did you mean 'image'" not in found


def test_a_plain_typo_still_gets_the_nearest_spelling(tmp_path):
    (found,) = problems(tmp_path, "registry:\n  replica: 2\n")
    assert "did you mean 'replicas'?" in found


# --- the umbrella naming rule ----------------------------------------------------------------


def test_an_aliased_agent_under_an_umbrella_is_named_and_labelled_by_its_alias():
    identity = component_identity("weather-agent", AGENT_CHART, "helm-compatible", "mcp-platform")
    assert (identity.names.base, identity.name_label, identity.instance) == ("mcp-platform-weather-agent", "weather-agent", "mcp-platform")


def test_the_registry_under_an_umbrella_keeps_its_chart_name():
    identity = component_identity(REGISTRY_CHART, REGISTRY_CHART, "helm-compatible", "mcp-platform")
    assert (identity.names.data, identity.name_label) == ("mcp-platform-mcp-mesh-registry-data", REGISTRY_CHART)


def test_per_chart_releases_are_labelled_by_chart_and_release():
    identity = component_identity("weather-agent", AGENT_CHART, "helm-compatible")
    assert (identity.names.base, identity.name_label, identity.instance) == ("weather-agent-mcp-mesh-agent", AGENT_CHART, "weather-agent")

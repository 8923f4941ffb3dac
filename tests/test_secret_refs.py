"""The Secrets an environment references: one list for validate, status and docs/secrets.md."""

from __future__ import annotations

import pytest

from meshc.secret_refs import referenced_secrets, render_markdown
from meshc.synth import Project, load_and_build

ENVIRONMENTS = ("dev", "staging", "prod", "minimal", "production")


@pytest.fixture(scope="module")
def built(repo_root):
    return {b.name: b for b in load_and_build(Project(repo_root), list(ENVIRONMENTS))}


def references_in_objects(objects: list[dict]) -> set[tuple[str, str, str | None]]:
    """(namespace, Secret, key or None) named anywhere Kubernetes or Flux reads a Secret by reference."""
    found = set()

    def walk(node, namespace):
        if isinstance(node, dict):
            if "secretKeyRef" in node:
                found.add((namespace, node["secretKeyRef"]["name"], node["secretKeyRef"]["key"]))
            for value in node.values():
                walk(value, namespace)
        elif isinstance(node, list):
            for value in node:
                walk(value, namespace)

    for obj in objects:
        namespace, spec = obj["metadata"].get("namespace"), obj.get("spec") or {}
        walk(spec, namespace)
        pod = (spec.get("template") or {}).get("spec") or {}
        found |= {(namespace, s["name"], None) for s in pod.get("imagePullSecrets") or []}
        found |= {(namespace, e["secretRef"]["name"], None) for c in pod.get("containers") or []
                  for e in c.get("envFrom") or [] if "secretRef" in e}
        found |= {(namespace, s["name"], s["valuesKey"]) for s in spec.get("valuesFrom") or [] if s["kind"] == "Secret"}
        if obj["kind"] == "GitRepository" and spec.get("secretRef"):
            found.add((namespace, spec["secretRef"]["name"], None))
    return found


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_every_secret_the_objects_reference_is_in_the_list(built, environment):
    listed = {(r.namespace, r.name, key) for r in referenced_secrets(built[environment].environment.model)
              for key in (*r.keys, *r.optional_keys, None)}
    listed_names = {(namespace, name) for namespace, name, _ in listed}
    for namespace, name, key in references_in_objects([m.obj for m in built[environment].manifests]):
        assert ((namespace, name, key) in listed) if key else ((namespace, name) in listed_names), (namespace, name, key)


def test_the_pull_secret_of_prod_and_production_is_listed(built):
    for environment in ("prod", "production"):
        regcred = [r for r in referenced_secrets(built[environment].environment.model) if r.name == "regcred"]
        assert [(r.keys, r.used_by) for r in regcred] == [((".dockerconfigjson",), ("global.imagePullSecrets",))]


def test_git_credentials_are_looked_for_in_the_flux_namespace(make_project):
    project = make_project({"git.yaml": "gitops: {url: 'ssh://git@example.org/repo', secretRef: deploy-key}\n"})
    [loaded] = load_and_build(project, [])
    (reference,) = referenced_secrets(loaded.environment.model)
    assert (reference.namespace, reference.name, reference.keys) == ("flux-system", "deploy-key", ("identity", "known_hosts"))


def test_validate_prints_the_list_beside_its_summary(cli_runner, use_project, make_project, minimal_environment):
    import main

    text = minimal_environment("alpha") + "global: {namespace: mesh-alpha, imagePullSecrets: [regcred]}\n"
    use_project(make_project({"alpha.yaml": text.replace("global: {namespace: mesh-alpha}\n", "", 1)}))
    result = cli_runner.invoke(main.cli, ["validate", "--env", "alpha"])
    assert "alpha: Secrets to create before Flux applies it (meshc writes none):\n" \
           "  Secret/mesh-alpha/regcred keys .dockerconfigjson (for global.imagePullSecrets)" in result.stderr


def test_docs_secrets_md_is_current(repo_root):
    committed = (repo_root / "docs" / "secrets.md").read_text()
    assert committed == render_markdown(repo_root / "environments"), "run `python main.py schema` to regenerate docs/secrets.md"


ENV_FROM_AND_OPTIONAL = """\
global: {namespace: mesh-opt}
registry:
  envFrom: [{secret: reg-extra}]
agents:
  a:
    capabilities: [x]
    envFrom: [{secret: agent-bundle, optional: true}]
    secretEnv:
      TOKEN: {secret: agent-keys, key: token}
      TRACE_KEY: {secret: agent-keys, key: trace, optional: true}
      SPARE: {secret: spare, key: k, optional: true}
"""


def _references(make_project) -> dict[str, object]:
    [loaded] = load_and_build(make_project({"opt.yaml": ENV_FROM_AND_OPTIONAL}), [])
    return {r.name: r for r in referenced_secrets(loaded.environment.model)}


def test_a_whole_secret_read_through_env_from_is_listed(make_project):
    reference = _references(make_project)["reg-extra"]
    assert (reference.keys, reference.optional, reference.used_by) == ((), False, ("registry.envFrom[0]",))


def test_optional_references_make_optional_keys_and_optional_secrets(make_project):
    references = _references(make_project)
    keys = references["agent-keys"]
    assert (keys.keys, keys.optional_keys, keys.optional) == (("token",), ("trace",), False)
    assert references["spare"].optional and references["agent-bundle"].optional

"""The committed dist/: what Flux will apply, checked as a whole.

Every Flux object passes its CRD's openAPIV3Schema (read from ../shared/crds,
never copied into the project), every folder is a consistent kustomization,
and no secret value appears anywhere.
"""

from __future__ import annotations

import re
from pathlib import Path

import jsonschema
import pytest
import yaml

REPO_ROOT = Path(__file__).resolve().parents[1]
DIST = REPO_ROOT / "dist"
CRDS = REPO_ROOT.parent / "shared" / "crds"
ENVIRONMENTS = sorted(p.stem for p in (REPO_ROOT / "environments").glob("*.yaml") if not p.name.startswith("_"))


def _documents(folder: Path) -> list[tuple[Path, dict]]:
    return [(path, yaml.safe_load(path.read_text())) for path in sorted(folder.rglob("*.yaml"))]


def _crd_schemas() -> dict[tuple[str, str], dict]:
    """(apiVersion, kind) -> openAPIV3Schema of every served CRD version in ../shared/crds."""
    schemas = {}
    for path in sorted(CRDS.rglob("*.yaml")):
        crd = yaml.safe_load(path.read_text())
        group, kind = crd["spec"]["group"], crd["spec"]["names"]["kind"]
        for version in crd["spec"]["versions"]:
            if version.get("served"):
                schemas[(f"{group}/{version['name']}", kind)] = version["schema"]["openAPIV3Schema"]
    return schemas


@pytest.fixture(scope="module")
def crd_schemas() -> dict[tuple[str, str], dict]:
    if not CRDS.is_dir():
        pytest.skip("../shared/crds is not next to the project")
    return _crd_schemas()


@pytest.fixture(scope="module")
def custom_resources(crd_schemas) -> list[tuple[Path, dict]]:
    found = [(p, d) for p, d in _documents(DIST) if (d.get("apiVersion"), d.get("kind")) in crd_schemas]
    assert found, "dist/ holds no Flux objects"
    return found


def test_every_environment_has_a_flux_folder():
    for env in ENVIRONMENTS:
        assert (DIST / env / "flux" / "kustomization.yaml").is_file(), env


def test_every_flux_object_passes_its_crd_schema(crd_schemas, custom_resources):
    for path, document in custom_resources:
        schema = crd_schemas[(document["apiVersion"], document["kind"])]
        jsonschema.validate(document, schema, cls=jsonschema.Draft7Validator)


def test_the_crd_schemas_reject_an_unknown_field(crd_schemas, custom_resources):
    """Guards the test above: the schemas really constrain the objects."""
    path, document = next((p, d) for p, d in custom_resources if d["kind"] == "HelmRelease")
    broken = {**document, "spec": {**document["spec"], "interval": 5}}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, crd_schemas[(document["apiVersion"], "HelmRelease")])


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_each_layer_folder_lists_exactly_its_files(env):
    for kustomization in sorted((DIST / env).glob("*/kustomization.yaml")):
        folder = kustomization.parent
        listed = yaml.safe_load(kustomization.read_text())["resources"]
        present = sorted(p.name for p in folder.iterdir() if p.name != "kustomization.yaml")
        assert len(listed) == len(set(listed)), f"{kustomization} lists a resource twice"
        assert sorted(listed) == present, f"{kustomization} does not match the folder's contents"


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_the_environment_kustomization_lists_every_layer_but_flux(env):
    listed = yaml.safe_load((DIST / env / "kustomization.yaml").read_text())["resources"]
    layers = sorted(p.name for p in (DIST / env).iterdir() if p.is_dir() and p.name != "flux")
    assert sorted(listed) == layers
    assert listed[0] == "platform" and listed[-1] == "agents"


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_flux_applies_the_layers_in_the_seed_order(env):
    kustomizations = {
        d["metadata"]["name"].removeprefix(f"meshc-{env}-"): d
        for _, d in _documents(DIST / env / "flux")
        if d["kind"] == "Kustomization" and d["apiVersion"].startswith("kustomize.toolkit")
    }
    needs = {layer: [n["name"].removeprefix(f"meshc-{env}-") for n in d["spec"].get("dependsOn", [])] for layer, d in kustomizations.items()}
    assert needs["platform"] == []
    assert needs["registry"] == (["data"] if "data" in needs else ["platform"])
    assert needs["agents"] == ["registry"]
    for layer, document in kustomizations.items():
        spec = document["spec"]
        assert spec["prune"] is True and spec["wait"] is True and spec["timeout"]
        assert spec["path"] == f"./dist/{env}/{layer}"


SECRET_NAME = re.compile(r"password|passwd|token|api[-_]?key|secret|credential", re.IGNORECASE)
# Keys whose values name a Secret or a key inside one: references, not values.
REFERENCE_KEY = re.compile(r"(Key|Secret|SecretName|secretRef|Ref)$|^(name|key|targetPath|valuesKey)$")


def secret_values(node, path: str = "") -> list[str]:
    """Places where a secret-looking name carries a literal value."""
    found = []
    if isinstance(node, dict):
        if isinstance(node.get("name"), str) and isinstance(node.get("value"), str) and SECRET_NAME.search(node["name"]):
            found.append(f"{path}.{node['name']}")
        for key, value in node.items():
            if isinstance(value, (str, int, float)) and not isinstance(value, bool):
                if SECRET_NAME.search(str(key)) and not REFERENCE_KEY.search(str(key)):
                    found.append(f"{path}.{key}")
            found += secret_values(value, f"{path}.{key}")
    elif isinstance(node, list):
        for index, item in enumerate(node):
            found += secret_values(item, f"{path}[{index}]")
    return found


def test_the_secret_detector_finds_literal_secrets():
    planted = {"env": [{"name": "WEATHER_API_KEY", "value": "abc"}], "values": {"adminPassword": "hunter2"}}
    assert secret_values(planted) == [".env[0].WEATHER_API_KEY", ".values.adminPassword"]


def test_no_secret_value_is_written():
    leaks = []
    for path, document in _documents(DIST):
        assert document.get("kind") != "Secret", f"{path} is a Secret"
        leaks += [f"{path.relative_to(REPO_ROOT)}: {place}" for place in secret_values(document)]
    assert leaks == []

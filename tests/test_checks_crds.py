"""meshc.checks.crds: reading CRD folders and turning OpenAPI 3 schemas into strict JSON Schemas."""

from __future__ import annotations

import jsonschema
import pytest
from checks.support import SHARED_CRDS

from meshc.checks.crds import CrdError, load_crds, to_json_schema


def valid(schema: dict, instance) -> bool:
    return jsonschema.Draft202012Validator(schema).is_valid(instance)


def test_the_shared_folder_holds_the_flux_and_monitoring_kinds():
    catalog = load_crds([SHARED_CRDS])
    assert {kind for (_, kind) in catalog.versions} >= {
        "HelmRelease", "HelmRepository", "OCIRepository", "GitRepository", "Kustomization", "ServiceMonitor"}
    assert catalog.lookup("helm.toolkit.fluxcd.io", "HelmRelease")["v2"].served


def test_the_same_folders_give_the_same_cached_catalog():
    assert load_crds([SHARED_CRDS]) is load_crds([SHARED_CRDS])


def test_a_missing_folder_is_an_input_error(tmp_path):
    with pytest.raises(CrdError, match="no such folder") as caught:
        load_crds([tmp_path / "nope"])
    assert caught.value.exit_code == 2


def test_a_malformed_file_is_an_input_error(tmp_path):
    (tmp_path / "bad.yaml").write_text("kind: [unclosed\n")
    with pytest.raises(CrdError, match="not valid YAML"):
        load_crds([tmp_path])


@pytest.mark.parametrize("spec", [
    "5",
    "{group: x.io, names: [HelmRelease]}",
    "{group: x.io, names: {kind: X}, versions: 7}",
    "{group: x.io, names: {kind: X}, versions: [{name: v1, schema: {openAPIV3Schema: {properties: [a]}}}]}",
    "{group: x.io, names: {kind: X}, versions: [{name: v1, schema: {openAPIV3Schema: {type: 5}}}]}",
], ids=["spec-a-number", "names-a-list", "versions-a-number", "properties-a-list", "type-a-number"])
def test_a_crd_of_the_wrong_shape_is_an_input_error(tmp_path, spec):
    (tmp_path / "crd.yaml").write_text(f"apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nspec: {spec}\n")
    with pytest.raises(CrdError, match="crd.yaml: holds a CustomResourceDefinition whose spec or schema is not of the shape"):
        load_crds([tmp_path])


def test_files_that_are_not_crds_are_ignored(tmp_path):
    (tmp_path / "cm.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n")
    assert load_crds([tmp_path]).versions == {}


def test_objects_reject_unknown_fields_unless_told_otherwise():
    strict = to_json_schema({"type": "object", "properties": {"a": {"type": "string"}}})
    assert valid(strict, {"a": "x"}) and not valid(strict, {"b": "x"})
    open_ = to_json_schema({"type": "object", "x-kubernetes-preserve-unknown-fields": True})
    assert valid(open_, {"anything": {"at": "all"}})
    mapping = to_json_schema({"type": "object", "additionalProperties": {"type": "integer"}})
    assert valid(mapping, {"a": 1}) and not valid(mapping, {"a": "1"})


def test_int_or_string_nullable_and_exclusive_minimum():
    assert valid(to_json_schema({"x-kubernetes-int-or-string": True}), 3)
    assert valid(to_json_schema({"x-kubernetes-int-or-string": True}), "25%")
    assert valid(to_json_schema({"type": "string", "nullable": True}), None)
    exclusive = to_json_schema({"type": "integer", "minimum": 0, "exclusiveMinimum": True})
    assert valid(exclusive, 1) and not valid(exclusive, 0)


def test_the_root_accepts_any_metadata_and_an_api_version():
    root = to_json_schema({"type": "object", "properties": {"spec": {"type": "object"}}}, root=True)
    assert valid(root, {"apiVersion": "x/v1", "kind": "X", "metadata": {"name": "a", "labels": {"b": "c"}}, "spec": {}})
    assert not valid(root, {"apiVersion": "x/v1", "kind": "X", "status": {}})

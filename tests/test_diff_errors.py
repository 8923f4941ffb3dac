"""errors.py: each error writes its own message; failures summarize to one line per cause."""

from __future__ import annotations

import json

import pytest

from meshc.diff.errors import (
    ApiFailure,
    AuthenticationError,
    ClusterUnreachableError,
    DiffError,
    GitRevisionError,
    KubeconfigError,
    LiveFileError,
    NoClusterConfigError,
    ObjectFailure,
    Reason,
    failure_from_api,
    not_served,
    summarize,
)
from meshc.errors import MeshcError


def status(code: int, reason: str, message: str) -> bytes:
    return json.dumps({"kind": "Status", "apiVersion": "v1", "status": "Failure", "code": code,
                       "reason": reason, "message": message}).encode()


def test_api_failures_read_the_status_body():
    failure = ApiFailure.from_response(403, status(403, "Forbidden", "cannot patch"))
    assert (failure.status, failure.reason, failure.message) == (403, "Forbidden", "cannot patch")
    assert str(failure) == "403 Forbidden: cannot patch"


def test_api_failures_keep_a_plain_body_short():
    failure = ApiFailure.from_response(502, b"<html>bad gateway</html>" + b"x" * 500)
    assert failure.reason == "" and len(failure.message) == 300 and str(failure).startswith("502: <html>")


@pytest.mark.parametrize("status_code, operation, message, reason", [
    (403, "dry-run", "forbidden", Reason.FORBIDDEN_DRY_RUN),
    (403, "list", "forbidden", Reason.FORBIDDEN_READ),
    (404, "dry-run", 'namespaces "mesh" not found', Reason.NAMESPACE_MISSING),
    (422, "dry-run", "field is immutable", Reason.INVALID),
    (500, "dry-run", "etcd", Reason.SERVER_ERROR),
    (404, "dry-run", 'deployments.apps "x" not found', Reason.SERVER_ERROR),
])
def test_failures_are_classified_by_status_and_operation(status_code, operation, message, reason):
    failure = failure_from_api("Deployment/mesh/x", "registry", operation, ApiFailure(status_code, "R", message),
                               namespace="mesh")
    assert failure.reason is reason


def test_a_failure_reads_as_subject_operation_reason_and_cause():
    failure = failure_from_api("Deployment/mesh/agent-a", "agent/agent-a", "dry-run",
                               ApiFailure(403, "Forbidden", "no"))
    assert str(failure) == "Deployment/mesh/agent-a dry-run failed (forbidden-dry-run): 403 Forbidden: no"


def test_summaries_give_one_line_per_cause_with_the_next_step():
    failures = [
        failure_from_api(f"Deployment/mesh/a{i}", "x", "dry-run", ApiFailure(403, "Forbidden", "no")) for i in range(3)
    ] + [not_served("HelmRelease/mesh/pg", "database", "helm.toolkit.fluxcd.io/v2", "HelmRelease"),
         not_served("Kustomization/flux-system/k", "delivery", "kustomize.toolkit.fluxcd.io/v1", "Kustomization")]
    assert summarize(failures) == [
        "3 dry-runs forbidden (403): the credentials may read but not PATCH (Deployment/mesh/a0: 403 Forbidden: no). "
        "Run again with --read-only: GET/LIST only, less accurate.",
        "2 objects of kinds the cluster does not serve (HelmRelease (helm.toolkit.fluxcd.io/v2), Kustomization "
        "(kustomize.toolkit.fluxcd.io/v1)): install the CRDs (for Flux kinds, install Flux) or point --context at "
        "the right cluster.",
    ]


def test_every_reason_has_a_summary():
    for reason in Reason:
        (line,) = summarize([ObjectFailure(subject="K/n/x", component="c", operation="get", reason=reason, message="m")])
        assert line.startswith("1 ")


@pytest.mark.parametrize("error, text", [
    (NoClusterConfigError("~/.kube/config"), "no cluster to compare with: no kubeconfig at ~/.kube/config"),
    (KubeconfigError("k.yaml", "qa", "no such context", ["a", "b"]),
     "cannot use kubeconfig k.yaml, context 'qa': no such context (contexts in the file: a, b)"),
    (ClusterUnreachableError("https://x:6443", "Connection refused"),
     "cannot reach the API server at https://x:6443: Connection refused. Nothing was compared"),
    (AuthenticationError("https://x:6443", "prod"),
     "the API server at https://x:6443 rejected the credentials of context 'prod' (401 Unauthorized)"),
    (LiveFileError("live.yaml", "document 2 is not a mapping"), "<live_from> live.yaml: document 2 is not a mapping."),
    (GitRevisionError("v9", "is not a commit"), "<against_git> v9: is not a commit"),
])
def test_stopping_errors_say_what_where_and_exit_2(error, text):
    assert isinstance(error, DiffError) and isinstance(error, MeshcError) and error.exit_code == 2
    assert error.worded(lambda option: f"<{option}>").startswith(text)


def test_an_error_names_the_options_it_is_about_and_the_command_line_spells_them():
    error = NoClusterConfigError("~/.kube/config")
    assert str(error).endswith("Pass kubeconfig PATH, or compare offline with live_from FILE, against_env or against_git.")
    spelled = error.worded(lambda option: "--" + option.replace("_", "-"))
    assert spelled.endswith("Pass --kubeconfig PATH, or compare offline with --live-from FILE, --against-env or --against-git.")

"""What can go wrong in `diff`, each written once: what happened, where, and what to do next.

Two shapes:
- `DiffError` subclasses stop the run (no kubeconfig, cluster unreachable, credentials
  rejected, a bad --live-from file or git revision). main.py prints them and exits 2.
- `ObjectFailure` values are kept per object (a forbidden dry-run, a kind the cluster does not
  serve, a server error). The run goes on, the partial result is printed, and the failures
  are listed with one summary line per cause; the exit code is still 2.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from enum import StrEnum

from meshc.errors import MeshcError, OptionsError


class DiffError(MeshcError):
    """Base of the errors that stop a diff before it can report anything useful."""


class DiffOptionsError(OptionsError, DiffError):
    def __init__(self, problem: str, **values: object):
        super().__init__(f"diff: {problem}", **values)


class NoClusterConfigError(OptionsError, DiffError):
    def __init__(self, looked_at: str):
        self.looked_at = looked_at
        super().__init__(
            "no cluster to compare with: no kubeconfig at {looked_at} and not running in a pod. "
            "Pass {kubeconfig} PATH, or compare offline with {live_from} FILE, {against_env} or {against_git}.",
            looked_at=looked_at,
        )


class KubeconfigError(OptionsError, DiffError):
    def __init__(self, path: str, context: str | None, cause: str, contexts: list[str] | None = None, *,
                 choose_context: bool = False):
        self.path, self.context = path, context
        where = f"kubeconfig {path}" + (f", context {context!r}" if context else "")
        known = f" (contexts in the file: {', '.join(contexts)})" if contexts else ""
        choose = "; pass {context}" if choose_context else ""
        super().__init__("cannot use {where}: {cause}" + choose + "{known}", where=where, cause=cause, known=known)


class ClusterUnreachableError(OptionsError, DiffError):
    def __init__(self, server: str, cause: str):
        self.server = server
        super().__init__(
            "cannot reach the API server at {server}: {cause}. Nothing was compared; check the "
            "kubeconfig context ({context}) and the network, or compare offline with {live_from}.",
            server=server, cause=cause,
        )


class AuthenticationError(DiffError):
    def __init__(self, server: str, context: str):
        self.server = server
        super().__init__(
            f"the API server at {server} rejected the credentials of context {context!r} "
            "(401 Unauthorized). Log in again or refresh the token in the kubeconfig; nothing was compared."
        )


class LiveFileError(OptionsError, DiffError):
    def __init__(self, path: str, problem: str):
        self.path = path
        super().__init__(
            "{live_from} {path}: {problem}. Expected the output of `kubectl get -o yaml` "
            "(a List, or YAML documents of Kubernetes objects).",
            path=path, problem=problem,
        )


class GitRevisionError(OptionsError, DiffError):
    def __init__(self, ref: str, problem: str):
        self.ref = ref
        super().__init__("{against_git} {ref}: {problem}", ref=ref, problem=problem)


class WriteRefusedError(RuntimeError):
    """A request that could write without dryRun=All: a bug in meshc, never a user error."""


# --- failures of single objects -----------------------------------------------------


class Reason(StrEnum):
    """Why one object could not be compared; each has one summary line in `summarize`."""

    FORBIDDEN_DRY_RUN = "forbidden-dry-run"
    FORBIDDEN_READ = "forbidden-read"
    NOT_SERVED = "not-served"
    NAMESPACE_MISSING = "namespace-missing"
    INVALID = "invalid"
    SERVER_ERROR = "server-error"


@dataclass
class ApiFailure(Exception):
    """An HTTP error answer from the API server, reduced to what a message needs."""

    status: int
    reason: str
    message: str

    @classmethod
    def from_response(cls, status: int, body: bytes | str | None) -> ApiFailure:
        text = body.decode(errors="replace") if isinstance(body, bytes) else (body or "")
        try:
            parsed = json.loads(text)
        except ValueError:
            parsed = None
        if isinstance(parsed, dict) and parsed.get("kind") == "Status":
            return cls(status, parsed.get("reason") or "", parsed.get("message") or "")
        return cls(status, "", text.strip()[:300])

    def __str__(self) -> str:
        reason = f" {self.reason}" if self.reason else ""
        return f"{self.status}{reason}: {self.message}" if self.message else f"{self.status}{reason}"


@dataclass(frozen=True, kw_only=True)
class ObjectFailure:
    """One object meshc could not compare, and why; `str()` is the line shown to the user."""

    subject: str
    component: str
    operation: str  # "dry-run", "get", "list" or "discovery"
    reason: Reason
    message: str

    def __str__(self) -> str:
        return f"{self.subject} {self.operation} failed ({self.reason}): {self.message}"


def failure_from_api(subject: str, component: str, operation: str, error: ApiFailure,
                     namespace: str | None = None) -> ObjectFailure:
    if error.status == 403:
        reason = Reason.FORBIDDEN_DRY_RUN if operation == "dry-run" else Reason.FORBIDDEN_READ
    elif error.status == 404 and namespace and f'namespaces "{namespace}" not found' in error.message:
        reason = Reason.NAMESPACE_MISSING
    elif error.status in (400, 409, 422):
        reason = Reason.INVALID
    else:
        reason = Reason.SERVER_ERROR
    return ObjectFailure(subject=subject, component=component, operation=operation, reason=reason,
                         message=str(error))


def not_served(subject: str, component: str, api_version: str, kind: str) -> ObjectFailure:
    return ObjectFailure(subject=subject, component=component, operation="discovery", reason=Reason.NOT_SERVED,
                         message=f"the cluster does not serve {kind} ({api_version})")


_SUMMARIES = {
    Reason.FORBIDDEN_DRY_RUN: (
        "{count} dry-run{s} forbidden (403): the credentials may read but not PATCH ({first}). "
        "Run again with --read-only: GET/LIST only, less accurate."
    ),
    Reason.FORBIDDEN_READ: (
        "{count} read{s} forbidden (403): the credentials cannot GET/LIST what meshc compares ({first}). "
        "Grant get and list on these kinds in the environment's namespaces."
    ),
    Reason.NOT_SERVED: (
        "{count} object{s} of kinds the cluster does not serve ({kinds}): install the CRDs "
        "(for Flux kinds, install Flux) or point --context at the right cluster."
    ),
    Reason.NAMESPACE_MISSING: (
        "{count} object{s} in namespaces that do not exist and that this environment does not create "
        "({first}). Create the namespace or set global.createNamespace: true."
    ),
    Reason.INVALID: (
        "{count} object{s} the API server would reject on apply ({first}); Flux would fail the same way."
    ),
    Reason.SERVER_ERROR: (
        "{count} request{s} failed on the API server ({first}). Try again; if it persists, check the "
        "API server's health."
    ),
}


def summarize(failures: tuple[ObjectFailure, ...] | list[ObjectFailure]) -> list[str]:
    """One line per cause, in a fixed order, with the next step: what `error:` lines print."""
    grouped: dict[Reason, list[ObjectFailure]] = defaultdict(list)
    for failure in failures:
        grouped[failure.reason].append(failure)
    lines = []
    for reason in Reason:
        found = grouped.get(reason)
        if not found:
            continue
        kinds = sorted({f.message.removeprefix("the cluster does not serve ") for f in found})
        lines.append(_SUMMARIES[reason].format(
            count=len(found), s="" if len(found) == 1 else "s", first=f"{found[0].subject}: {found[0].message}",
            kinds=", ".join(kinds)))
    return lines

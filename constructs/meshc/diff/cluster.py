"""The one door to the Kubernetes API: kubeconfig or in-cluster config, discovery, reads and dry-runs.

The only module that imports the `kubernetes` client. Every request goes through `_request`,
which refuses any non-GET request that does not carry `dryRun=All`; the one function that
sends such a request is `dry_run_apply`, which always sets `dryRun=All` and `force=true`, and
has no argument that could change them. Its field manager is the one the Cluster was connected
with (meshc.diff.owner chooses it: the manager that really applies dist/).

Responses are read as plain JSON dicts (no client model classes): the diff works on the same
plain dicts meshc's build produces.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import threading
from dataclasses import dataclass

import urllib3
import yaml
from kubernetes import client, config
from kubernetes.client.exceptions import ApiException
from kubernetes.config.config_exception import ConfigException
from kubernetes.config.kube_config import KubeConfigMerger

from meshc.context import MANAGED_BY
from meshc.diff.errors import (
    ApiFailure,
    AuthenticationError,
    ClusterUnreachableError,
    KubeconfigError,
    NoClusterConfigError,
    WriteRefusedError,
)

# meshc's own field manager is the same "meshc" value the ownership labels use (meshc.context).
FIELD_MANAGER = MANAGED_BY
APPLY_PATCH = "application/apply-patch+yaml"
IN_CLUSTER = "in-cluster"
# (connect, read) seconds; a LIST of a big namespace may take a while, a dead host should not.
REQUEST_TIMEOUT = (10, 120)


@dataclass(frozen=True)
class Resource:
    """A kind as the server serves it (from discovery)."""

    api_version: str
    kind: str
    plural: str
    namespaced: bool

    def path(self, namespace: str | None = None, name: str | None = None) -> str:
        base = f"/apis/{self.api_version}" if "/" in self.api_version else f"/api/{self.api_version}"
        if self.namespaced and namespace:
            base += f"/namespaces/{namespace}"
        base += f"/{self.plural}"
        return f"{base}/{name}" if name else base


class Cluster:
    """A connected API server. Thread-safe: requests share one pooled ApiClient."""

    def __init__(self, api_client: client.ApiClient, context: str, field_manager: str = FIELD_MANAGER):
        self._api = api_client
        self.context = context
        self.field_manager = field_manager
        self.server = api_client.configuration.host
        self._discovered: dict[str, dict[str, Resource]] = {}
        self._lock = threading.Lock()

    # -- reads ---------------------------------------------------------------------------------
    def resource(self, api_version: str, kind: str) -> Resource | None:
        """How the server serves `kind` at `api_version`, or None when it does not (a missing CRD)."""
        return self.discover(api_version).get(kind)

    def discover(self, api_version: str) -> dict[str, Resource]:
        """The kinds served at one group version ({} when it is not served); one GET, then cached."""
        with self._lock:
            known = self._discovered.get(api_version)
        if known is None:
            known = self._discover(api_version)
            with self._lock:
                self._discovered[api_version] = known
        return known

    def list(self, resource: Resource, namespace: str | None, label_selector: str | None = None) -> list[dict]:
        """One LIST; items get back the apiVersion and kind that built-in list items omit."""
        query = [("labelSelector", label_selector)] if label_selector else []
        found = self._request("GET", resource.path(namespace), query)
        return [{"apiVersion": resource.api_version, "kind": resource.kind, **item} for item in found.get("items") or []]

    def get(self, resource: Resource, namespace: str | None, name: str) -> dict | None:
        """The live object, or None when it does not exist."""
        try:
            return self._request("GET", resource.path(namespace, name), [])
        except ApiFailure as failure:
            if failure.status == 404:
                return None
            raise

    # -- the only request that could write -------------------------------------------------------
    def dry_run_apply(self, resource: Resource, obj: dict) -> dict:
        """Server-side apply of `obj` as `field_manager`, forced, with dryRun=All: the server computes the
        object it would store and stores nothing. A result without metadata.resourceVersion
        means the object does not exist yet."""
        metadata = obj["metadata"]
        query = [("dryRun", "All"), ("fieldManager", self.field_manager), ("force", "true")]
        return self._request("PATCH", resource.path(metadata.get("namespace"), metadata["name"]), query,
                             body=json.dumps(obj), content_type=APPLY_PATCH)

    def close(self) -> None:
        self._api.close()

    # -- plumbing ----------------------------------------------------------------------------------
    def _discover(self, api_version: str) -> dict[str, Resource]:
        path = f"/apis/{api_version}" if "/" in api_version else f"/api/{api_version}"
        try:
            listing = self._request("GET", path, [])
        except ApiFailure as failure:
            if failure.status == 404:
                return {}  # the group version is not served at all
            raise
        return {entry["kind"]: Resource(api_version, entry["kind"], entry["name"], bool(entry.get("namespaced")))
                for entry in listing.get("resources") or [] if "/" not in entry["name"]}

    def _request(self, method: str, path: str, query: list[tuple[str, str]], body: str | None = None,
                 content_type: str | None = None) -> dict:
        if method != "GET" and ("dryRun", "All") not in query:
            raise WriteRefusedError(f"refusing {method} {path} without dryRun=All")
        headers = {"Accept": "application/json"}
        if content_type:
            headers["Content-Type"] = content_type
        request = self._api.param_serialize(method, path, query_params=list(query), header_params=headers,
                                            body=body, auth_settings=["BearerToken"])
        try:
            response = self._api.call_api(*request, _request_timeout=REQUEST_TIMEOUT)
            data = response.read()
        except urllib3.exceptions.HTTPError as error:
            raise ClusterUnreachableError(self.server, _reason(error)) from None
        except ApiException as error:  # the client's wrapper for TLS failures (status 0)
            raise ClusterUnreachableError(self.server, (error.reason or str(error)).splitlines()[-1]) from None
        if response.status == 401:
            raise AuthenticationError(self.server, self.context)
        if not 200 <= response.status <= 299:
            raise ApiFailure.from_response(response.status, data)
        return json.loads(data) if data else {}


def connect(kubeconfig: str | None, context: str | None, pool_size: int, *,
            field_manager: str = FIELD_MANAGER) -> Cluster:
    """A Cluster from --kubeconfig, else $KUBECONFIG or ~/.kube/config, else the pod's service account."""
    configuration = client.Configuration()
    path = kubeconfig or os.environ.get("KUBECONFIG") or os.path.expanduser("~/.kube/config")
    paths = [p for p in path.split(os.pathsep) if p]
    if kubeconfig or any(os.path.exists(p) for p in paths):
        chosen = _load_kubeconfig(path, paths, context, configuration)
    elif os.environ.get("KUBERNETES_SERVICE_HOST"):
        try:
            config.load_incluster_config(client_configuration=configuration)
        except ConfigException as error:
            raise KubeconfigError(IN_CLUSTER, None, str(error)) from None
        chosen = IN_CLUSTER
    else:
        raise NoClusterConfigError(path)
    # One pooled connection per worker: urllib3 otherwise drops (and logs) the extra ones.
    configuration.connection_pool_maxsize = max(pool_size, configuration.connection_pool_maxsize or 1)
    api_client = client.ApiClient(configuration)
    api_client.user_agent = f"{FIELD_MANAGER}-diff"
    return Cluster(api_client, chosen, field_manager)


KUBECONFIG_SHAPE = "not a kubeconfig: clusters, contexts and users must be lists of named entries"


def _load_kubeconfig(path: str, paths: list[str], context: str | None, configuration) -> str:
    missing = [p for p in paths if not os.path.exists(p)]
    if missing and len(missing) == len(paths):
        raise KubeconfigError(path, context, "file not found")
    try:
        merged = KubeConfigMerger(path).config
        document = getattr(merged, "value", merged) or {}
    except (ConfigException, OSError, ValueError) as error:
        raise KubeconfigError(path, context, str(error)) from None
    except (TypeError, AttributeError, KeyError, yaml.YAMLError):
        # The client walks the file assuming its shape (clusters: 5 is iterated).
        raise KubeconfigError(path, context, KUBECONFIG_SHAPE) from None
    if not isinstance(document, dict):
        raise KubeconfigError(path, context, KUBECONFIG_SHAPE)
    entries = [getattr(entry, "value", entry) for entry in document.get("contexts") or []]
    names = [entry.get("name") for entry in entries if isinstance(entry, dict)]
    if context and context not in names:
        raise KubeconfigError(path, context, "no such context", names)
    current = document.get("current-context") or None
    chosen = context or current
    if not chosen:
        raise KubeconfigError(path, None, "no current-context", names, choose_context=True)
    _require_credential_plugin(path, chosen, document, entries)
    # The client logs a credential plugin that fails and goes on without credentials; kubectl stops.
    # (Its logging.error would also configure the root logger, which then prints every urllib3 retry.)
    failures = _ErrorsLogged()
    logging.getLogger().addHandler(failures)
    try:
        config.load_kube_config(config_file=path, context=chosen, client_configuration=configuration,
                                persist_config=False)
    except (ConfigException, OSError, ValueError) as error:
        raise KubeconfigError(path, chosen, str(error)) from None
    except (TypeError, AttributeError, KeyError):
        raise KubeconfigError(path, chosen, KUBECONFIG_SHAPE) from None
    finally:
        logging.getLogger().removeHandler(failures)
    if failures.messages:
        raise KubeconfigError(path, chosen, f"its credentials could not be loaded ({failures.messages[0]})")
    return chosen


class _ErrorsLogged(logging.Handler):
    def __init__(self):
        super().__init__(logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def _require_credential_plugin(path: str, context: str, document: dict, contexts: list) -> None:
    """A plugin named on PATH that is not there: said plainly, before the client tries to run it."""
    def named(entries, name):
        found = [getattr(e, "value", e) for e in entries or [] if isinstance(getattr(e, "value", e), dict)]
        return next((e for e in found if e.get("name") == name), {})

    user_name = (named(contexts, context).get("context") or {}).get("user")
    user = named(document.get("users"), user_name).get("user") or {}
    command = (user.get("exec") or {}).get("command") if isinstance(user, dict) else None
    if isinstance(command, str) and command and "/" not in command and shutil.which(command) is None:
        raise KubeconfigError(path, context, f"the credential plugin {command!r} of user {user_name!r} is not on PATH")


def _reason(error: Exception) -> str:
    cause = getattr(error, "reason", None) or error
    text = str(cause)
    # urllib3 wraps the useful part: "<...NewConnectionError...>: Failed to establish ... Connection refused"
    return text.rsplit(": ", 1)[-1].rstrip(")'\"") if ": " in text else text

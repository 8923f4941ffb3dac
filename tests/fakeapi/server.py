"""A small Kubernetes API server on 127.0.0.1, faithful enough for the real `kubernetes` client.

It keeps objects in memory and answers like kube-apiserver does for the parts a diff needs:
discovery, GET/LIST, writes with dryRun=All, merge patch and server-side apply, defaults,
server-set metadata and Status error bodies. See ../shared/reference/live-cluster.md §3 and §5.
"""

import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

import yaml

from .defaults import CONTROLLERS, apply_defaults, rfc3339_now
from .merging import clone, delete_path, find_conflicts, format_path, json_merge_patch, server_side_apply


@dataclass(frozen=True)
class ResourceType:
    group: str
    version: str
    plural: str
    kind: str
    namespaced: bool
    short_names: tuple[str, ...] = ()
    custom: bool = False  # served by a CRD: list items keep apiVersion/kind, as on a real server

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def qualified_plural(self) -> str:
        return f"{self.plural}.{self.group}" if self.group else self.plural


def _namespaced_crd(group: str, version: str, plural: str, kind: str, short_name: str) -> ResourceType:
    return ResourceType(group, version, plural, kind, True, (short_name,), custom=True)


SERVED_RESOURCES = (
    ResourceType("", "v1", "namespaces", "Namespace", False, ("ns",)),
    ResourceType("", "v1", "configmaps", "ConfigMap", True, ("cm",)),
    ResourceType("", "v1", "secrets", "Secret", True),
    ResourceType("", "v1", "services", "Service", True, ("svc",)),
    ResourceType("", "v1", "serviceaccounts", "ServiceAccount", True, ("sa",)),
    ResourceType("", "v1", "persistentvolumeclaims", "PersistentVolumeClaim", True, ("pvc",)),
    ResourceType("", "v1", "resourcequotas", "ResourceQuota", True, ("quota",)),
    ResourceType("", "v1", "pods", "Pod", True, ("po",)),
    ResourceType("apps", "v1", "deployments", "Deployment", True, ("deploy",)),
    ResourceType("autoscaling", "v2", "horizontalpodautoscalers", "HorizontalPodAutoscaler", True, ("hpa",)),
    ResourceType("policy", "v1", "poddisruptionbudgets", "PodDisruptionBudget", True, ("pdb",)),
    ResourceType("networking.k8s.io", "v1", "networkpolicies", "NetworkPolicy", True, ("netpol",)),
    ResourceType("networking.k8s.io", "v1", "ingresses", "Ingress", True, ("ing",)),
    ResourceType("apiextensions.k8s.io", "v1", "customresourcedefinitions", "CustomResourceDefinition",
                 False, ("crd", "crds")),
    _namespaced_crd("helm.toolkit.fluxcd.io", "v2", "helmreleases", "HelmRelease", "hr"),
    _namespaced_crd("source.toolkit.fluxcd.io", "v1", "helmrepositories", "HelmRepository", "helmrepo"),
    _namespaced_crd("source.toolkit.fluxcd.io", "v1", "ocirepositories", "OCIRepository", "ocirepo"),
    _namespaced_crd("source.toolkit.fluxcd.io", "v1", "gitrepositories", "GitRepository", "gitrepo"),
    _namespaced_crd("kustomize.toolkit.fluxcd.io", "v1", "kustomizations", "Kustomization", "ks"),
    _namespaced_crd("monitoring.coreos.com", "v1", "servicemonitors", "ServiceMonitor", "smon"),
)

SYSTEM_NAMESPACES = ("default", "kube-node-lease", "kube-public", "kube-system")
_VERBS = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"]
_SERVER_METADATA = ("uid", "resourceVersion", "creationTimestamp", "generation", "managedFields")
_REASONS = {400: "BadRequest", 401: "Unauthorized", 403: "Forbidden", 404: "NotFound",
            405: "MethodNotAllowed", 409: "Conflict", 415: "UnsupportedMediaType", 422: "Invalid",
            429: "TooManyRequests", 500: "InternalError", 503: "ServiceUnavailable", 504: "Timeout"}
_APPLY = "application/apply-patch+yaml"
_MERGE_PATCH = "application/merge-patch+json"


@dataclass(frozen=True)
class RequestRecord:
    method: str
    path: str
    query: dict
    content_type: str | None
    body: object
    headers: dict = field(repr=False)


@dataclass
class _Fault:
    method: str | None
    path_prefix: str | None
    status: int
    reason: str
    message: str | None
    times: int | None

    def matches(self, request: RequestRecord) -> bool:
        return ((self.method is None or self.method.upper() == request.method)
                and (self.path_prefix is None or request.path.startswith(self.path_prefix))
                and self.times != 0)


@dataclass(frozen=True)
class _Target:
    rtype: ResourceType
    namespace: str | None
    name: str | None

    @property
    def key(self) -> tuple:
        return (self.rtype.group, self.rtype.plural, self.namespace or "", self.name)


class ApiError(Exception):
    def __init__(self, code: int, message: str, reason: str | None = None, details: dict | None = None):
        super().__init__(message)
        self.code, self.message = code, message
        self.reason = reason or _REASONS.get(code, "Unknown")
        self.details = details

    def status(self) -> dict:
        body = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                "message": self.message, "reason": self.reason, "code": self.code}
        if self.details:
            body["details"] = self.details
        return body


class FakeKubeAPIServer:
    """Serves SERVED_RESOURCES on http://127.0.0.1:<free port> once started.

    minor: reported by /version and used for version-dependent defaults. token: when set, every
    request needs `Authorization: Bearer <token>`. without_kinds: kinds left out, like missing CRDs.
    defaults: False stores objects exactly as written (no defaults, no simulated controllers).
    latency: seconds added to every request.
    """

    def __init__(self, *, minor: int = 33, token: str | None = None, without_kinds=(),
                 defaults: bool = True, latency: float = 0.0):
        self.minor, self.token, self.defaults, self.latency = minor, token, defaults, latency
        self._served = [rtype for rtype in SERVED_RESOURCES if rtype.kind not in without_kinds]
        self._objects: dict[tuple, dict] = {}
        self._intents: dict[tuple, dict[str, dict]] = {}  # what each manager last applied, per object
        self._requests: list[RequestRecord] = []
        self._faults: list[_Fault] = []
        self._revision = 100
        self._lock = threading.RLock()
        self._httpd: _Server | None = None
        self.seed([{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}
                   for name in SYSTEM_NAMESPACES], field_manager="kube-apiserver", operation="Update")

    # -- lifecycle -------------------------------------------------------------------------------
    def start(self) -> "FakeKubeAPIServer":
        self._httpd = _Server(("127.0.0.1", 0), _Handler)
        self._httpd.daemon_threads = True
        self._httpd.fake = self
        # A short poll interval keeps stop() fast; the default 0.5 s would dominate a test run.
        threading.Thread(target=self._httpd.serve_forever, args=(0.01,), daemon=True).start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> "FakeKubeAPIServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    # -- test controls ---------------------------------------------------------------------------
    def remove_kind(self, kind: str) -> None:
        """Stop serving a kind, like a cluster without its CRD: discovery omits it, requests get 404."""
        with self._lock:
            self._served = [rtype for rtype in self._served if rtype.kind != kind]

    def seed(self, objects, *, field_manager: str = "meshc", operation: str = "Apply") -> None:
        """Store objects as live, as if `field_manager` had written them earlier.

        They get defaults, metadata and controller status like any write; a given `status` or
        last-applied annotation is kept as given. `objects` is a list of dicts or a YAML string.
        """
        if isinstance(objects, str):
            objects = [doc for doc in yaml.safe_load_all(objects) if doc]
        with self._lock:
            for given in objects:
                obj = clone(given)
                rtype = self._type_of_kind(obj["kind"])
                target = _Target(rtype, _namespace_of(rtype, obj), obj["metadata"]["name"])
                intents = {field_manager: _without_server_metadata(obj)} if operation == "Apply" else None
                self._commit(target, self._objects.get(target.key), obj, field_manager, operation,
                             dry_run=False, intents=intents)
                if "status" in given:
                    self._objects[target.key]["status"] = clone(given["status"])

    def live(self, kind: str, name: str, namespace: str | None = None) -> dict | None:
        """The stored object, or None; a copy, so tests can't change live state by accident."""
        with self._lock:
            rtype = self._type_of_kind(kind)
            return clone(self._objects.get(_Target(rtype, namespace, name).key))

    def fail(self, method: str | None = None, path_prefix: str | None = None, status: int = 500,
             reason: str | None = None, message: str | None = None, times: int | None = None) -> None:
        """Answer matching requests with a Status error; `times=None` keeps failing forever."""
        with self._lock:
            self._faults.append(_Fault(method, path_prefix, status, reason or _REASONS.get(status, "Unknown"),
                                       message, times))

    @property
    def requests(self) -> list[RequestRecord]:
        with self._lock:
            return list(self._requests)

    # -- request handling ------------------------------------------------------------------------
    def handle(self, request: RequestRecord) -> tuple[int, dict]:
        with self._lock:
            self._requests.append(request)
        time.sleep(self.latency)
        try:
            with self._lock:
                self._authenticate(request)
                self._inject_fault(request)
                return self._route(request)
        except ApiError as error:
            return error.code, error.status()
        except Exception as error:  # a bug in the fake: say so, rather than drop the connection
            return 500, ApiError(500, f"fakeapi internal error: {error!r}").status()

    def _authenticate(self, request: RequestRecord) -> None:
        if self.token and request.headers.get("authorization") != f"Bearer {self.token}":
            raise ApiError(401, "Unauthorized")

    def _inject_fault(self, request: RequestRecord) -> None:
        for fault in self._faults:
            if fault.matches(request):
                if fault.times is not None:
                    fault.times -= 1
                raise ApiError(fault.status, fault.message or f"{fault.reason}: injected by fakeapi",
                               fault.reason)

    def _route(self, request: RequestRecord) -> tuple[int, dict]:
        segments = [segment for segment in request.path.split("/") if segment]
        if request.method == "GET" and segments in (["version"], ["api"], ["apis"]):
            return 200, getattr(self, f"_discover_{segments[0]}")()
        if segments[:2] == ["api", "v1"]:
            group, version, rest = "", "v1", segments[2:]
        elif segments[:1] == ["apis"] and len(segments) >= 3:
            group, version, rest = segments[1], segments[2], segments[3:]
        else:
            raise _unknown_resource()
        if not rest and request.method == "GET":
            return 200, self._discover_resources(group, version)
        target = self._target(group, version, rest)
        return self._dispatch(request, target, _object_body(request))

    def _target(self, group: str, version: str, rest: list[str]) -> _Target:
        namespace = None
        if len(rest) >= 3 and rest[0] == "namespaces":
            namespace, rest = rest[1], rest[2:]
        rtype = next((rtype for rtype in self._served
                      if (rtype.group, rtype.version, rtype.plural) == (group, version, rest[0])), None)
        if rtype is None or len(rest) > 2 or (namespace is not None and not rtype.namespaced):
            raise _unknown_resource()
        name = rest[1] if len(rest) == 2 else None
        if name is not None and rtype.namespaced and namespace is None:
            raise _unknown_resource()
        return _Target(rtype, namespace, name)

    def _dispatch(self, request: RequestRecord, target: _Target, body) -> tuple[int, dict]:
        method, query = request.method, request.query
        if method == "GET":
            if target.name:
                return 200, clone(self._require(target))
            return 200, self._list(target, query.get("labelSelector"))
        manager = query.get("fieldManager") or request.headers.get("user-agent", "unknown").split("/")[0]
        dry_run = query.get("dryRun") == "All"
        if method == "POST" and target.name is None:
            return 201, self._create(target, body, manager, dry_run)
        if method == "PUT" and target.name:
            return 200, self._replace(target, body, manager, dry_run)
        if method == "DELETE" and target.name:
            return 200, self._delete(target, dry_run)
        if method == "PATCH" and target.name:
            return self._patch(target, request, body, manager, dry_run)
        raise ApiError(405, "the server does not allow this method on the requested resource")

    # -- verbs -----------------------------------------------------------------------------------
    def _list(self, target: _Target, selector: str | None) -> dict:
        items = [clone(obj) for key, obj in sorted(self._objects.items())
                 if key[:2] == target.key[:2] and (target.namespace is None or key[2] == target.namespace)
                 and _selector_matches(selector, obj["metadata"].get("labels") or {})]
        if not target.rtype.custom:
            for item in items:  # built-in list items carry no type information on a real server
                item.pop("apiVersion", None)
                item.pop("kind", None)
        return {"kind": f"{target.rtype.kind}List", "apiVersion": target.rtype.api_version,
                "metadata": {"resourceVersion": str(self._revision)}, "items": items}

    def _create(self, target: _Target, body: dict, manager: str, dry_run: bool) -> dict:
        target = _Target(target.rtype, target.namespace, _check_body(target, body))
        if target.key in self._objects:
            raise ApiError(409, f'{target.rtype.qualified_plural} "{target.name}" already exists',
                           "AlreadyExists", _details(target))
        self._require_namespace(target)
        return self._commit(target, None, body, manager, "Update", dry_run)

    def _replace(self, target: _Target, body: dict, manager: str, dry_run: bool) -> dict:
        _check_body(target, body)
        old = self._require(target)
        sent_version = body["metadata"].get("resourceVersion")
        if sent_version and sent_version != old["metadata"]["resourceVersion"]:
            raise ApiError(409, f'Operation cannot be fulfilled on {target.rtype.qualified_plural} '
                                f'"{target.name}": the object has been modified; please apply your '
                                f'changes to the latest version and try again', "Conflict", _details(target))
        return self._commit(target, old, body, manager, "Update", dry_run)

    def _delete(self, target: _Target, dry_run: bool) -> dict:
        old = self._require(target)
        if not dry_run:
            del self._objects[target.key]
            self._intents.pop(target.key, None)
        return clone(old)

    def _patch(self, target: _Target, request: RequestRecord, body: dict, manager: str,
               dry_run: bool) -> tuple[int, dict]:
        media_type = (request.content_type or "").split(";")[0].strip()
        if media_type == _MERGE_PATCH:
            old = self._require(target)
            return 200, self._commit(target, old, json_merge_patch(old, body), manager, "Update", dry_run)
        if media_type == _APPLY:
            return self._apply(target, request.query, body, dry_run)
        raise ApiError(415, f"the body of the request was in an unknown format - accepted media types "
                            f"include: {_MERGE_PATCH}, {_APPLY}")

    def _apply(self, target: _Target, query: dict, body: dict, dry_run: bool) -> tuple[int, dict]:
        manager = query.get("fieldManager")
        if not manager:
            raise ApiError(422, 'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: '
                                'is required for apply patch', "Invalid")
        _check_body(target, body)
        intent = _without_server_metadata(body)
        old = self._objects.get(target.key)
        others = {name: clone(applied) for name, applied in self._intents.get(target.key, {}).items()
                  if name != manager}
        conflicts = find_conflicts(intent, others)
        if conflicts and query.get("force") != "true":
            raise ApiError(409, _conflict_message(conflicts, target.rtype), "Conflict", _details(target))
        for owner, path in conflicts:  # forcing takes the fields away from their previous owner
            delete_path(others[owner], path)
        if old is None:
            self._require_namespace(target)
        previous = self._intents.get(target.key, {}).get(manager)
        new = server_side_apply(old or {}, intent, previous, list(others.values()))
        result = self._commit(target, old, new, manager, "Apply", dry_run, {**others, manager: intent})
        return (201 if old is None else 200), result

    # -- storage ---------------------------------------------------------------------------------
    def _commit(self, target: _Target, old: dict | None, new: dict, manager: str, operation: str,
                dry_run: bool, intents: dict | None = None) -> dict:
        """Finish a write like the registry does: server-owned status, defaults, metadata, storage."""
        new = clone(new)
        if target.namespace:
            new["metadata"]["namespace"] = target.namespace
        else:
            new["metadata"].pop("namespace", None)
        if "spec" in new:  # kinds with a spec have a status subresource: writes can't set status
            new.pop("status", None)
            if old is not None and "status" in old:
                new["status"] = clone(old["status"])
        if self.defaults:
            apply_defaults(new, self.minor)
        if intents is not None and not dry_run:
            self._intents[target.key] = intents
        unchanged = old is not None and _without_server_metadata(old) == _without_server_metadata(new)
        if unchanged and _has_manager(old, manager, operation):
            return clone(old)  # a no-op write changes nothing, not even resourceVersion
        self._stamp(target.rtype, new, old, manager, operation, dry_run)
        if dry_run:
            return new
        if self.defaults and new["kind"] in CONTROLLERS:
            CONTROLLERS[new["kind"]](new, old)
        self._objects[target.key] = new
        return clone(new)

    def _stamp(self, rtype: ResourceType, new: dict, old: dict | None, manager: str, operation: str,
               dry_run: bool) -> None:
        meta, previous = new["metadata"], (old or {}).get("metadata", {})
        meta["uid"] = previous.get("uid") or str(uuid.uuid4())
        meta["creationTimestamp"] = previous.get("creationTimestamp") or rfc3339_now()
        meta.pop("resourceVersion", None)
        if not dry_run:
            self._revision += 1
            meta["resourceVersion"] = str(self._revision)
        elif "resourceVersion" in previous:  # a dry-run create has none: that is how callers spot it
            meta["resourceVersion"] = previous["resourceVersion"]
        meta.pop("generation", None)
        if "spec" in new and rtype.group and rtype.kind != "HorizontalPodAutoscaler":
            # Core v1 kinds never get a generation; HPA only behind the HPAGeneration feature gate.
            generation = previous.get("generation", 0)
            changed = old is None or _spec_content(old) != _spec_content(new)
            meta["generation"] = generation + 1 if changed or not generation else generation
        entries = [entry for entry in previous.get("managedFields", [])
                   if (entry["manager"], entry["operation"]) != (manager, operation)]
        meta["managedFields"] = entries + [{"manager": manager, "operation": operation,
                                            "apiVersion": rtype.api_version, "time": rfc3339_now(),
                                            "fieldsType": "FieldsV1", "fieldsV1": {}}]

    def _require(self, target: _Target) -> dict:
        obj = self._objects.get(target.key)
        if obj is None:
            raise ApiError(404, f'{target.rtype.qualified_plural} "{target.name}" not found', "NotFound",
                           _details(target))
        return obj

    def _require_namespace(self, target: _Target) -> None:
        if target.namespace:
            self._require(_Target(self._type_of_kind("Namespace"), None, target.namespace))

    def _type_of_kind(self, kind: str) -> ResourceType:
        for rtype in self._served:
            if rtype.kind == kind:
                return rtype
        raise KeyError(f"kind {kind} is not served")

    # -- discovery -------------------------------------------------------------------------------
    def _discover_version(self) -> dict:
        return {"major": "1", "minor": str(self.minor), "gitVersion": f"v1.{self.minor}.0",
                "gitCommit": "0" * 40, "gitTreeState": "clean", "buildDate": "2025-01-01T00:00:00Z",
                "goVersion": "go1.24.0", "compiler": "gc", "platform": "linux/amd64"}

    def _discover_api(self) -> dict:
        return {"kind": "APIVersions", "versions": ["v1"], "serverAddressByClientCIDRs": [
            {"clientCIDR": "0.0.0.0/0", "serverAddress": self.url.removeprefix("http://")}]}

    def _discover_apis(self) -> dict:
        group_versions = dict.fromkeys((rtype.group, rtype.version) for rtype in self._served if rtype.group)
        groups = []
        for group, version in group_versions:
            entry = {"groupVersion": f"{group}/{version}", "version": version}
            groups.append({"name": group, "versions": [entry], "preferredVersion": entry})
        return {"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}

    def _discover_resources(self, group: str, version: str) -> dict:
        served = [rtype for rtype in self._served if (rtype.group, rtype.version) == (group, version)]
        if not served:
            raise _unknown_resource()
        return {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": served[0].api_version,
                "resources": [_resource_entry(rtype) for rtype in served]}


class _Server(ThreadingHTTPServer):
    # socketserver listens with a backlog of 5: a burst of new connections overflows it and
    # the client waits a full second to resend. kube-apiserver listens with the system maximum.
    request_queue_size = 1024


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the client's connection pool expects
    # Headers and body go out in two writes; with Nagle's algorithm the body would wait ~40 ms
    # for the client's delayed ACK. kube-apiserver (Go's net/http) sets TCP_NODELAY too.
    disable_nagle_algorithm = True

    def _serve(self) -> None:
        raw_body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        url = urlsplit(self.path)
        headers = {name.lower(): value for name, value in self.headers.items()}
        request = RequestRecord(self.command, url.path, dict(parse_qsl(url.query)),
                                headers.get("content-type"), _decode_body(raw_body), headers)
        code, payload = self.server.fake.handle(request)
        data = json.dumps(payload).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")  # exact: lightkube rejects parameters
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

    def log_message(self, format, *args) -> None:
        pass  # the request log replaces stderr noise


def _resource_entry(rtype: ResourceType) -> dict:
    entry = {"name": rtype.plural, "singularName": rtype.kind.lower(), "namespaced": rtype.namespaced,
             "kind": rtype.kind, "verbs": _VERBS}
    if rtype.short_names:
        entry["shortNames"] = list(rtype.short_names)
    return entry


def _decode_body(raw_body: bytes):
    if not raw_body:
        return None
    try:
        return json.loads(raw_body)  # what the client sends, even under the apply-patch+yaml type
    except ValueError:
        pass
    try:
        return yaml.safe_load(raw_body)
    except yaml.YAMLError:
        return raw_body.decode(errors="replace")


def _object_body(request: RequestRecord) -> dict | None:
    if request.method not in ("POST", "PUT", "PATCH"):
        return None
    if not isinstance(request.body, dict):
        raise ApiError(400, "the request body must be a single object")
    return clone(request.body)  # the log keeps what was sent, not what the server made of it


def _check_body(target: _Target, body: dict) -> str:
    """Reject what a real server rejects before storing; returns the object's name."""
    if not body.get("kind") or not body.get("apiVersion"):
        raise ApiError(400, "Object 'Kind' or 'apiVersion' is missing in the request body")
    metadata = body.setdefault("metadata", {})
    if target.name and metadata.get("name", target.name) != target.name:
        raise ApiError(400, f"the name of the object ({metadata['name']}) does not match the name on "
                            f"the URL ({target.name})")
    if target.namespace and metadata.get("namespace", target.namespace) != target.namespace:
        raise ApiError(400, "the namespace of the provided object does not match the namespace sent "
                            "on the request")
    metadata.setdefault("name", target.name)
    if not metadata["name"]:
        raise ApiError(400, "name or generateName is required", "Invalid")
    return metadata["name"]


def _without_server_metadata(obj: dict) -> dict:
    """What a writer controls; server-set metadata sent back in a body is not the writer's to own."""
    result = clone(obj)
    for name in _SERVER_METADATA:
        result.get("metadata", {}).pop(name, None)
    return result


def _spec_content(obj: dict) -> dict:
    return {key: value for key, value in obj.items() if key not in ("metadata", "status")}


def _has_manager(obj: dict, manager: str, operation: str) -> bool:
    return any((entry["manager"], entry["operation"]) == (manager, operation)
               for entry in obj["metadata"].get("managedFields", []))


def _namespace_of(rtype: ResourceType, obj: dict) -> str | None:
    return obj["metadata"].get("namespace", "default") if rtype.namespaced else None


def _details(target: _Target) -> dict:
    return {"name": target.name, "group": target.rtype.group, "kind": target.rtype.plural}


def _unknown_resource() -> ApiError:
    return ApiError(404, "the server could not find the requested resource", "NotFound")


def _conflict_message(conflicts: list, rtype: ResourceType) -> str:
    lines = [f'conflict with "{owner}" using {rtype.api_version}: {format_path(path)}'
             for owner, path in conflicts]
    plural = "s" if len(conflicts) > 1 else ""
    return f"Apply failed with {len(conflicts)} conflict{plural}: " + "; ".join(lines)


def _selector_matches(selector: str | None, labels: dict) -> bool:
    """Equality-based label selectors: a=b, a==b, a!=b, a, !a (comma means AND)."""
    for term in (term.strip() for term in (selector or "").split(",")):
        if not term:
            continue
        if " " in term or "(" in term:  # refuse loudly rather than match nothing
            raise ApiError(400, f"unable to parse requirement {term!r}: fakeapi has no set-based selectors")
        if "!=" in term:
            key, value = (part.strip() for part in term.split("!=", 1))
            matched = labels.get(key) != value
        elif "=" in term:
            key, value = (part.strip() for part in term.replace("==", "=").split("=", 1))
            matched = labels.get(key) == value
        elif term.startswith("!"):
            matched = term[1:].strip() not in labels
        else:
            matched = term in labels
        if not matched:
            return False
    return True

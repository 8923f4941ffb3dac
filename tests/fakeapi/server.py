"""A small Kubernetes API server on 127.0.0.1, faithful enough for the real `kubernetes` client.

It keeps objects in memory and answers like kube-apiserver does for the parts a diff needs:
discovery, GET/LIST, writes with dryRun=All, merge patch and server-side apply, defaults,
server-set metadata and Status error bodies. See ../shared/reference/live-cluster.md §3 and §5.
Several appliers can own one object: each one's managedFields entry lists its fields, and a
field leaves only when no applier applies it any more (merging.server_side_apply).

Beside this module: resources (what is served, discovery), http (the request handler),
protocol (targets, Status errors, body checks, selectors), merging (patch semantics), defaults.
"""

import threading
import time
import uuid
from dataclasses import dataclass

import yaml

from .defaults import CONTROLLERS, apply_defaults, rfc3339_now
from .http import RequestRecord, Server
from .merging import (
    clone,
    delete_path,
    fields_v1,
    find_conflicts,
    json_merge_patch,
    server_side_apply,
)
from .protocol import (
    REASONS,
    ApiError,
    Target,
    check_body,
    conflict_message,
    details,
    object_body,
    selector_matches,
    unknown_resource,
)
from .resources import (
    SERVED_RESOURCES,
    SYSTEM_NAMESPACES,
    ResourceType,
    api_document,
    apis_document,
    resources_document,
    version_document,
)

__all__ = ["SERVED_RESOURCES", "ApiError", "FakeKubeAPIServer", "RequestRecord", "ResourceType"]


_SERVER_METADATA = ("uid", "resourceVersion", "creationTimestamp", "generation", "managedFields")
_APPLY = "application/apply-patch+yaml"
_MERGE_PATCH = "application/merge-patch+json"


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
        self._httpd: Server | None = None
        self.seed([{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}
                   for name in SYSTEM_NAMESPACES], field_manager="kube-apiserver", operation="Update")

    # -- lifecycle -------------------------------------------------------------------------------
    def start(self) -> "FakeKubeAPIServer":
        self._httpd = Server(("127.0.0.1", 0), self)
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
                target = Target(rtype, _namespace_of(rtype, obj), obj["metadata"]["name"])
                intents = {field_manager: _without_server_metadata(obj)} if operation == "Apply" else None
                self._commit(target, self._objects.get(target.key), obj, field_manager, operation,
                             dry_run=False, intents=intents)
                if "status" in given:
                    self._objects[target.key]["status"] = clone(given["status"])

    def apply(self, obj: dict, *, field_manager: str) -> dict:
        """Server-side apply `obj` as `field_manager` (forced, stored), like that manager's real apply:
        unlike `seed`, the fields other appliers own stay theirs."""
        with self._lock:
            rtype = self._type_of_kind(obj["kind"])
            target = Target(rtype, _namespace_of(rtype, obj), obj["metadata"]["name"])
            _, result = self._apply(target, {"fieldManager": field_manager, "force": "true"}, clone(obj), False)
            return result

    def live(self, kind: str, name: str, namespace: str | None = None) -> dict | None:
        """The stored object, or None; a copy, so tests can't change live state by accident."""
        with self._lock:
            rtype = self._type_of_kind(kind)
            return clone(self._objects.get(Target(rtype, namespace, name).key))

    def fail(self, method: str | None = None, path_prefix: str | None = None, status: int = 500,
             reason: str | None = None, message: str | None = None, times: int | None = None) -> None:
        """Answer matching requests with a Status error; `times=None` keeps failing forever."""
        with self._lock:
            self._faults.append(_Fault(method, path_prefix, status, reason or REASONS.get(status, "Unknown"),
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
        if request.method == "GET" and segments == ["version"]:
            return 200, version_document(self.minor)
        if request.method == "GET" and segments == ["api"]:
            return 200, api_document(self.url)
        if request.method == "GET" and segments == ["apis"]:
            return 200, apis_document(self._served)
        if segments[:2] == ["api", "v1"]:
            group, version, rest = "", "v1", segments[2:]
        elif segments[:1] == ["apis"] and len(segments) >= 3:
            group, version, rest = segments[1], segments[2], segments[3:]
        else:
            raise unknown_resource()
        if not rest and request.method == "GET":
            served = [rtype for rtype in self._served if (rtype.group, rtype.version) == (group, version)]
            if not served:
                raise unknown_resource()
            return 200, resources_document(served)
        target = self._target(group, version, rest)
        return self._dispatch(request, target, object_body(request))

    def _target(self, group: str, version: str, rest: list[str]) -> Target:
        namespace = None
        if len(rest) >= 3 and rest[0] == "namespaces":
            namespace, rest = rest[1], rest[2:]
        rtype = next((rtype for rtype in self._served
                      if (rtype.group, rtype.version, rtype.plural) == (group, version, rest[0])), None)
        if rtype is None or len(rest) > 2 or (namespace is not None and not rtype.namespaced):
            raise unknown_resource()
        name = rest[1] if len(rest) == 2 else None
        if name is not None and rtype.namespaced and namespace is None:
            raise unknown_resource()
        return Target(rtype, namespace, name)

    def _dispatch(self, request: RequestRecord, target: Target, body) -> tuple[int, dict]:
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
    def _list(self, target: Target, selector: str | None) -> dict:
        items = [clone(obj) for key, obj in sorted(self._objects.items())
                 if key[:2] == target.key[:2] and (target.namespace is None or key[2] == target.namespace)
                 and selector_matches(selector, obj["metadata"].get("labels") or {})]
        if not target.rtype.custom:
            for item in items:  # built-in list items carry no type information on a real server
                item.pop("apiVersion", None)
                item.pop("kind", None)
        return {"kind": f"{target.rtype.kind}List", "apiVersion": target.rtype.api_version,
                "metadata": {"resourceVersion": str(self._revision)}, "items": items}

    def _create(self, target: Target, body: dict, manager: str, dry_run: bool) -> dict:
        target = Target(target.rtype, target.namespace, check_body(target, body))
        if target.key in self._objects:
            raise ApiError(409, f'{target.rtype.qualified_plural} "{target.name}" already exists',
                           "AlreadyExists", details(target))
        self._require_namespace(target)
        return self._commit(target, None, body, manager, "Update", dry_run)

    def _replace(self, target: Target, body: dict, manager: str, dry_run: bool) -> dict:
        check_body(target, body)
        old = self._require(target)
        sent_version = body["metadata"].get("resourceVersion")
        if sent_version and sent_version != old["metadata"]["resourceVersion"]:
            raise ApiError(409, f'Operation cannot be fulfilled on {target.rtype.qualified_plural} '
                                f'"{target.name}": the object has been modified; please apply your '
                                f'changes to the latest version and try again', "Conflict", details(target))
        return self._commit(target, old, body, manager, "Update", dry_run)

    def _delete(self, target: Target, dry_run: bool) -> dict:
        old = self._require(target)
        if not dry_run:
            del self._objects[target.key]
            self._intents.pop(target.key, None)
        return clone(old)

    def _patch(self, target: Target, request: RequestRecord, body: dict, manager: str,
               dry_run: bool) -> tuple[int, dict]:
        media_type = (request.content_type or "").split(";")[0].strip()
        if media_type == _MERGE_PATCH:
            old = self._require(target)
            return 200, self._commit(target, old, json_merge_patch(old, body), manager, "Update", dry_run)
        if media_type == _APPLY:
            return self._apply(target, request.query, body, dry_run)
        raise ApiError(415, f"the body of the request was in an unknown format - accepted media types "
                            f"include: {_MERGE_PATCH}, {_APPLY}")

    def _apply(self, target: Target, query: dict, body: dict, dry_run: bool) -> tuple[int, dict]:
        manager = query.get("fieldManager")
        if not manager:
            raise ApiError(422, 'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: '
                                'is required for apply patch', "Invalid")
        check_body(target, body)
        intent = _without_server_metadata(body)
        old = self._objects.get(target.key)
        others = {name: clone(applied) for name, applied in self._intents.get(target.key, {}).items()
                  if name != manager}
        conflicts = find_conflicts(intent, others)
        if conflicts and query.get("force") != "true":
            raise ApiError(409, conflict_message(conflicts, target.rtype), "Conflict", details(target))
        for owner, path in conflicts:  # forcing takes the fields away from their previous owner
            delete_path(others[owner], path)
        if old is None:
            self._require_namespace(target)
        previous = self._intents.get(target.key, {}).get(manager)
        new = server_side_apply(old or {}, intent, previous, list(others.values()))
        result = self._commit(target, old, new, manager, "Apply", dry_run, {**others, manager: intent},
                              {manager, *(owner for owner, _ in conflicts)})
        return (201 if old is None else 200), result

    # -- storage ---------------------------------------------------------------------------------
    def _commit(self, target: Target, old: dict | None, new: dict, manager: str, operation: str,
                dry_run: bool, intents: dict | None = None, owners_changed: set[str] | None = None) -> dict:
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
        # Only an apply changes what appliers own: its manager's set, and any it forced fields from.
        applied = {name: intent for name, intent in (intents or {}).items() if name in (owners_changed or {manager})}
        if unchanged and _has_manager(old, manager, operation):
            # A no-op write changes nothing, not even resourceVersion; only who owns what may move.
            kept = old if not dry_run else clone(old)
            _record_field_sets(kept, applied)
            return clone(kept)
        self._stamp(target.rtype, new, old, manager, operation, dry_run)
        _record_field_sets(new, applied)
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

    def _require(self, target: Target) -> dict:
        obj = self._objects.get(target.key)
        if obj is None:
            raise ApiError(404, f'{target.rtype.qualified_plural} "{target.name}" not found', "NotFound",
                           details(target))
        return obj

    def _require_namespace(self, target: Target) -> None:
        if target.namespace:
            self._require(Target(self._type_of_kind("Namespace"), None, target.namespace))

    def _type_of_kind(self, kind: str) -> ResourceType:
        for rtype in self._served:
            if rtype.kind == kind:
                return rtype
        raise KeyError(f"kind {kind} is not served")

def _without_server_metadata(obj: dict) -> dict:
    """What a writer controls; server-set metadata sent back in a body is not the writer's to own."""
    result = clone(obj)
    for name in _SERVER_METADATA:
        result.get("metadata", {}).pop(name, None)
    return result


def _spec_content(obj: dict) -> dict:
    return {key: value for key, value in obj.items() if key not in ("metadata", "status")}


def _record_field_sets(obj: dict, intents: dict[str, dict]) -> None:
    """Each applier's managedFields entry lists the fields it owns, as a real server's does."""
    for entry in obj["metadata"]["managedFields"]:
        if entry["operation"] == "Apply" and entry["manager"] in intents:
            entry["fieldsV1"] = fields_v1(intents[entry["manager"]])


def _has_manager(obj: dict, manager: str, operation: str) -> bool:
    return any((entry["manager"], entry["operation"]) == (manager, operation)
               for entry in obj["metadata"].get("managedFields", []))


def _namespace_of(rtype: ResourceType, obj: dict) -> str | None:
    return obj["metadata"].get("namespace", "default") if rtype.namespaced else None



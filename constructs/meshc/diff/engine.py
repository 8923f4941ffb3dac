"""`diff`: what applying an environment would change, against the cluster or offline.

The objects always come from `meshc.synth.load_and_build`, the same call synth writes dist/
from. The "before" side depends on the mode:

- dry-run (default): the live cluster. One labelled LIST per kind and namespace reads every
  object meshc owns for the environment (ownership_selector); each desired object gets a
  server-side apply dry-run; the dry-run result is compared with the live object, so server
  defaults and admission appear on both sides and cancel out.
- read-only (--read-only): the same LISTs, plus a GET for a desired object the LISTs did not
  show (it may exist without meshc's labels); only the fields meshc sets are compared.
- --live-from FILE, --against-env OTHER, --against-git REF: see meshc.diff.offline.

Objects in a namespace that this same diff creates are reported as "create" without a
dry-run: the API server rejects even a dry-run into a namespace that does not exist yet
(Tanka does the same). They are shown as meshc writes them, and a note says so.
"""

from __future__ import annotations

import threading
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Callable

from meshc.build import BuiltEnvironment, Manifest, component_of
from meshc.context import ownership_selector
from meshc.diff import cluster as kube
from meshc.diff import offline
from meshc.diff.changeset import Action, ChangeSet, Entry, Mode, ObjectRef, make_entry
from meshc.diff.errors import (
    ApiFailure,
    DiffOptionsError,
    ObjectFailure,
    failure_from_api,
    not_served,
    summarize,
)
from meshc.diff.normalize import (
    align_quantities,
    drop_hpa_replicas,
    hpa_targets,
    project_onto,
    secret_string_data,
    strip_bookkeeping,
)
from meshc.diff.render import FORMATS, render
from meshc.synth import Project, load_and_build

DEFAULT_CONCURRENCY = 8
# Progress is only worth showing for runs that take a noticeable time.
PROGRESS_MIN_OBJECTS = 50

# Every kind meshc writes, listed for prune detection even when the current output has none of
# that kind: removing the last Ingress must still find it. Secrets are not here: meshc writes
# none, and reading them needs rights a read-only role rarely has; they are read only when the
# desired objects include one. Prune candidates are limited to these kinds (plus the desired
# ones) in every mode, so --live-from and the cluster agree.
OWNED_KINDS = (
    ("v1", "Namespace"),
    ("v1", "ResourceQuota"),
    ("v1", "ServiceAccount"),
    ("v1", "ConfigMap"),
    ("v1", "Service"),
    ("v1", "PersistentVolumeClaim"),
    ("apps/v1", "Deployment"),
    ("autoscaling/v2", "HorizontalPodAutoscaler"),
    ("policy/v1", "PodDisruptionBudget"),
    ("networking.k8s.io/v1", "NetworkPolicy"),
    ("networking.k8s.io/v1", "Ingress"),
    ("helm.toolkit.fluxcd.io/v2", "HelmRelease"),
    ("source.toolkit.fluxcd.io/v1", "HelmRepository"),
    ("source.toolkit.fluxcd.io/v1", "OCIRepository"),
    ("source.toolkit.fluxcd.io/v1", "GitRepository"),
    ("kustomize.toolkit.fluxcd.io/v1", "Kustomization"),
    ("monitoring.coreos.com/v1", "ServiceMonitor"),
)

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class DiffOptions:
    """What `python main.py diff` was asked. Defaults: a dry-run against the kubeconfig's current context."""

    environment: str
    kubeconfig: str | None = None
    context: str | None = None
    read_only: bool = False
    concurrency: int = DEFAULT_CONCURRENCY
    output: str = "text"
    color: bool = False
    live_from: str | None = None
    against_env: str | None = None
    against_git: str | None = None

    def check(self) -> None:
        offline_flags = [flag for flag, value in (("--live-from", self.live_from), ("--against-env", self.against_env),
                                                  ("--against-git", self.against_git)) if value]
        if len(offline_flags) > 1:
            raise DiffOptionsError(f"{' and '.join(offline_flags)} are different comparisons; choose one")
        if offline_flags:
            cluster_flags = [flag for flag, value in (("--kubeconfig", self.kubeconfig), ("--context", self.context),
                                                      ("--read-only", self.read_only)) if value]
            if cluster_flags:
                raise DiffOptionsError(f"{offline_flags[0]} compares offline, so {', '.join(cluster_flags)} "
                                       "would have no effect; drop one or the other")
        if self.against_env == self.environment:
            raise DiffOptionsError(f"--against-env {self.against_env} is the environment itself; "
                                   "name the environment to promote onto")
        if self.concurrency < 1:
            raise DiffOptionsError(f"--concurrency must be at least 1 (got {self.concurrency})")
        if self.output not in FORMATS:
            raise DiffOptionsError(f"--output must be one of {', '.join(FORMATS)} (got {self.output!r})")


@dataclass(frozen=True)
class DiffResult:
    changeset: ChangeSet
    rendered: str  # the report in the requested format, for stdout
    errors: tuple[str, ...]  # one line per cause of failure, with the next step, for stderr


def run_diff(project: Project, options: DiffOptions, progress: Progress | None = None) -> DiffResult:
    """Compare one environment with the cluster, a file, another environment or a git revision."""
    options.check()
    names = [options.environment, *([options.against_env] if options.against_env else [])]
    built = {environment.name: environment for environment in load_and_build(project, names)}
    desired = built[options.environment]
    if options.live_from:
        changeset = against_file(desired, options.live_from)
    elif options.against_env:
        changeset = against_environment(desired, built[options.against_env])
    elif options.against_git:
        changeset = against_git(project, desired, options.against_git)
    else:
        connection = kube.connect(options.kubeconfig, options.context, options.concurrency + 2)
        try:
            changeset = LiveDiff(connection, desired, options.read_only, options.concurrency, progress).run()
        finally:
            connection.close()
    return DiffResult(changeset, render(changeset, options.output, color=options.color),
                      tuple(summarize(changeset.failures)))


# --- shared by every mode -------------------------------------------------------------------


def assess(ref: ObjectRef, component: str, before: dict | None, after: dict | None, *,
           fields_meshc_sets: bool, autoscaler: str | None = None, notes: tuple[str, ...] = ()) -> Entry:
    """Normalize one object's two sides, then let `make_entry` decide, mask and list fields."""
    before = strip_bookkeeping(before) if before is not None else None
    after = strip_bookkeeping(after) if after is not None else None
    if fields_meshc_sets and after is not None:
        after = secret_string_data(after)
        if before is not None:
            before = align_quantities(project_onto(before, after), after)
    if autoscaler and before is not None and after is not None:
        live_replicas = (before.get("spec") or {}).get("replicas")
        if live_replicas != (after.get("spec") or {}).get("replicas"):
            notes = (*notes, f"spec.replicas ({live_replicas} live) is left to {autoscaler}")
        before, after = drop_hpa_replicas(before), drop_hpa_replicas(after)
    return make_entry(ref, component, before, after, notes)


def owned_by(obj: dict, selector: dict[str, str]) -> bool:
    """Carries meshc's ownership labels for the environment, and is not a controller's child."""
    metadata = obj.get("metadata") or {}
    labels = metadata.get("labels") or {}
    if any(labels.get(key) != value for key, value in selector.items()):
        return False
    # A ReplicaSet-like child copies its parent's labels, but Flux never applied it and never prunes it.
    return not any(owner.get("controller") for owner in metadata.get("ownerReferences") or [])


def prune_entries(live: dict[tuple, dict], desired_keys: set[tuple]) -> list[Entry]:
    return [make_entry(ObjectRef.of(obj), component_of(obj), strip_bookkeeping(obj), None)
            for key, obj in sorted(live.items()) if key not in desired_keys]


def prune_kinds(desired: BuiltEnvironment) -> set[str]:
    return {kind for _, kind in OWNED_KINDS} | {m.kind for m in desired.manifests}


def _autoscalers(objects: list[dict]) -> dict[tuple[str, str, str], str]:
    """(kind, namespace, name) of each scaled workload -> the HPA subject that scales it."""
    owners = {}
    for obj in objects:
        for target in hpa_targets([obj]):
            owners[target] = ObjectRef.of(obj).subject
    return owners


def _workload(obj: dict) -> tuple[str, str, str]:
    return (obj["kind"], obj["metadata"].get("namespace") or "", obj["metadata"]["name"])


# --- offline comparisons ----------------------------------------------------------------------


def against_file(desired: BuiltEnvironment, path: str) -> ChangeSet:
    live = {ObjectRef.of(obj).key: obj for obj in offline.read_live_file(path)}
    scalers = _autoscalers([m.obj for m in desired.manifests] + list(live.values()))
    entries = [assess(ObjectRef.of(m.obj), m.component, live.get(ObjectRef.of(m.obj).key), m.obj,
                      fields_meshc_sets=True, autoscaler=scalers.get(_workload(m.obj)))
               for m in desired.manifests]
    selector = ownership_selector(desired.name)
    kinds = prune_kinds(desired)
    owned = {key: obj for key, obj in live.items() if owned_by(obj, selector) and key[1] in kinds}
    entries += prune_entries(owned, {ObjectRef.of(m.obj).key for m in desired.manifests})
    return ChangeSet(desired.name, Mode.LIVE_FILE, f"live objects in {path}", f"live ({path})", "meshc",
                     tuple(entries))


def against_git(project: Project, desired: BuiltEnvironment, ref: str) -> ChangeSet:
    before = {ObjectRef.of(obj).key: obj for obj in offline.read_git_dist(project.root, project.dist, desired.name, ref)}
    entries = [assess(ObjectRef.of(m.obj), m.component, before.get(ObjectRef.of(m.obj).key), m.obj,
                      fields_meshc_sets=False) for m in desired.manifests]
    entries += prune_entries(before, {ObjectRef.of(m.obj).key for m in desired.manifests})
    notes = () if before else (f"dist/{desired.name} does not exist at {ref}: everything is new.",)
    return ChangeSet(desired.name, Mode.AGAINST_GIT, f"dist/{desired.name} at git revision {ref}",
                     f"{ref}:dist/{desired.name}", "now", tuple(entries), notes=notes)


def against_environment(source: BuiltEnvironment, target: BuiltEnvironment) -> ChangeSet:
    moved = offline.retarget([m.obj for m in source.manifests], offline.Identity.of(source.environment),
                             offline.Identity.of(target.environment))
    before = {ObjectRef.of(m.obj).key: m.obj for m in target.manifests}
    entries = [assess(ObjectRef.of(obj), m.component, before.get(ObjectRef.of(obj).key), obj, fields_meshc_sets=False)
               for m, obj in zip(source.manifests, moved)]
    entries += prune_entries(before, {ObjectRef.of(obj).key for obj in moved})
    note = (f"{source.name}'s objects were renamed into {target.name}'s identity (namespace "
            f"{target.environment.model.global_.namespace}, environment label, Flux names and path) before comparing.")
    return ChangeSet(f"{source.name} → {target.name}", Mode.AGAINST_ENV,
                     f"environment {target.name} as meshc builds it", target.name, f"{source.name} promoted",
                     tuple(entries), notes=(note,))


# --- against the live cluster -------------------------------------------------------------------


class LiveDiff:
    """One diff against a cluster, on one pool of `concurrency` workers:

    1. discovery: one GET per group version;
    2. the labelled Namespace LIST, with the dry-runs of the Namespace objects (which tell
       which namespaces are new);
    3. one labelled LIST per kind and namespace, and a dry-run (or GET) per object, all at
       once: each object's job waits only for the LISTs it needs (its own kind's, and the
       autoscalers' for a workload), so reading and dry-running overlap. Every LIST is queued
       before any object job, and the pool takes jobs in order, so a waiting job never waits
       for a LIST that has not started.
    """

    def __init__(self, cluster: kube.Cluster, desired: BuiltEnvironment, read_only: bool, concurrency: int,
                 progress: Progress | None):
        self.cluster = cluster
        self.environment = desired.name
        self.manifests = list(desired.manifests)
        self.read_only = read_only
        self.concurrency = concurrency
        self.progress = progress
        self.selector = ownership_selector(desired.name)
        self.label_selector = ",".join(f"{key}={value}" for key, value in sorted(self.selector.items()))
        self.failures: list[ObjectFailure] = []
        self.entries: list[Entry] = []
        self.notes: list[str] = []
        self.live: dict[tuple, dict] = {}  # everything the labelled LISTs returned
        self.listed: dict[tuple[str, str, str], Future] = {}  # (group, kind, namespace) -> its LIST
        self.unlisted: dict[tuple[str, str, str], ApiFailure] = {}  # ... -> why that LIST failed
        self.desired_scalers = _autoscalers([m.obj for m in self.manifests])

    def run(self) -> ChangeSet:
        self.executor = ThreadPoolExecutor(max_workers=self.concurrency, thread_name_prefix="meshc-diff")
        try:
            resources = self._discover()
            served = []
            for manifest in self.manifests:
                resource = resources.get((manifest.obj["apiVersion"], manifest.kind))
                if resource is None:
                    ref = ObjectRef.of(manifest.obj)
                    self.failures.append(not_served(ref.subject, manifest.component, ref.api_version, ref.kind))
                else:
                    served.append((manifest, resource))
            namespace_kind = resources.get(("v1", "Namespace"))
            lists = [self._submit_list(namespace_kind, None)] if namespace_kind else []
            created = self._compare_all([(m, r) for m, r in served if m.kind == "Namespace"], set(), lists)
            scanned = {m.namespace for m in self.manifests if m.namespace}
            scanned |= {obj["metadata"]["name"] for obj in list(self.live.values())
                        if obj["kind"] == "Namespace" and owned_by(obj, self.selector)}
            lists = [self._submit_list(resource, namespace)
                     for resource in sorted(resources.values(), key=lambda r: (r.api_version, r.kind))
                     if resource.namespaced for namespace in sorted(scanned)]
            self._compare_all([(m, r) for m, r in served if m.kind != "Namespace"], created, lists)
        finally:
            self.executor.shutdown(wait=True, cancel_futures=True)
        desired_keys = {ObjectRef.of(m.obj).key for m in self.manifests}
        self.entries += prune_entries({k: o for k, o in self.live.items() if owned_by(o, self.selector)}, desired_keys)
        mode = Mode.READ_ONLY if self.read_only else Mode.DRY_RUN
        after_label = "meshc (fields meshc sets)" if self.read_only else "after apply (dry-run)"
        return ChangeSet(self.environment, mode, f'cluster context "{self.cluster.context}" at {self.cluster.server}',
                         "live", after_label, tuple(self.entries), tuple(self.failures), tuple(self.notes))

    # -- discovery: which kinds the server serves ------------------------------------------------
    def _discover(self) -> dict[tuple[str, str], kube.Resource]:
        wanted = sorted({(m.obj["apiVersion"], m.kind) for m in self.manifests} | set(OWNED_KINDS))
        versions = sorted({api_version for api_version, _ in wanted})
        failed: dict[str, ApiFailure] = {}

        def discover(api_version: str) -> None:
            try:
                self.cluster.discover(api_version)
            except ApiFailure as failure:
                failed[api_version] = failure

        self._collect([self.executor.submit(discover, version) for version in versions])
        for manifest in self.manifests:  # a discovery failure (not a 404) leaves the kind unknown
            failure = failed.get(manifest.obj["apiVersion"])
            if failure is not None:
                ref = ObjectRef.of(manifest.obj)
                self.failures.append(failure_from_api(ref.subject, manifest.component, "discovery", failure))
        return {(api_version, kind): resource for api_version, kind in wanted if api_version not in failed
                for resource in [self.cluster.resource(api_version, kind)] if resource is not None}

    # -- one labelled LIST per kind and namespace -----------------------------------------------
    def _submit_list(self, resource: kube.Resource, namespace: str | None) -> Future:
        key = (resource.api_version.rpartition("/")[0], resource.kind, namespace or "")
        future = self.listed[key] = self.executor.submit(self._list, resource, namespace, key)
        return future

    def _list(self, resource: kube.Resource, namespace: str | None, key: tuple[str, str, str]) -> None:
        try:
            items = self.cluster.list(resource, namespace, self.label_selector)
        except ApiFailure as failure:
            self.unlisted[key] = failure
            return
        for item in items:
            self.live[ObjectRef.of(item).key] = item

    def _await_list(self, group: str, kind: str, namespace: str) -> None:
        future = self.listed.get((group, kind, namespace))
        if future is not None:
            future.result()

    # -- one dry-run (or GET) per object ---------------------------------------------------------
    def _compare_all(self, work: list[tuple[Manifest, kube.Resource]], new_namespaces: set[str],
                     lists: list[Future]) -> set[str]:
        """Compare each object, the LISTs running alongside; returns the Namespaces that do not exist yet."""
        jobs, skipped = [], []
        for manifest, resource in work:
            if manifest.namespace in new_namespaces:
                skipped.append(manifest)
                self.entries.append(assess(ObjectRef.of(manifest.obj), manifest.component, None, manifest.obj,
                                           fields_meshc_sets=False, notes=("new namespace: not dry-run",)))
            else:
                jobs.append(self.executor.submit(self._compare_one, manifest, resource))
        if skipped:
            names = ", ".join(sorted({m.namespace for m in skipped}))
            self.notes.append(f"{len(skipped)} object(s) in namespaces this change creates ({names}) are shown as "
                              "meshc writes them: the API server cannot dry-run into a namespace that does not "
                              "exist yet, so their server defaults and admission checks are not included.")
        report = self.progress if self.progress and len(jobs) >= PROGRESS_MIN_OBJECTS else None
        results = self._collect(lists + jobs, report, counted=jobs)
        created = set()
        for entry in results[len(lists):]:
            if entry is None:
                continue
            self.entries.append(entry)
            if entry.ref.kind == "Namespace" and entry.action is Action.CREATE:
                created.add(entry.ref.name)
        return created

    def _compare_one(self, manifest: Manifest, resource: kube.Resource) -> Entry | None:
        ref = ObjectRef.of(manifest.obj)
        group, kind, namespace, _ = ref.key
        operation = "dry-run"
        try:
            result = None if self.read_only else self.cluster.dry_run_apply(resource, manifest.obj)
            self._await_list(group, kind, namespace)
            unlisted = self.unlisted.get((group, kind, namespace))
            if unlisted is not None:  # without its LIST, live state is unknown
                self.failures.append(failure_from_api(ref.subject, manifest.component, "list", unlisted))
                return None
            autoscaler = None
            if kind in ("Deployment", "StatefulSet"):
                self._await_list("autoscaling", "HorizontalPodAutoscaler", namespace)
                autoscaler = self.desired_scalers.get(_workload(manifest.obj)) or _autoscalers(
                    [o for o in list(self.live.values()) if o["kind"] == "HorizontalPodAutoscaler"]
                ).get(_workload(manifest.obj))
            live = self.live.get(ref.key)
            if self.read_only:
                operation = "get"
                if live is None:
                    live = self.cluster.get(resource, manifest.namespace, ref.name)
                return assess(ref, manifest.component, live, manifest.obj, fields_meshc_sets=True,
                              autoscaler=autoscaler)
            if not (result.get("metadata") or {}).get("resourceVersion"):
                return assess(ref, manifest.component, None, result, fields_meshc_sets=False)
            notes: tuple[str, ...] = ()
            if live is None:  # it exists, but without meshc's labels: read it once
                operation = "get"
                live = self.cluster.get(resource, manifest.namespace, ref.name)
                notes = ("live object lacks meshc's ownership labels",)
            return assess(ref, manifest.component, live, result, fields_meshc_sets=False,
                          autoscaler=autoscaler, notes=notes)
        except ApiFailure as failure:
            self.failures.append(failure_from_api(ref.subject, manifest.component, operation, failure,
                                                  manifest.namespace))
            return None

    # -- the pool ------------------------------------------------------------------------------------
    def _collect(self, futures: list[Future], report: Progress | None = None,
                 counted: list[Future] | None = None) -> list:
        """Wait for `futures`, results in order. A fatal error (unreachable, 401) stops the rest."""
        if report:
            lock, finished, total = threading.Lock(), [0], len(counted or futures)

            def tick(_future: Future) -> None:
                with lock:
                    finished[0] += 1
                    report(finished[0], total)

            for future in counted or futures:
                future.add_done_callback(tick)
        done, pending = wait(futures, return_when=FIRST_EXCEPTION)
        for future in done:
            if future.exception() is not None:
                for other in pending:
                    other.cancel()
                raise future.exception()
        return [future.result() for future in futures]

"""`diff` against a live cluster: the I/O around meshc.diff.plan's pure step.

Every request goes through meshc.diff.cluster. Each job on the pool returns a value (a
discovery outcome, a `Listed`, an `Outcome`); nothing is appended to shared state from a
worker thread, and the ChangeSet is assembled on the calling thread once the jobs are done.
"""

from __future__ import annotations

import threading
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Callable

from meshc.build import BuiltEnvironment, Manifest
from meshc.context import ownership_selector
from meshc.diff import cluster as kube
from meshc.diff.changeset import Action, ChangeSet, Entry, Mode, ObjectRef
from meshc.diff.errors import ApiFailure, ObjectFailure, failure_from_api, not_served
from meshc.diff.owner import Applier
from meshc.diff.plan import (
    OWNED_KINDS,
    assess,
    autoscalers,
    dry_run_entry,
    owned_by,
    prune_entries,
    unapplied_entry,
    workload_key,
)

# Progress is only worth showing for runs that take a noticeable time.
PROGRESS_MIN_OBJECTS = 50

Progress = Callable[[int, int], None]
ListKey = tuple[str, str, str]  # (group, kind, namespace)


@dataclass(frozen=True, kw_only=True)
class Listed:
    """What one labelled LIST returned, by object key, or why it failed."""

    objects: dict[tuple, dict] = field(default_factory=dict)
    failure: ApiFailure | None = None


@dataclass(frozen=True, kw_only=True)
class Outcome:
    """One object's result: an entry, or the failure that kept it from being compared."""

    entry: Entry | None = None
    failure: ObjectFailure | None = None


@dataclass(frozen=True, kw_only=True)
class Work:
    manifest: Manifest
    resource: kube.Resource


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

    def __init__(self, cluster: kube.Cluster, desired: BuiltEnvironment, *, applier: Applier, read_only: bool = False,
                 concurrency: int = 8, progress: Progress | None = None):
        self.cluster = cluster
        self.environment = desired.name
        self.manifests = list(desired.manifests)
        self.applier = applier
        self.read_only = read_only
        self.concurrency = concurrency
        self.progress = progress
        self.selector = ownership_selector(desired.name)
        self.label_selector = ",".join(f"{key}={value}" for key, value in sorted(self.selector.items()))
        self.desired_scalers = autoscalers([m.obj for m in self.manifests])

    def run(self) -> ChangeSet:
        pool = ThreadPoolExecutor(max_workers=self.concurrency, thread_name_prefix="meshc-diff")
        try:
            resources, failures = self._discover(pool)
            work = []
            for manifest in self.manifests:
                resource = resources.get((manifest.obj["apiVersion"], manifest.kind))
                if resource is None:
                    ref = ObjectRef.of(manifest.obj)
                    failures.append(not_served(ref.subject, manifest.component, ref.api_version, ref.kind))
                else:
                    work.append(Work(manifest=manifest, resource=resource))
            lists: dict[ListKey, Future] = {}
            if ("v1", "Namespace") in resources:
                self._submit_lists(pool, lists, [resources[("v1", "Namespace")]], [None])
            outcomes, notes = self._compare_all(pool, [w for w in work if w.manifest.kind == "Namespace"], set(), lists)
            created = {o.entry.ref.name for o in outcomes
                       if o.entry and o.entry.ref.kind == "Namespace" and o.entry.action is Action.CREATE}
            namespaced = sorted((r for r in resources.values() if r.namespaced), key=lambda r: (r.api_version, r.kind))
            self._submit_lists(pool, lists, namespaced, sorted(self._scanned_namespaces(lists)))
            more, more_notes = self._compare_all(pool, [w for w in work if w.manifest.kind != "Namespace"],
                                                 created, lists)
            outcomes, notes = outcomes + more, notes + more_notes
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
        return self._changeset(outcomes, failures, notes, lists)

    def _changeset(self, outcomes: list[Outcome], failures: list[ObjectFailure], notes: list[str],
                   lists: dict[ListKey, Future]) -> ChangeSet:
        live = {key: obj for future in lists.values() for key, obj in future.result().objects.items()}
        entries = [o.entry for o in outcomes if o.entry is not None]
        entries += prune_entries({k: o for k, o in live.items() if owned_by(o, self.selector)},
                                 {ObjectRef.of(m.obj).key for m in self.manifests})
        failures = failures + [o.failure for o in outcomes if o.failure is not None]
        return ChangeSet(
            environment=self.environment, mode=Mode.READ_ONLY if self.read_only else Mode.DRY_RUN,
            source=f'cluster context "{self.cluster.context}" at {self.cluster.server}', before_label="live",
            after_label="meshc (fields meshc sets)" if self.read_only else "after apply (dry-run)",
            entries=tuple(entries), failures=tuple(failures), notes=tuple(notes),
            field_manager=None if self.read_only else self.applier.field_manager)

    # -- discovery: which kinds the server serves ------------------------------------------------
    def _discover(self, pool: ThreadPoolExecutor) -> tuple[dict[tuple[str, str], kube.Resource], list[ObjectFailure]]:
        wanted = sorted({(m.obj["apiVersion"], m.kind) for m in self.manifests} | set(OWNED_KINDS))
        versions = sorted({api_version for api_version, _ in wanted})

        def discover(api_version: str) -> ApiFailure | None:
            try:
                self.cluster.discover(api_version)
            except ApiFailure as failure:
                return failure
            return None

        failed = {version: failure for version, failure in zip(versions, _collect([pool.submit(discover, v) for v in versions]))
                  if failure is not None}
        failures = []
        for manifest in self.manifests:  # a discovery failure (not a 404) leaves the kind unknown
            failure = failed.get(manifest.obj["apiVersion"])
            if failure is not None:
                ref = ObjectRef.of(manifest.obj)
                failures.append(failure_from_api(ref.subject, manifest.component, "discovery", failure))
        resources = {(api_version, kind): resource for api_version, kind in wanted if api_version not in failed
                     for resource in [self.cluster.resource(api_version, kind)] if resource is not None}
        return resources, failures

    # -- one labelled LIST per kind and namespace -----------------------------------------------
    def _submit_lists(self, pool: ThreadPoolExecutor, lists: dict[ListKey, Future], resources: list[kube.Resource],
                      namespaces: list[str | None]) -> None:
        for resource in resources:
            for namespace in namespaces:
                key = (resource.api_version.rpartition("/")[0], resource.kind, namespace or "")
                lists[key] = pool.submit(self._list, resource, namespace)

    def _list(self, resource: kube.Resource, namespace: str | None) -> Listed:
        try:
            items = self.cluster.list(resource, namespace, self.label_selector)
        except ApiFailure as failure:
            return Listed(failure=failure)
        return Listed(objects={ObjectRef.of(item).key: item for item in items})

    def _scanned_namespaces(self, lists: dict[ListKey, Future]) -> set[str]:
        """The environment's namespaces, and any other namespace that carries its ownership labels."""
        scanned = {m.namespace for m in self.manifests if m.namespace}
        listed = _listed(lists, ("", "Namespace", ""))
        return scanned | {obj["metadata"]["name"] for obj in listed.objects.values() if owned_by(obj, self.selector)}

    # -- one dry-run (or GET) per object ---------------------------------------------------------
    def _compare_all(self, pool: ThreadPoolExecutor, work: list[Work], new_namespaces: set[str],
                     lists: dict[ListKey, Future]) -> tuple[list[Outcome], list[str]]:
        """Compare each object, the LISTs running alongside. Objects in a new namespace are not dry-run."""
        skipped = [w.manifest for w in work if w.manifest.namespace in new_namespaces]
        outcomes = [Outcome(entry=unapplied_entry(ObjectRef.of(m.obj), m.component, m.obj)) for m in skipped]
        jobs = [pool.submit(self._compare_one, w, lists) for w in work if w.manifest.namespace not in new_namespaces]
        notes = []
        if skipped:
            names = ", ".join(sorted({m.namespace for m in skipped}))
            notes.append(f"{len(skipped)} object(s) in namespaces this change creates ({names}) are shown as "
                         "meshc writes them: the API server cannot dry-run into a namespace that does not "
                         "exist yet, so their server defaults and admission checks are not included.")
        report = self.progress if self.progress and len(jobs) >= PROGRESS_MIN_OBJECTS else None
        _collect(list(lists.values()))  # a fatal LIST error (unreachable, 401) stops the run here
        return outcomes + _collect(jobs, report), notes

    def _compare_one(self, work: Work, lists: dict[ListKey, Future]) -> Outcome:
        manifest, ref = work.manifest, ObjectRef.of(work.manifest.obj)
        group, kind, namespace, _ = ref.key
        operation = "dry-run"
        try:
            result = None if self.read_only else self.cluster.dry_run_apply(work.resource, self.applier.as_applied(manifest))
            listed = _listed(lists, (group, kind, namespace))
            if listed.failure is not None:  # without its LIST, live state is unknown
                return Outcome(failure=failure_from_api(ref.subject, manifest.component, "list", listed.failure))
            autoscaler = self._autoscaler(manifest, lists) if kind in ("Deployment", "StatefulSet") else None
            live = listed.objects.get(ref.key)
            exists = self.read_only or bool((result.get("metadata") or {}).get("resourceVersion"))
            if live is None and exists:  # it may exist without meshc's labels: read it once
                operation = "get"
                live = self.cluster.get(work.resource, manifest.namespace, ref.name)
            if self.read_only:
                return Outcome(entry=assess(ref, manifest.component, live, manifest.obj, fields_meshc_sets=True,
                                            autoscaler=autoscaler))
            labelled = ref.key in listed.objects
            return Outcome(entry=dry_run_entry(ref, manifest.component, live=live, result=result,
                                               autoscaler=autoscaler, labelled=labelled))
        except ApiFailure as failure:
            return Outcome(failure=failure_from_api(ref.subject, manifest.component, operation, failure,
                                                    manifest.namespace))

    def _autoscaler(self, manifest: Manifest, lists: dict[ListKey, Future]) -> str | None:
        """The HPA that scales this workload: in meshc's output, else among the labelled live HPAs."""
        workload = workload_key(manifest.obj)
        if workload in self.desired_scalers:
            return self.desired_scalers[workload]
        scalers = _listed(lists, ("autoscaling", "HorizontalPodAutoscaler", manifest.namespace or ""))
        return autoscalers(list(scalers.objects.values())).get(workload)


def _listed(lists: dict[ListKey, Future], key: ListKey) -> Listed:
    """A LIST's result, waiting for it; an empty one when that LIST was never needed."""
    future = lists.get(key)
    return future.result() if future is not None else Listed()


def _collect(futures: list[Future], report: Progress | None = None) -> list:
    """Wait for `futures`, results in order. A fatal error (unreachable, 401) stops the rest."""
    if report:
        lock, finished = threading.Lock(), [0]

        def tick(_future: Future) -> None:
            with lock:
                finished[0] += 1
                report(finished[0], len(futures))

        for future in futures:
            future.add_done_callback(tick)
    done, pending = wait(futures, return_when=FIRST_EXCEPTION)
    for future in done:
        if future.exception() is not None:
            for other in pending:
                other.cancel()
            raise future.exception()
    return [future.result() for future in futures]

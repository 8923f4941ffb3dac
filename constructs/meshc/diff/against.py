"""The offline comparisons: a `kubectl get -o yaml` dump, another environment, a git revision.

Each reads its "before" side through meshc.diff.offline, then plans with meshc.diff.plan.
"""

from __future__ import annotations

from meshc.build import BuiltEnvironment
from meshc.context import ownership_selector
from meshc.diff import offline
from meshc.diff.changeset import ChangeSet, Mode, ObjectRef
from meshc.diff.plan import assess, autoscalers, owned_by, prune_entries, prune_kinds, workload_key
from meshc.synth import Project


def against_file(desired: BuiltEnvironment, path: str) -> ChangeSet:
    live = {ObjectRef.of(obj).key: obj for obj in offline.read_live_file(path)}
    scalers = autoscalers([m.obj for m in desired.manifests] + list(live.values()))
    entries = [assess(ObjectRef.of(m.obj), m.component, live.get(ObjectRef.of(m.obj).key), m.obj,
                      fields_meshc_sets=True, autoscaler=scalers.get(workload_key(m.obj)))
               for m in desired.manifests]
    selector = ownership_selector(desired.name)
    kinds = prune_kinds(desired)
    owned = {key: obj for key, obj in live.items() if owned_by(obj, selector) and key[1] in kinds}
    entries += prune_entries(owned, {ObjectRef.of(m.obj).key for m in desired.manifests})
    return ChangeSet(environment=desired.name, mode=Mode.LIVE_FILE, source=f"live objects in {path}",
                     before_label=f"live ({path})", after_label="meshc", entries=tuple(entries))


def against_git(project: Project, desired: BuiltEnvironment, ref: str) -> ChangeSet:
    before = {ObjectRef.of(obj).key: obj for obj in offline.read_git_dist(project.root, project.dist, desired.name, ref)}
    entries = [assess(ObjectRef.of(m.obj), m.component, before.get(ObjectRef.of(m.obj).key), m.obj,
                      fields_meshc_sets=False) for m in desired.manifests]
    entries += prune_entries(before, {ObjectRef.of(m.obj).key for m in desired.manifests})
    notes = () if before else (f"dist/{desired.name} does not exist at {ref}: everything is new.",)
    return ChangeSet(environment=desired.name, mode=Mode.AGAINST_GIT, source=f"dist/{desired.name} at git revision {ref}",
                     before_label=f"{ref}:dist/{desired.name}", after_label="now", entries=tuple(entries), notes=notes)


def against_environment(source: BuiltEnvironment, target: BuiltEnvironment) -> ChangeSet:
    moved = offline.retarget([m.obj for m in source.manifests], offline.Identity.of(source.environment),
                             offline.Identity.of(target.environment))
    before = {ObjectRef.of(m.obj).key: m.obj for m in target.manifests}
    entries = [assess(ObjectRef.of(obj), m.component, before.get(ObjectRef.of(obj).key), obj, fields_meshc_sets=False)
               for m, obj in zip(source.manifests, moved)]
    entries += prune_entries(before, {ObjectRef.of(obj).key for obj in moved})
    note = (f"{source.name}'s objects were renamed into {target.name}'s identity (namespace "
            f"{target.environment.model.global_.namespace}, environment label, Flux names and path) before comparing.")
    return ChangeSet(environment=f"{source.name} → {target.name}", mode=Mode.AGAINST_ENV,
                     source=f"environment {target.name} as meshc builds it", before_label=target.name,
                     after_label=f"{source.name} promoted", entries=tuple(entries), notes=(note,))

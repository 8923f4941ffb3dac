"""The result of a diff: small typed values, grouped by mesh component.

`make_entry` is the one place an object pair becomes a result: it decides the action on the
real (normalized) values, masks Secret values (`mask.mask_pair`), and only then lists the
changed fields, so nothing downstream ever holds a Secret value.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from meshc.kube import format_subject
from meshc.diff.compare import FieldChange, compare_object
from meshc.diff.errors import ObjectFailure
from meshc.diff.mask import MaskedPair, mask_pair
from meshc.origin import component_rank


class Action(StrEnum):
    CREATE = "create"  # not in the cluster (or the other side) yet
    CHANGE = "change"  # exists, and applying meshc's object changes these fields
    DELETE = "delete"  # carries meshc's labels for this environment but meshc no longer writes it: Flux prunes it
    UNCHANGED = "unchanged"


class Mode(StrEnum):
    DRY_RUN = "dry-run"
    READ_ONLY = "read-only"
    LIVE_FILE = "live-from"
    AGAINST_ENV = "against-env"
    AGAINST_GIT = "against-git"


MODE_DESCRIPTIONS = {
    Mode.READ_ONLY: "read-only: GET/LIST only, comparing just the fields meshc sets (less accurate: "
                    "no server defaults or admission, and fields removed from meshc's output are not seen)",
    Mode.LIVE_FILE: "offline, live state from a file, comparing just the fields meshc sets (less accurate: "
                    "no server defaults or admission, and fields removed from meshc's output are not seen)",
    Mode.AGAINST_ENV: "offline promotion: this environment's objects, renamed into the other environment's "
                      "namespace and names, against what meshc builds for the other environment",
    Mode.AGAINST_GIT: "offline: meshc's objects now against the dist/ committed at another git revision",
}
LESS_ACCURATE = {Mode.READ_ONLY, Mode.LIVE_FILE}

HELM_RELEASE_NOTE = ("HelmRelease objects are compared as objects: the chart they render is not part "
                     "of this diff (Flux renders it in the cluster).")
PRUNE_LABEL = "deleted by Flux prune"


@dataclass(frozen=True, kw_only=True)
class ObjectRef:
    api_version: str
    kind: str
    namespace: str | None
    name: str

    @classmethod
    def of(cls, obj: dict) -> ObjectRef:
        metadata = obj.get("metadata") or {}
        return cls(api_version=obj["apiVersion"], kind=obj["kind"], namespace=metadata.get("namespace") or None,
                   name=metadata["name"])

    @property
    def subject(self) -> str:
        return format_subject(self.kind, self.namespace, self.name)

    @property
    def key(self) -> tuple[str, str, str, str]:
        """Identity across API versions: group, kind, namespace, name."""
        group = self.api_version.rpartition("/")[0]
        return (group, self.kind, self.namespace or "", self.name)


@dataclass(frozen=True, kw_only=True)
class Entry:
    """One object's outcome. `pair` is masked; `fields` were computed from the masked pair."""

    ref: ObjectRef
    component: str
    action: Action
    pair: MaskedPair
    fields: tuple[FieldChange, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def subject(self) -> str:
        return self.ref.subject


def make_entry(ref: ObjectRef, component: str, before: dict | None, after: dict | None,
               notes: tuple[str, ...] = ()) -> Entry:
    """Decide the action on the normalized objects, then mask, then list the fields."""
    if before is None and after is None:
        raise ValueError(f"{ref.subject}: an entry needs at least one side")
    if before is None:
        action = Action.CREATE
    elif after is None:
        action = Action.DELETE
    elif before == after:
        action = Action.UNCHANGED
    else:
        action = Action.CHANGE
    pair = mask_pair(before, after)
    fields = compare_object(pair.before, pair.after, ref.api_version, ref.kind) if action is Action.CHANGE else ()
    if ref.kind == "HelmRelease":
        notes = (*notes, "chart render not compared")
    return Entry(ref=ref, component=component, action=action, pair=pair, fields=fields, notes=notes)


@dataclass(frozen=True, kw_only=True)
class ChangeSet:
    """Everything one diff found, sorted by component, kind, namespace and name."""

    environment: str
    mode: Mode
    source: str  # what the "before" side is: a cluster, a file, an environment, a git revision
    before_label: str
    after_label: str
    entries: tuple[Entry, ...] = ()
    failures: tuple[ObjectFailure, ...] = ()
    notes: tuple[str, ...] = field(default=())
    field_manager: str | None = None  # who the dry-run applied as (Mode.DRY_RUN only)

    def __post_init__(self) -> None:
        ordered = tuple(sorted(self.entries, key=lambda e: (component_rank(e.component), e.ref.kind,
                                                            e.ref.namespace or "", e.ref.name)))
        object.__setattr__(self, "entries", ordered)
        object.__setattr__(self, "failures", tuple(sorted(self.failures, key=lambda f: (f.reason, f.subject))))
        notes = list(self.notes)
        if any(e.ref.kind == "HelmRelease" for e in self.entries) and HELM_RELEASE_NOTE not in notes:
            notes.append(HELM_RELEASE_NOTE)
        object.__setattr__(self, "notes", tuple(notes))

    @property
    def mode_description(self) -> str:
        """The mode line of every report: what was compared, and what that comparison can and cannot see."""
        if self.mode is not Mode.DRY_RUN:
            return MODE_DESCRIPTIONS[self.mode]
        manager = self.field_manager
        return (f"server-side apply dry-run as field manager {manager} against the live cluster (server "
                f"defaults and admission included; a field {manager} applied before and no longer sets shows "
                "as removed unless another field manager also owns it)")

    @property
    def accurate(self) -> bool:
        return self.mode not in LESS_ACCURATE

    def has_changes(self) -> bool:
        return any(e.action is not Action.UNCHANGED for e in self.entries)

    def counts(self) -> dict[str, int]:
        counts = {action.value: 0 for action in Action}
        for entry in self.entries:
            counts[entry.action.value] += 1
        return counts

    def by_component(self) -> list[tuple[str, list[Entry]]]:
        groups: dict[str, list[Entry]] = {}
        for entry in self.entries:
            groups.setdefault(entry.component, []).append(entry)
        return list(groups.items())

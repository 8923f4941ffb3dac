"""Secret values never leave the diff engine: the one boundary every object crosses before output.

Runs after the decision (create/change/unchanged is made on the real values) and before any
field list, unified view or renderer sees an object, as fluxcd/pkg ssa does:
- a value equal on both sides becomes `***` on both;
- a value that changed becomes `*** (before)` on the old side and `*** (after)` on the new;
- a value on one side only becomes `***`;
so a reader learns *which* keys changed, never a value. This covers `data` and `stringData`
of Secrets, and the same fields inside a `kubectl.kubernetes.io/last-applied-configuration`
annotation (kubectl diff leaks them there: kubernetes/kubectl#1453).
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field

from meshc.diff.normalize import LAST_APPLIED_ANNOTATION

MASK = "***"
MASK_BEFORE = "*** (before)"
MASK_AFTER = "*** (after)"
SECRET_VALUE_FIELDS = ("data", "stringData")

_TOKEN = object()


@dataclass(frozen=True)
class MaskedPair:
    """Before and after views of one object with every Secret value masked.

    Only `mask_pair` makes these; renderers accept nothing else.
    """

    before: dict | None
    after: dict | None
    _token: object = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self._token is not _TOKEN:
            raise TypeError("MaskedPair is made by mask.mask_pair(), which masks Secret values first")


def mask_pair(before: dict | None, after: dict | None) -> MaskedPair:
    if not (_has_secret_values(before) or _has_secret_values(after)):
        return MaskedPair(before, after, _TOKEN)  # nothing to hide: no copy needed
    before, after = copy.deepcopy(before), copy.deepcopy(after)
    for obj in (before, after):
        if obj is not None:
            _mask_last_applied(obj)
    if _is_secret(before) or _is_secret(after):
        for name in SECRET_VALUE_FIELDS:
            _mask_values(before, after, name)
    return MaskedPair(before, after, _TOKEN)


def _has_secret_values(obj: dict | None) -> bool:
    if obj is None:
        return False
    annotations = (obj.get("metadata") or {}).get("annotations")
    return _is_secret(obj) or (isinstance(annotations, dict) and LAST_APPLIED_ANNOTATION in annotations)


def _is_secret(obj: dict | None) -> bool:
    return obj is not None and obj.get("kind") == "Secret"


def _mask_values(before: dict | None, after: dict | None, name: str) -> None:
    old = before.get(name) if before is not None else None
    new = after.get(name) if after is not None else None
    old = old if isinstance(old, dict) else {}
    new = new if isinstance(new, dict) else {}
    for key in set(old) | set(new):
        if key in old and key in new:
            same = old[key] == new[key]
            old[key], new[key] = (MASK, MASK) if same else (MASK_BEFORE, MASK_AFTER)
        elif key in old:
            old[key] = MASK
        else:
            new[key] = MASK
    for obj, values in ((before, old), (after, new)):
        if obj is not None and name in obj and not isinstance(obj[name], dict):
            obj[name] = MASK  # not a map: nothing readable may pass


def _mask_last_applied(obj: dict) -> None:
    annotations = (obj.get("metadata") or {}).get("annotations")
    if not isinstance(annotations, dict) or LAST_APPLIED_ANNOTATION not in annotations:
        return
    try:
        applied = json.loads(annotations[LAST_APPLIED_ANNOTATION])
    except (TypeError, ValueError):
        applied = None
    if not isinstance(applied, dict):
        if _is_secret(obj):
            annotations[LAST_APPLIED_ANNOTATION] = MASK
        return
    if not _is_secret(applied) and not _is_secret(obj):
        return
    for name in SECRET_VALUE_FIELDS:
        values = applied.get(name)
        if isinstance(values, dict):
            applied[name] = {key: MASK for key in values}
        elif values is not None:
            applied[name] = MASK
    annotations[LAST_APPLIED_ANNOTATION] = json.dumps(applied, sort_keys=True)

"""Patch semantics: JSON merge patch (RFC 7386) and a small model of server-side apply.

Server-side apply is modelled on field paths, like the sets a real server keeps in
`managedFields.fieldsV1`: maps recurse, lists whose items all have a `name` are keyed by it,
every other list is one atomic value. Path steps are map keys (str) or ("name", value) tuples.
"""

import json

Path = tuple

# String maps where other writers (controllers, `kubectl label/annotate`) add keys this model can't
# see, such as the deployment revision annotation: dropping a manager's last key must keep theirs.
_SHARED_MAPS = {("metadata", "labels"), ("metadata", "annotations")}


def clone(document):
    """A copy of a JSON document (dicts, lists, scalars): several times faster than copy.deepcopy,
    which the fake otherwise spends most of its time in."""
    if isinstance(document, dict):
        return {key: clone(value) for key, value in document.items()}
    if isinstance(document, list):
        return [clone(item) for item in document]
    return document


def json_merge_patch(target, patch):
    if not isinstance(patch, dict):
        return clone(patch)
    result = clone(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = json_merge_patch(result.get(key), value)
    return result


def server_side_apply(live: dict, intent: dict, previous: dict | None, others: list[dict]) -> dict:
    """The object after a manager applies `intent`, having applied `previous` last time.

    Fields the manager applied before but not now are removed, unless another applier still owns them.
    """
    result = clone(live)
    still_owned = set(field_paths(intent)).union(*(field_paths(other) for other in others))
    for path in sorted(set(field_paths(previous or {})) - still_owned, key=len, reverse=True):
        if path not in _SHARED_MAPS or not get_path(result, path):  # keys go before their maps
            delete_path(result, path)
    return _merge(result, intent)


def find_conflicts(intent: dict, others: dict[str, dict]) -> list[tuple[str, Path]]:
    """(manager, path) for each value `intent` sets that another applier set differently."""
    wanted = leaf_values(intent)
    return [(manager, path)
            for manager, other in others.items()
            for path, value in leaf_values(other).items()
            if path in wanted and wanted[path] != value]


def field_paths(obj, prefix: Path = ()) -> dict[Path, object]:
    """Every path in `obj` with its value, parents included, as a fieldsV1 set lists them."""
    paths = {}
    for step, child in _children(obj):
        paths[prefix + (step,)] = child
        paths.update(field_paths(child, prefix + (step,)))
    return paths


def leaf_values(obj) -> dict[Path, object]:
    return {path: value for path, value in field_paths(obj).items() if not _children(value)}


def get_path(obj, path: Path):
    for step in path:
        obj = _child(obj, step)
    return obj


def delete_path(obj, path: Path) -> None:
    obj = get_path(obj, path[:-1])
    last = path[-1]
    if isinstance(last, tuple) and _is_named_list(obj):
        obj[:] = [item for item in obj if item["name"] != last[1]]
    elif isinstance(obj, dict):
        obj.pop(last, None)


def fields_v1(intent: dict) -> dict:
    """The field set a manager owns by applying `intent`, in managedFields' FieldsV1 notation:
    {"f:data": {"f:a": {}}}, keyed list items as {"k:{\"name\":\"web\"}": {".": {}, ...}}."""
    owned = {key: value for key, value in intent.items() if key not in ("apiVersion", "kind")}
    metadata = {key: value for key, value in (owned.get("metadata") or {}).items() if key not in ("name", "namespace")}
    owned.pop("metadata", None)
    if metadata:
        owned["metadata"] = metadata
    return _field_set(owned)


def _field_set(obj) -> dict:
    result = {}
    for step, child in _children(obj):
        if isinstance(step, tuple):
            result[f"k:{json.dumps({step[0]: step[1]}, separators=(',', ':'))}"] = {".": {}, **_field_set(child)}
        else:
            result[f"f:{step}"] = _field_set(child)
    return result


def format_path(path: Path) -> str:
    """The notation a real server uses in conflict messages, e.g. .spec.containers[name="web"].image"""
    return "".join(f'[name="{step[1]}"]' if isinstance(step, tuple) else f".{step}" for step in path)


def _merge(base, overlay):
    if isinstance(base, dict) and isinstance(overlay, dict):
        merged = dict(base)
        for key, value in overlay.items():
            merged[key] = _merge(base[key], value) if key in base else clone(value)
        return merged
    if _is_named_list(base) and _is_named_list(overlay):
        existing = {item["name"]: item for item in base}
        applied = {item["name"] for item in overlay}
        return ([_merge(existing[item["name"]], item) if item["name"] in existing else clone(item)
                 for item in overlay]
                + [item for item in base if item["name"] not in applied])
    return clone(overlay)


def _children(obj) -> list[tuple]:
    if isinstance(obj, dict):
        return list(obj.items())
    if _is_named_list(obj):
        return [(("name", item["name"]), item) for item in obj]
    return []


def _child(obj, step):
    for child_step, child in _children(obj):
        if child_step == step:
            return child
    return None


def _is_named_list(value) -> bool:
    return isinstance(value, list) and bool(value) and all(
        isinstance(item, dict) and "name" in item for item in value)

"""The "before" side of the offline comparisons, as plain objects.

- `read_live_file`: a `kubectl get -o yaml` dump (a List, nested Lists, or a YAML stream).
- `read_git_dist`: the YAML files meshc committed under dist/<env> at another git revision,
  read with `git ls-tree` and `git cat-file`; this reads committed output, it builds nothing.
- `retarget`: one environment's objects renamed into another environment's identity, so a
  promotion diff shows what changes in intent, not that every namespace differs.
"""

from __future__ import annotations

import copy
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import yaml

from meshc.context import ENVIRONMENT_LABEL, INSTANCE_LABEL
from meshc.diff.errors import GitRevisionError, LiveFileError
from meshc.loader import LoadedEnvironment
from meshc.network import NAMESPACE_NAME_LABEL
from meshc.workload import CONFIG_HASH_ANNOTATION, config_hash

# dist/<env>/**/kustomization.yaml: kustomize's own file, not an object Flux applies.
_KUSTOMIZE_CONFIG_GROUP = "kustomize.config.k8s.io/"


# --- --live-from -------------------------------------------------------------------------


class _KubectlDumpLoader(yaml.SafeLoader):
    """kubectl writes no anchors or aliases; refusing them keeps an alias bomb from expanding."""

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            raise yaml.MarkedYAMLError(None, None, "an alias (*name), which kubectl never writes", self.peek_event().start_mark)
        return super().compose_node(parent, index)


def read_live_file(path: str) -> list[dict]:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as error:
        raise LiveFileError(path, error.strerror or str(error)) from None
    except UnicodeDecodeError as error:
        raise LiveFileError(path, f"is not UTF-8 text (byte 0x{error.object[error.start]:02x} at offset {error.start})") from None
    try:
        documents = [doc for doc in yaml.load_all(text, Loader=_KubectlDumpLoader) if doc is not None]
    except RecursionError:
        raise LiveFileError(path, "nested too deeply to be a kubectl dump") from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark else ""
        raise LiveFileError(path, f"{where}not valid YAML ({getattr(error, 'problem', None) or error})") from None
    objects: list[dict] = []
    for number, document in enumerate(documents, 1):
        _collect(document, f"document {number}", objects, path)
    return objects


def _collect(document, where: str, objects: list[dict], path: str) -> None:
    if not isinstance(document, dict):
        raise LiveFileError(path, f"{where} is not a mapping")
    kind = document.get("kind")
    if isinstance(kind, str) and kind.endswith("List") and isinstance(document.get("items"), list):
        item_kind = kind.removesuffix("List")
        for index, item in enumerate(document["items"]):
            if isinstance(item, dict) and not item.get("kind") and item_kind:  # typed lists omit it
                item = {"kind": item_kind, "apiVersion": document.get("apiVersion"), **item}
            _collect(item, f"{where} item {index}", objects, path)
        return
    if not kind or not document.get("apiVersion") or not (document.get("metadata") or {}).get("name"):
        raise LiveFileError(path, f"{where} has no kind, apiVersion or metadata.name")
    objects.append(document)


# --- --against-git -------------------------------------------------------------------------


def read_git_dist(root: Path, dist: Path, environment: str, ref: str) -> list[dict]:
    """Every object under dist/<environment> at `ref`; [] when that folder did not exist there."""
    top = Path(_git(root, ref, "rev-parse", "--show-toplevel").decode().strip())
    _git(top, ref, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}",
         problem="is not a commit in this repository (try a branch, tag or commit id)")
    folder = (dist / environment).resolve().relative_to(top.resolve()).as_posix()
    listing = _git(top, ref, "ls-tree", "-r", "-z", "--full-tree", ref, "--", folder)
    blobs = []
    for line in listing.decode().split("\0"):
        if not line:
            continue
        info, file_path = line.split("\t", 1)
        _, kind, sha = info.split()
        if kind == "blob" and file_path.endswith((".yaml", ".yml")):
            blobs.append((file_path, sha))
    contents = _cat_blobs(top, ref, [sha for _, sha in blobs])
    objects = []
    for (file_path, _), content in zip(blobs, contents):
        try:
            documents = list(yaml.safe_load_all(content))
        except yaml.YAMLError as error:
            raise GitRevisionError(ref, f"{file_path} is not valid YAML: {error}") from None
        for document in documents:
            if isinstance(document, dict) and document.get("kind") and \
                    not str(document.get("apiVersion", "")).startswith(_KUSTOMIZE_CONFIG_GROUP):
                objects.append(document)
    return objects


def _git(cwd: Path, ref: str, *args: str, problem: str | None = None) -> bytes:
    try:
        done = subprocess.run(["git", "-C", str(cwd), *args], capture_output=True, check=False)
    except FileNotFoundError:
        raise GitRevisionError(ref, "git is not installed") from None
    if done.returncode != 0:
        message = problem or done.stderr.decode(errors="replace").strip().splitlines()[-1:] or ["git failed"]
        raise GitRevisionError(ref, message if isinstance(message, str) else message[0])
    return done.stdout


def _cat_blobs(top: Path, ref: str, shas: list[str]) -> list[bytes]:
    """All blobs in one `git cat-file --batch` process, in order."""
    if not shas:
        return []
    done = subprocess.run(["git", "-C", str(top), "cat-file", "--batch"], input="\n".join(shas).encode() + b"\n",
                          capture_output=True, check=False)
    if done.returncode != 0:
        raise GitRevisionError(ref, done.stderr.decode(errors="replace").strip() or "git cat-file failed")
    out, position, contents = done.stdout, 0, []
    for _ in shas:
        header_end = out.index(b"\n", position)
        size = int(out[position:header_end].split()[2])
        contents.append(out[header_end + 1: header_end + 1 + size])
        position = header_end + 1 + size + 1
    return contents


# --- --against-env -------------------------------------------------------------------------


@dataclass(frozen=True)
class Identity:
    """What names an environment in its objects: its name, namespace, Flux namespace and dist path."""

    name: str
    namespace: str
    flux_namespace: str
    path: str

    @classmethod
    def of(cls, environment: LoadedEnvironment) -> Identity:
        model = environment.model
        path = (model.gitops.path if model.gitops and model.gitops.path else f"./dist/{environment.name}")
        return cls(environment.name, model.global_.namespace, model.flux.namespace, path.rstrip("/"))


def retarget(objects: list[dict], source: Identity, target: Identity) -> list[dict]:
    """`objects` of the source environment, as they would be if written for the target's identity.

    Translated: namespaces (metadata and every `namespace:` field, the namespace label
    selector, `<svc>.<namespace>` host names), the environment label, the instance label of
    platform and delivery objects, the Flux object names (`meshc-<env>[-<layer>]`) and the
    dist path Flux reads. Nothing else: hostnames, sizes and versions that differ are what a
    promotion changes, and they show. Config checksums are recomputed afterwards, since the
    ConfigMaps they hash now hold the target's host names.
    """
    rules = _Rules(source, target)
    moved = [rules.apply(copy.deepcopy(obj)) for obj in objects]
    return _rehash_configs(moved)


class _Rules:
    def __init__(self, source: Identity, target: Identity):
        self.source, self.target = source, target
        self.namespaces = {source.namespace: target.namespace, source.flux_namespace: target.flux_namespace}
        self.host = re.compile(rf"(?<=\.){re.escape(source.namespace)}(?=$|[.:/])")
        self.flux_name = re.compile(rf"^meshc-{re.escape(source.name)}(?=$|-)")

    def apply(self, obj: dict) -> dict:
        metadata = obj["metadata"]
        if obj["kind"] == "Namespace":
            metadata["name"] = self.namespaces.get(metadata["name"], metadata["name"])
        return self._walk(obj, None)

    def _walk(self, value, key: str | None):
        if isinstance(value, dict):
            return {k: self._label(k, v) if key in ("labels", "matchLabels") else self._walk(v, k)
                    for k, v in value.items()}
        if isinstance(value, list):
            return [self._walk(item, key) for item in value]
        if not isinstance(value, str):
            return value
        if key == "namespace":
            return self.namespaces.get(value, value)
        if key == "name":
            value = self.flux_name.sub(f"meshc-{self.target.name}", value)
        if key == "path" and (value == self.source.path or value.startswith(self.source.path + "/")):
            value = self.target.path + value[len(self.source.path):]
        return self.host.sub(self.target.namespace, value)

    def _label(self, key: str, value):
        if not isinstance(value, str):
            return value
        if key == ENVIRONMENT_LABEL and value == self.source.name:
            return self.target.name
        if key == INSTANCE_LABEL and value in (self.source.name, self.source.namespace):
            return self.target.name if value == self.source.name else self.target.namespace
        if key == NAMESPACE_NAME_LABEL:
            return self.namespaces.get(value, value)
        return value


def _rehash_configs(objects: list[dict]) -> list[dict]:
    """Recompute `meshc.io/config-sha256` of each pod template from the ConfigMap it loads
    (envFrom), the way meshc.workload computes it."""
    data = {(obj["metadata"].get("namespace"), obj["metadata"]["name"]): obj.get("data") or {}
            for obj in objects if obj["kind"] == "ConfigMap"}
    for obj in objects:
        template = (obj.get("spec") or {}).get("template") or {}
        annotations = (template.get("metadata") or {}).get("annotations") or {}
        if CONFIG_HASH_ANNOTATION not in annotations:
            continue
        names = [source["configMapRef"]["name"]
                 for container in (template.get("spec") or {}).get("containers") or []
                 for source in container.get("envFrom") or [] if "configMapRef" in source]
        config = data.get((obj["metadata"].get("namespace"), names[0])) if len(names) == 1 else None
        if config is not None:
            annotations[CONFIG_HASH_ANNOTATION] = config_hash(config)
    return objects

"""What the fake serves: the resource types, and the discovery documents that list them."""

from dataclasses import dataclass


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
VERBS = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"]


def resource_entry(rtype: ResourceType) -> dict:
    entry = {"name": rtype.plural, "singularName": rtype.kind.lower(), "namespaced": rtype.namespaced,
             "kind": rtype.kind, "verbs": VERBS}
    if rtype.short_names:
        entry["shortNames"] = list(rtype.short_names)
    return entry


def version_document(minor: int) -> dict:
    return {"major": "1", "minor": str(minor), "gitVersion": f"v1.{minor}.0",
            "gitCommit": "0" * 40, "gitTreeState": "clean", "buildDate": "2025-01-01T00:00:00Z",
            "goVersion": "go1.24.0", "compiler": "gc", "platform": "linux/amd64"}


def api_document(url: str) -> dict:
    return {"kind": "APIVersions", "versions": ["v1"], "serverAddressByClientCIDRs": [
        {"clientCIDR": "0.0.0.0/0", "serverAddress": url.removeprefix("http://")}]}


def apis_document(served: list[ResourceType]) -> dict:
    group_versions = dict.fromkeys((rtype.group, rtype.version) for rtype in served if rtype.group)
    groups = []
    for group, version in group_versions:
        entry = {"groupVersion": f"{group}/{version}", "version": version}
        groups.append({"name": group, "versions": [entry], "preferredVersion": entry})
    return {"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}


def resources_document(served: list[ResourceType]) -> dict:
    """The APIResourceList of one group version; `served` holds its types (at least one)."""
    return {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": served[0].api_version,
            "resources": [resource_entry(rtype) for rtype in served]}

"""An in-process fake Kubernetes API server for tests that run the real client over HTTP."""

from .defaults import apply_defaults
from .kubeconfig import write_kubeconfig
from .server import SERVED_RESOURCES, FakeKubeAPIServer, RequestRecord, ResourceType

__all__ = ["SERVED_RESOURCES", "FakeKubeAPIServer", "RequestRecord", "ResourceType",
           "apply_defaults", "write_kubeconfig"]

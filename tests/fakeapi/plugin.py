"""pytest fixtures; register with `pytest_plugins = ["fakeapi.plugin"]` in the root conftest.py."""

import pytest

from .kubeconfig import write_kubeconfig
from .server import FakeKubeAPIServer

CONTEXT = "fake"


@pytest.fixture
def fake_api():
    """A started FakeKubeAPIServer with only the system namespaces; seed it in the test."""
    with FakeKubeAPIServer() as server:
        yield server


@pytest.fixture
def kubeconfig(fake_api, tmp_path):
    """Path of a kubeconfig whose current context "fake" points at `fake_api`."""
    return write_kubeconfig(tmp_path / "kubeconfig", {CONTEXT: (fake_api.url, fake_api.token)}, CONTEXT)

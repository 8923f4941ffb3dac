"""Write real kubeconfig files, so tests exercise the client's own config loading."""

from pathlib import Path

import yaml


def write_kubeconfig(path, clusters: dict[str, tuple[str, str | None]], current_context: str) -> Path:
    """Write one cluster, user and context per entry of `clusters` (context name -> (server URL, token)).

    The cluster and user share the context's name; a token of None gives a user with no credentials.
    """
    path = Path(path)
    document = {
        "apiVersion": "v1",
        "kind": "Config",
        "preferences": {},
        "current-context": current_context,
        "clusters": [{"name": name, "cluster": {"server": server}} for name, (server, _) in clusters.items()],
        "users": [{"name": name, "user": {"token": token} if token else {}}
                  for name, (_, token) in clusters.items()],
        "contexts": [{"name": name, "context": {"cluster": name, "user": name}} for name in clusters],
    }
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    return path

"""Which names and values are secrets: the one rule behind the `secrets` check and every message.

A name looks secret when one of its words (split on `_`, `-` and `.`) is KEY,
TOKEN, PASSWORD, PASSWD, SECRET, CREDENTIAL, CREDENTIALS or APIKEY, unless
its last word says it only points at a secret: FILE, PATH, DIR, URL, URI,
NAME or ID. Whole words only, so KEYCLOAK_URL, MAX_TOKENS and
TOKENIZER_MODEL are not secrets. Whatever its name, a value that carries a
password in a URL (`scheme://user:password@host`) is one too.
"""

from __future__ import annotations

import re
from typing import Any

SECRET_WORDS = frozenset({"KEY", "TOKEN", "PASSWORD", "PASSWD", "SECRET", "CREDENTIAL", "CREDENTIALS", "APIKEY"})
POINTER_WORDS = frozenset({"FILE", "PATH", "DIR", "URL", "URI", "NAME", "ID"})
# A `$(VAR)` password is Kubernetes expanding another env var (a Secret reference), not a literal.
URL_WITH_PASSWORD = re.compile(r"[a-zA-Z][a-zA-Z0-9+.-]*://[^/@\s:]*:(?!\$\()[^/@\s]+@")


def looks_secret(name: str) -> bool:
    words = [w for w in re.split(r"[-_.]+", name.upper()) if w]
    if not words or words[-1] in POINTER_WORDS:
        return False
    return any(word in SECRET_WORDS for word in words)


def is_literal_secret(name: str, value: object) -> bool:
    return isinstance(value, str) and bool(value) and (looks_secret(name) or bool(URL_WITH_PASSWORD.search(value)))


def conceals(path: tuple[str | int, ...], value: object) -> bool:
    """Whether a message about `value` at key `path` must not show it: the value sits where a
    Secret reference belongs (a key such as secretEnv or urlSecret), under a secret-looking
    name, or carries a password in a URL."""
    keys = [key for key in path if isinstance(key, str)]
    return (
        any("secret" in key.lower() or looks_secret(key) for key in keys)
        or bool(URL_WITH_PASSWORD.search(str(value)))
    )


NOT_SHOWN = "value not shown: it may be a secret"


def describe(value: Any, hidden: bool = False) -> str:
    """A value's kind for a message, and the value itself unless `hidden` (see `conceals`)."""
    kinds = {bool: "a boolean", int: "a number", float: "a number", str: "a string",
             list: "a list", dict: "a mapping", type(None): "nothing (null)"}
    kind = kinds.get(type(value), type(value).__name__)
    if isinstance(value, (list, dict, type(None))):
        return kind
    return f"{kind} ({NOT_SHOWN})" if hidden else f"{kind} {value!r}"

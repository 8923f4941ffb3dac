"""What a request addresses and how the fake refuses one: targets, Status errors (with the
reasons kube-apiserver gives), body checks and label selectors."""

from dataclasses import dataclass

from .http import RequestRecord
from .merging import clone, format_path
from .resources import ResourceType

REASONS = {400: "BadRequest", 401: "Unauthorized", 403: "Forbidden", 404: "NotFound",
            405: "MethodNotAllowed", 409: "Conflict", 415: "UnsupportedMediaType", 422: "Invalid",
            429: "TooManyRequests", 500: "InternalError", 503: "ServiceUnavailable", 504: "Timeout"}


@dataclass(frozen=True)
class Target:
    rtype: ResourceType
    namespace: str | None
    name: str | None

    @property
    def key(self) -> tuple:
        return (self.rtype.group, self.rtype.plural, self.namespace or "", self.name)


class ApiError(Exception):
    def __init__(self, code: int, message: str, reason: str | None = None, details: dict | None = None):
        super().__init__(message)
        self.code, self.message = code, message
        self.reason = reason or REASONS.get(code, "Unknown")
        self.details = details

    def status(self) -> dict:
        body = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                "message": self.message, "reason": self.reason, "code": self.code}
        if self.details:
            body["details"] = self.details
        return body


def object_body(request: RequestRecord) -> dict | None:
    if request.method not in ("POST", "PUT", "PATCH"):
        return None
    if not isinstance(request.body, dict):
        raise ApiError(400, "the request body must be a single object")
    return clone(request.body)  # the log keeps what was sent, not what the server made of it


def check_body(target: Target, body: dict) -> str:
    """Reject what a real server rejects before storing; returns the object's name."""
    if not body.get("kind") or not body.get("apiVersion"):
        raise ApiError(400, "Object 'Kind' or 'apiVersion' is missing in the request body")
    metadata = body.setdefault("metadata", {})
    if target.name and metadata.get("name", target.name) != target.name:
        raise ApiError(400, f"the name of the object ({metadata['name']}) does not match the name on "
                            f"the URL ({target.name})")
    if target.namespace and metadata.get("namespace", target.namespace) != target.namespace:
        raise ApiError(400, "the namespace of the provided object does not match the namespace sent "
                            "on the request")
    metadata.setdefault("name", target.name)
    if not metadata["name"]:
        raise ApiError(400, "name or generateName is required", "Invalid")
    return metadata["name"]


def details(target: Target) -> dict:
    return {"name": target.name, "group": target.rtype.group, "kind": target.rtype.plural}


def unknown_resource() -> ApiError:
    return ApiError(404, "the server could not find the requested resource", "NotFound")


def conflict_message(conflicts: list, rtype: ResourceType) -> str:
    lines = [f'conflict with "{owner}" using {rtype.api_version}: {format_path(path)}'
             for owner, path in conflicts]
    plural = "s" if len(conflicts) > 1 else ""
    return f"Apply failed with {len(conflicts)} conflict{plural}: " + "; ".join(lines)


def selector_matches(selector: str | None, labels: dict) -> bool:
    """Equality-based label selectors: a=b, a==b, a!=b, a, !a (comma means AND)."""
    for term in (term.strip() for term in (selector or "").split(",")):
        if not term:
            continue
        if " " in term or "(" in term:  # refuse loudly rather than match nothing
            raise ApiError(400, f"unable to parse requirement {term!r}: fakeapi has no set-based selectors")
        if "!=" in term:
            key, value = (part.strip() for part in term.split("!=", 1))
            matched = labels.get(key) != value
        elif "=" in term:
            key, value = (part.strip() for part in term.replace("==", "=").split("=", 1))
            matched = labels.get(key) == value
        elif term.startswith("!"):
            matched = term[1:].strip() not in labels
        else:
            matched = term in labels
        if not matched:
            return False
    return True

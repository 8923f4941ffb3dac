"""The status report as a table for people and as JSON for CI."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

from meshc.status.assess import Item
from meshc.status.targets import group_rank

FORMATS = ("text", "json")


@dataclass(frozen=True)
class StatusReport:
    environment: str
    context: str
    server: str
    revision: str  # DistRevision.describe()
    items: tuple[Item, ...]

    @property
    def ready(self) -> bool:
        return all(item.ready for item in self.items)

    def counts(self) -> tuple[int, int]:
        ready = sum(item.ready for item in self.items)
        return ready, len(self.items) - ready

    def groups(self) -> list[tuple[str, list[Item]]]:
        names = sorted({item.group for item in self.items}, key=group_rank)
        return [(name, [item for item in self.items if item.group == name]) for name in names]

    def summary(self) -> str:
        ready, waiting = self.counts()
        verdict = "all ready" if not waiting else f"{waiting} not ready"
        return f"{verdict} ({ready} of {ready + waiting} ready)"


def render(report: StatusReport, output: str) -> str:
    return to_json(report) if output == "json" else to_text(report)


def to_text(report: StatusReport) -> str:
    """Grouped like `diff`; within a group one row per object: mark, object, state, why."""
    subject_width = max((len(item.subject) for item in report.items), default=0)
    state_width = max((len(item.state) for item in report.items), default=0)
    lines = [
        f'meshc status {report.environment}: cluster context "{report.context}" at {report.server}',
        report.revision,
        "",
    ]
    for group, items in report.groups():
        lines.append(group)
        for item in items:
            mark = "ok " if item.ready else "!! "
            row = f"  {mark}{item.subject:<{subject_width}}  {item.state:<{state_width}}  {item.detail}"
            lines.append(row.rstrip())
    lines += ["", f"Summary: {report.summary()}."]
    return "\n".join(lines) + "\n"


def to_json(report: StatusReport) -> str:
    ready, waiting = report.counts()
    document = {
        "environment": report.environment,
        "context": report.context,
        "server": report.server,
        "revision": report.revision,
        "ready": report.ready,
        "counts": {"ready": ready, "notReady": waiting},
        "groups": [
            {"name": group, "items": [{k: v for k, v in asdict(item).items() if k != "group"} for item in items]}
            for group, items in report.groups()
        ],
    }
    return json.dumps(document, indent=2, sort_keys=True) + "\n"

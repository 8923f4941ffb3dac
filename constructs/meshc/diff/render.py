"""A ChangeSet as text (colored or plain), JSON or Markdown. Strings out; nothing printed here.

Renderers only ever see masked pairs (`changeset.Entry.pair`), so Secret values cannot reach
any output format. Order is the ChangeSet's: component, kind, namespace, name.
"""

from __future__ import annotations

import difflib
import json
import textwrap
from typing import Any, Callable

import yaml

from meshc.diff.changeset import PRUNE_LABEL, Action, ChangeSet, Entry
from meshc.diff.compare import ABSENT
from meshc.diff.errors import summarize

FORMATS = ("text", "json", "markdown")
JSON_SCHEMA_VERSION = 1
_MAX_VALUE = 160
_SYMBOLS = {Action.CREATE: "+", Action.CHANGE: "~", Action.DELETE: "-", Action.UNCHANGED: "="}
_COLORS = {"create": "32", "change": "33", "delete": "31", "hunk": "36", "head": "1", "dim": "2", "error": "31;1"}


def render(changeset: ChangeSet, output: str, *, color: bool = False) -> str:
    if output == "json":
        return render_json(changeset)
    if output == "markdown":
        return render_markdown(changeset)
    return render_text(changeset, color=color)


# --- pieces shared by every format ---------------------------------------------------------


def summary_line(changeset: ChangeSet) -> str:
    counts = changeset.counts()
    text = (f"{counts['create']} to create, {counts['change']} to change, "
            f"{counts['delete']} {PRUNE_LABEL}, {counts['unchanged']} unchanged")
    if changeset.failures:
        text += f", {len(changeset.failures)} not compared (errors)"
    return text


def format_value(value: Any) -> str:
    if value is ABSENT:
        return "(absent)"
    text = json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(", ", ": "))
    return text if len(text) <= _MAX_VALUE else text[: _MAX_VALUE - 1] + "…"


def unified_yaml(entry: Entry, before_label: str, after_label: str) -> list[str]:
    """The unified diff of the masked objects as YAML, without trailing newlines."""
    before = _yaml_lines(entry.pair.before)
    after = _yaml_lines(entry.pair.after)
    return list(difflib.unified_diff(before, after, f"{before_label} {entry.subject}",
                                     f"{after_label} {entry.subject}", n=3, lineterm=""))


def _yaml_lines(obj: dict | None) -> list[str]:
    if obj is None:
        return []
    return yaml.safe_dump(obj, sort_keys=True, default_flow_style=False, width=1_000_000,
                          allow_unicode=True).splitlines()


def _group_counts(entries: list[Entry]) -> str:
    counts = {action: 0 for action in Action}
    for entry in entries:
        counts[entry.action] += 1
    parts = []
    if counts[Action.CREATE]:
        parts.append(f"{counts[Action.CREATE]} to create")
    if counts[Action.CHANGE]:
        parts.append(f"{counts[Action.CHANGE]} to change")
    if counts[Action.DELETE]:
        parts.append(f"{counts[Action.DELETE]} {PRUNE_LABEL}")
    if counts[Action.UNCHANGED]:
        parts.append(f"{counts[Action.UNCHANGED]} unchanged")
    return ", ".join(parts)


# --- text ------------------------------------------------------------------------------


def render_text(changeset: ChangeSet, *, color: bool = False) -> str:
    paint: Callable[[str, str], str] = (lambda text, style: f"\033[{_COLORS[style]}m{text}\033[0m") if color \
        else (lambda text, style: text)
    lines = [paint(f"meshc diff {changeset.environment}: {changeset.source}", "head"),
             f"mode: {changeset.mode_description}", ""]
    for component, entries in changeset.by_component():
        lines.append(f"{paint(component, 'head')}: {_group_counts(entries)}")
        for entry in entries:
            if entry.action is not Action.UNCHANGED:
                lines.extend(_text_entry(entry, changeset, paint))
    if not changeset.entries:
        lines.append("no objects")
    lines += ["", paint(f"Summary: {summary_line(changeset)}.", "head")]
    if not changeset.accurate:
        lines.append(paint("This comparison is less accurate than a dry-run (see mode above).", "change"))
    if changeset.notes:
        lines += ["", "Notes:", *(f"  * {note}" for note in changeset.notes)]
    if changeset.failures:
        lines += ["", paint(f"Not compared ({len(changeset.failures)}):", "error")]
        for line, subjects in failure_groups(changeset):
            lines.append(f"  ! {line}")
            lines += textwrap.wrap(", ".join(subjects), width=110, initial_indent="      ",
                                   subsequent_indent="      ", break_on_hyphens=False)
        lines += [paint(f"  => {line}", "error") for line in summarize(changeset.failures)]
    return "\n".join(_squeeze(lines)) + "\n"


def failure_groups(changeset: ChangeSet) -> list[tuple[str, list[str]]]:
    """(line, subjects): one per failure, except that failures with the very same cause share one
    line, followed by their subjects."""
    groups: dict[tuple, list] = {}
    for failure in changeset.failures:
        groups.setdefault((failure.operation, failure.reason, failure.message), []).append(failure)
    lines = []
    for (operation, reason, message), found in groups.items():
        if len(found) == 1:
            lines.append((str(found[0]), []))
        else:
            lines.append((f"{operation} failed ({reason}) for {len(found)} objects: {message}",
                          [failure.subject for failure in found]))
    return lines


def _squeeze(lines: list[str]) -> list[str]:
    """No two blank lines in a row, and none at the end."""
    kept: list[str] = []
    for line in lines:
        if line == "" and (not kept or kept[-1] == ""):
            continue
        kept.append(line)
    while kept and kept[-1] == "":
        kept.pop()
    return kept


def _text_entry(entry: Entry, changeset: ChangeSet, paint) -> list[str]:
    style = entry.action.value
    label = {Action.CREATE: "create", Action.CHANGE: "change", Action.DELETE: PRUNE_LABEL}[entry.action]
    notes = f" ({'; '.join(entry.notes)})" if entry.notes else ""
    lines = [paint(f"  {_SYMBOLS[entry.action]} {entry.subject}", style) + f"  [{label}]{notes}"]
    if entry.action is not Action.CHANGE:
        return lines
    for change in entry.fields:
        lines.append(f"      {change.path}: {format_value(change.old)} → {format_value(change.new)}")
    for line in unified_yaml(entry, changeset.before_label, changeset.after_label):
        if line.startswith(("+++", "---")):
            lines.append("      " + paint(line, "head"))
        elif line.startswith("@@"):
            lines.append("      " + paint(line, "hunk"))
        elif line.startswith("+"):
            lines.append("      " + paint(line, "create"))
        elif line.startswith("-"):
            lines.append("      " + paint(line, "delete"))
        else:
            lines.append("      " + line)
    return [*lines, ""]


# --- json -------------------------------------------------------------------------------


def render_json(changeset: ChangeSet) -> str:
    components = []
    for component, entries in changeset.by_component():
        changes = [_json_entry(entry, changeset) for entry in entries if entry.action is not Action.UNCHANGED]
        components.append({
            "component": component,
            "changes": changes,
            "unchanged": [entry.subject for entry in entries if entry.action is Action.UNCHANGED],
        })
    document = {
        "schemaVersion": JSON_SCHEMA_VERSION,
        "environment": changeset.environment,
        "mode": changeset.mode.value,
        "accurate": changeset.accurate,
        "source": changeset.source,
        "hasChanges": changeset.has_changes(),
        "summary": changeset.counts() | {"failed": len(changeset.failures)},
        "components": components,
        "failures": [{"subject": f.subject, "component": f.component, "operation": f.operation,
                      "reason": f.reason.value, "message": f.message} for f in changeset.failures],
        "errors": summarize(changeset.failures),
        "notes": list(changeset.notes),
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _json_entry(entry: Entry, changeset: ChangeSet) -> dict:
    item = {
        "action": entry.action.value,
        "subject": entry.subject,
        "apiVersion": entry.ref.api_version,
        "kind": entry.ref.kind,
        "namespace": entry.ref.namespace,
        "name": entry.ref.name,
        "notes": list(entry.notes),
    }
    if entry.action is Action.CHANGE:
        item["fields"] = [{"path": c.path, "old": _json_value(c.old), "new": _json_value(c.new),
                           **({"oldAbsent": True} if c.old is ABSENT else {}),
                           **({"newAbsent": True} if c.new is ABSENT else {})} for c in entry.fields]
        item["diff"] = "\n".join(unified_yaml(entry, changeset.before_label, changeset.after_label)) + "\n"
    if entry.action is Action.DELETE:
        item["reason"] = PRUNE_LABEL
    item["before"] = entry.pair.before
    item["after"] = entry.pair.after
    return item


def _json_value(value: Any) -> Any:
    return None if value is ABSENT else value


# --- markdown ---------------------------------------------------------------------------


def render_markdown(changeset: ChangeSet) -> str:
    lines = [f"### meshc diff `{changeset.environment}`: {summary_line(changeset)}", "",
             f"Compared with {changeset.source}.", "", f"> Mode: {changeset.mode_description}"]
    if not changeset.accurate:
        lines += [">", "> **Less accurate than a dry-run**: see the mode above."]
    lines += ["", "| Component | Create | Change | Deleted by Flux prune | Unchanged |",
              "|---|---:|---:|---:|---:|"]
    groups = changeset.by_component()
    for component, entries in groups:
        count = {action: sum(1 for e in entries if e.action is action) for action in Action}
        lines.append(f"| {component} | {count[Action.CREATE]} | {count[Action.CHANGE]} | "
                     f"{count[Action.DELETE]} | {count[Action.UNCHANGED]} |")
    for component, entries in groups:
        shown = [entry for entry in entries if entry.action is not Action.UNCHANGED]
        if not shown:
            continue
        lines += ["", f"#### {component}", ""]
        for entry in shown:
            lines.extend(_markdown_entry(entry, changeset))
    if changeset.notes:
        lines += ["", "**Notes**", "", *(f"- {note}" for note in changeset.notes)]
    if changeset.failures:
        lines += ["", f"**Not compared ({len(changeset.failures)})**", ""]
        lines += [f"- {_code(line)}" + (": " + ", ".join(_code(s) for s in subjects) if subjects else "")
                  for line, subjects in failure_groups(changeset)]
        lines += ["", *(f"> {line}" for line in summarize(changeset.failures))]
    return "\n".join(_squeeze(lines)) + "\n"


def _markdown_entry(entry: Entry, changeset: ChangeSet) -> list[str]:
    label = {Action.CREATE: "create", Action.CHANGE: "change", Action.DELETE: PRUNE_LABEL}[entry.action]
    notes = f" ({'; '.join(entry.notes)})" if entry.notes else ""
    lines = [f"- **{label}** {_code(entry.subject)}{notes}"]
    if entry.action is not Action.CHANGE:
        return lines
    for change in entry.fields:
        lines.append(f"  - {_code(change.path)}: {_code(format_value(change.old))} → {_code(format_value(change.new))}")
    lines += ["", "  <details><summary>YAML diff</summary>", "", "  ```diff"]
    lines += [f"  {line}" for line in unified_yaml(entry, changeset.before_label, changeset.after_label)]
    lines += ["  ```", "", "  </details>", ""]
    return lines


def _code(text: str) -> str:
    fence = "``" if "`" in text else "`"
    pad = " " if fence == "``" else ""
    return f"{fence}{pad}{text}{pad}{fence}"

"""render.py: the shapes of the text, JSON and Markdown reports."""

from __future__ import annotations

import json

from meshc.diff.changeset import ChangeSet, Mode, ObjectRef, make_entry
from meshc.diff.compare import ABSENT
from meshc.diff.errors import ApiFailure, failure_from_api
from meshc.diff.render import format_value, render, render_json, render_markdown, render_text


def deployment(image: str, replicas: int | None = 2) -> dict:
    spec = {"template": {"spec": {"containers": [{"name": "app", "image": image}]}}}
    if replicas is not None:
        spec["replicas"] = replicas
    return {"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web", "namespace": "mesh", "labels": {"app.kubernetes.io/component": "registry"}},
            "spec": spec}


def config_map(name: str) -> dict:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "namespace": "mesh"}, "data": {}}


def sample(mode: Mode = Mode.DRY_RUN, failures=()) -> ChangeSet:
    changed = make_entry(ObjectRef.of(deployment("x:2")), "registry", deployment("x:1", 3), deployment("x:2", None))
    created = make_entry(ObjectRef.of(config_map("new")), "agent/a", None, config_map("new"))
    pruned = make_entry(ObjectRef.of(config_map("old")), "agent/b", config_map("old"), None)
    same = make_entry(ObjectRef.of(config_map("same")), "platform", config_map("same"), config_map("same"))
    return ChangeSet(environment="dev", mode=mode, source='cluster context "fake" at http://x', before_label="live",
                     after_label="after apply (dry-run)", entries=(changed, created, pruned, same),
                     failures=tuple(failures), field_manager="kustomize-controller" if mode is Mode.DRY_RUN else None)


def test_text_lists_classes_fields_and_a_unified_view():
    text = render_text(sample())
    assert text.splitlines()[:4] == ['meshc diff dev: cluster context "fake" at http://x',
                                     "mode: server-side apply dry-run as field manager kustomize-controller against "
                                     "the live cluster (server defaults and admission included; a field "
                                     "kustomize-controller applied before and no longer sets shows as removed unless "
                                     "another field manager also owns it)", "", "platform: 1 unchanged"]
    assert "registry: 1 to change\n  ~ Deployment/mesh/web  [change]\n" in text
    assert '      spec.replicas: 3 → (absent)\n      spec.template.spec.containers[name=app].image: "x:1" → "x:2"' \
        in text
    assert "      --- live Deployment/mesh/web\n      +++ after apply (dry-run) Deployment/mesh/web\n" in text
    assert "      -      - image: x:1\n      +      - image: x:2" in text
    assert "agent/a: 1 to create\n  + ConfigMap/mesh/new  [create]" in text
    assert "agent/b: 1 deleted by Flux prune\n  - ConfigMap/mesh/old  [deleted by Flux prune]" in text
    assert text.endswith("Summary: 1 to create, 1 to change, 1 deleted by Flux prune, 1 unchanged.\n")
    assert "\033[" not in text


def test_color_is_ansi_and_only_when_asked():
    colored = render(sample(), "text", color=True)
    assert "\033[32m  + ConfigMap/mesh/new\033[0m" in colored and "\033[31m  - ConfigMap/mesh/old\033[0m" in colored
    assert render(sample(), "text") == render_text(sample())


def test_less_accurate_modes_say_so():
    assert "This comparison is less accurate than a dry-run" in render_text(sample(Mode.READ_ONLY))
    assert "**Less accurate than a dry-run**" in render_markdown(sample(Mode.LIVE_FILE))
    assert "less accurate" not in render_text(sample())


def test_failures_are_listed_with_one_summary_per_cause():
    failure = failure_from_api("Deployment/mesh/a", "agent/a", "dry-run", ApiFailure(403, "Forbidden", "no"))
    text = render_text(sample(failures=[failure]))
    assert "Not compared (1):\n  ! Deployment/mesh/a dry-run failed (forbidden-dry-run): 403 Forbidden: no\n" \
           "  => 1 dry-run forbidden (403)" in text
    assert "1 not compared (errors)" in text


def test_json_shape():
    document = json.loads(render_json(sample()))
    assert list(document) == ["schemaVersion", "environment", "mode", "accurate", "source", "hasChanges", "summary",
                              "components", "failures", "errors", "notes"]
    assert document["summary"] == {"create": 1, "change": 1, "delete": 1, "unchanged": 1, "failed": 0}
    assert [c["component"] for c in document["components"]] == ["platform", "registry", "agent/a", "agent/b"]
    assert document["components"][0] == {"component": "platform", "changes": [], "unchanged": ["ConfigMap/mesh/same"]}
    change = document["components"][1]["changes"][0]
    assert {key: change[key] for key in ("action", "subject", "apiVersion", "kind", "namespace", "name")} == {
        "action": "change", "subject": "Deployment/mesh/web", "apiVersion": "apps/v1", "kind": "Deployment",
        "namespace": "mesh", "name": "web"}
    assert change["fields"] == [
        {"path": "spec.replicas", "old": 3, "new": None, "newAbsent": True},
        {"path": "spec.template.spec.containers[name=app].image", "old": "x:1", "new": "x:2"}]
    assert change["diff"].startswith("--- live Deployment/mesh/web\n+++ after apply (dry-run) Deployment/mesh/web\n")
    assert document["components"][3]["changes"][0]["reason"] == "deleted by Flux prune"


def test_markdown_shape_for_a_pull_request_comment():
    markdown = render_markdown(sample())
    lines = markdown.splitlines()
    assert lines[0] == "### meshc diff `dev`: 1 to create, 1 to change, 1 deleted by Flux prune, 1 unchanged"
    assert "| Component | Create | Change | Deleted by Flux prune | Unchanged |" in lines
    assert "| registry | 0 | 1 | 0 | 0 |" in lines
    assert "- **change** `Deployment/mesh/web`" in lines
    assert '  - `spec.template.spec.containers[name=app].image`: `"x:1"` → `"x:2"`' in lines
    assert "  <details><summary>YAML diff</summary>" in lines and "  ```diff" in lines
    assert "- **deleted by Flux prune** `ConfigMap/mesh/old`" in lines


def test_values_are_json_and_long_ones_are_cut():
    assert format_value(ABSENT) == "(absent)"
    assert format_value("3") == '"3"' and format_value(3) == "3" and format_value({"b": 1, "a": 2}) == '{"a": 2, "b": 1}'
    long = format_value("x" * 500)
    assert len(long) == 160 and long.endswith("…")


def test_failures_with_the_same_cause_share_one_line():
    same = [failure_from_api(f"Deployment/mesh/a{i}", "agent/a", "dry-run", ApiFailure(403, "Forbidden", "no"))
            for i in range(3)]
    text = render_text(sample(failures=same))
    assert "  ! dry-run failed (forbidden-dry-run) for 3 objects: 403 Forbidden: no\n" \
           "      Deployment/mesh/a0, Deployment/mesh/a1, Deployment/mesh/a2\n" in text
    assert "- `dry-run failed (forbidden-dry-run) for 3 objects: 403 Forbidden: no`: `Deployment/mesh/a0`, " \
           "`Deployment/mesh/a1`, `Deployment/mesh/a2`" in render_markdown(sample(failures=same))


def test_no_blank_line_is_doubled():
    for shown in (render_text(sample()), render_markdown(sample())):
        assert "\n\n\n" not in shown and shown.endswith("\n") and not shown.endswith("\n\n")

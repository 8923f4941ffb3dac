"""changeset.py: actions, subjects, components, ordering."""

from __future__ import annotations

import pytest

from meshc.kube import format_subject
from meshc.diff.changeset import (
    HELM_RELEASE_NOTE,
    Action,
    ChangeSet,
    Mode,
    ObjectRef,
    make_entry,
)


def obj(kind="ConfigMap", name="c", namespace="mesh", component=None, instance=None, **data) -> dict:
    labels = {}
    if component:
        labels["app.kubernetes.io/component"] = component
    if instance:
        labels["app.kubernetes.io/instance"] = instance
    api_version = "helm.toolkit.fluxcd.io/v2" if kind == "HelmRelease" else "v1"
    metadata = {"name": name, "labels": labels, **({"namespace": namespace} if namespace else {})}
    return {"apiVersion": api_version, "kind": kind, "metadata": metadata, "data": data}


def entry(before, after, component="platform"):
    reference = ObjectRef.of(after if after is not None else before)
    return make_entry(reference, component, before, after)


@pytest.mark.parametrize("before, after, action", [
    (None, obj(a="1"), Action.CREATE),
    (obj(a="1"), None, Action.DELETE),
    (obj(a="1"), obj(a="1"), Action.UNCHANGED),
    (obj(a="1"), obj(a="2"), Action.CHANGE),
])
def test_the_action_follows_from_the_two_sides(before, after, action):
    result = entry(before, after)
    assert result.action is action
    assert bool(result.fields) == (action is Action.CHANGE)


def test_an_entry_needs_a_side():
    with pytest.raises(ValueError, match="ConfigMap/mesh/c: an entry needs at least one side"):
        make_entry(ObjectRef.of(obj()), "platform", None, None)


def test_subjects_name_kind_namespace_and_name():
    assert format_subject("Deployment", "mesh", "web") == "Deployment/mesh/web"
    assert format_subject("Namespace", None, "mesh") == "Namespace/mesh"


def test_identity_ignores_the_api_version():
    v1 = ObjectRef(api_version="autoscaling/v1", kind="HorizontalPodAutoscaler", namespace="mesh", name="a")
    v2 = ObjectRef(api_version="autoscaling/v2", kind="HorizontalPodAutoscaler", namespace="mesh", name="a")
    assert v1.key == v2.key and v1 != v2


def test_entries_are_grouped_platform_first_then_named_components_then_agents():
    made = [entry(None, obj(name=n, component=c, instance=i), component=g) for n, c, i, g in [
        ("z", "agent", "b", "agent/b"), ("y", "agent", "a", "agent/a"), ("r", "registry", None, "registry"),
        ("q", None, None, "platform"), ("d", "delivery", None, "delivery")]]
    changeset = ChangeSet(environment="env", mode=Mode.DRY_RUN, source="test", before_label="live", after_label="after",
                          entries=tuple(made))
    assert [component for component, _ in changeset.by_component()] == [
        "platform", "delivery", "registry", "agent/a", "agent/b"]


def test_has_changes_and_counts():
    unchanged = entry(obj(a="1"), obj(a="1"))
    changeset = ChangeSet(environment="env", mode=Mode.DRY_RUN, source="test", before_label="live", after_label="after",
                          entries=(unchanged,))
    assert not changeset.has_changes() and changeset.counts() == {
        "create": 0, "change": 0, "delete": 0, "unchanged": 1}
    changeset = ChangeSet(environment="env", mode=Mode.DRY_RUN, source="test", before_label="live", after_label="after",
                          entries=(unchanged, entry(obj(name="d"), None)))
    assert changeset.has_changes() and changeset.counts()["delete"] == 1


def test_a_helm_release_says_its_chart_render_is_not_compared():
    release = entry(obj("HelmRelease", "r", a="1"), obj("HelmRelease", "r", a="2"))
    assert release.notes == ("chart render not compared",)
    changeset = ChangeSet(environment="env", mode=Mode.DRY_RUN, source="test", before_label="live", after_label="after",
                          entries=(release,))
    assert changeset.notes == (HELM_RELEASE_NOTE,)


def test_read_only_and_live_file_are_the_less_accurate_modes():
    accurate = {mode for mode in Mode
                if ChangeSet(environment="e", mode=mode, source="s", before_label="b", after_label="a").accurate}
    assert accurate == {Mode.DRY_RUN, Mode.AGAINST_ENV, Mode.AGAINST_GIT}

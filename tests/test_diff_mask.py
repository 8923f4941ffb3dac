"""mask.py: Secret values never leave the engine, whichever way they differ or hide."""

from __future__ import annotations

import copy
import json

import pytest

from meshc.diff.changeset import Action, ObjectRef, make_entry
from meshc.diff.mask import MASK, MASK_AFTER, MASK_BEFORE, MaskedPair, mask_pair
from meshc.diff.normalize import LAST_APPLIED_ANNOTATION, strip_bookkeeping
from meshc.diff.render import render_json, render_markdown, render_text
from test_diff_support import RETIRED_TOKEN, RETIRED_TOKEN_TEXT, live_items  # noqa: F401  (fixtures)


def secret(**data) -> dict:
    return {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s", "namespace": "mesh"}, "data": data}


def test_equal_values_are_masked_alike_on_both_sides():
    pair = mask_pair(secret(a="eA=="), secret(a="eA=="))
    assert pair.before["data"] == pair.after["data"] == {"a": MASK}


def test_changed_values_say_before_and_after():
    pair = mask_pair(secret(a="eA=="), secret(a="eQ=="))
    assert (pair.before["data"], pair.after["data"]) == ({"a": MASK_BEFORE}, {"a": MASK_AFTER})


def test_values_on_one_side_only_are_masked():
    pair = mask_pair(secret(old="eA=="), secret(new="eQ=="))
    assert (pair.before["data"], pair.after["data"]) == ({"old": MASK}, {"new": MASK})
    assert mask_pair(None, secret(new="eQ==")).after["data"] == {"new": MASK}
    assert mask_pair(secret(old="eA=="), None).before["data"] == {"old": MASK}


def test_string_data_is_masked_too():
    before = {**secret(), "stringData": {"password": "hunter2"}}
    after = {**secret(), "stringData": {"password": "hunter3"}}
    pair = mask_pair(before, after)
    assert (pair.before["stringData"], pair.after["stringData"]) == ({"password": MASK_BEFORE},
                                                                     {"password": MASK_AFTER})


def test_values_that_are_not_a_map_are_masked_whole():
    assert mask_pair({**secret(), "data": "raw"}, None).before["data"] == MASK


def test_secret_values_inside_a_last_applied_annotation_are_masked(live_items):
    live = copy.deepcopy(next(o for o in live_items if o["metadata"]["name"] == "retired-agent-token"))
    pair = mask_pair(live, None)
    applied = json.loads(pair.before["metadata"]["annotations"][LAST_APPLIED_ANNOTATION])
    assert applied["data"] == {"token": MASK}
    assert RETIRED_TOKEN not in json.dumps(pair.before)


def test_an_unreadable_last_applied_annotation_of_a_secret_is_masked_whole():
    obj = secret(a="eA==")
    obj["metadata"]["annotations"] = {LAST_APPLIED_ANNOTATION: "not json"}
    assert mask_pair(obj, None).before["metadata"]["annotations"][LAST_APPLIED_ANNOTATION] == MASK


def test_other_kinds_are_left_alone():
    config = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"a": "visible"}}
    assert mask_pair(config, config).after["data"] == {"a": "visible"}


def test_inputs_are_not_changed():
    before, after = secret(a="eA=="), secret(a="eQ==")
    mask_pair(before, after)
    assert (before["data"], after["data"]) == ({"a": "eA=="}, {"a": "eQ=="})


def test_a_masked_pair_cannot_be_made_without_masking():
    with pytest.raises(TypeError, match="mask_pair"):
        MaskedPair(secret(a="eA=="), None)


def test_a_hand_built_desired_secret_against_the_live_one_shows_only_masks(live_items):
    live = copy.deepcopy(next(o for o in live_items if o["metadata"]["name"] == "retired-agent-token"))
    wanted = {"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
              "metadata": {"name": "retired-agent-token", "namespace": "mesh-demo",
                           "labels": live["metadata"]["labels"]},
              "data": {"token": "bmV3"}}
    entry = make_entry(ObjectRef.of(wanted), "agent/retired-agent", strip_bookkeeping(live), wanted)
    assert entry.action is Action.CHANGE
    assert [(c.path, c.old, c.new) for c in entry.fields] == [("data.token", MASK_BEFORE, MASK_AFTER)]
    from meshc.diff.changeset import ChangeSet, Mode

    changeset = ChangeSet(environment="diffdemo", mode=Mode.DRY_RUN, source="test", before_label="live",
                          after_label="after", entries=(entry,), field_manager="kustomize-controller")
    for shown in (render_text(changeset), render_json(changeset), render_markdown(changeset),
                  render_text(changeset, color=True)):
        assert RETIRED_TOKEN not in shown and RETIRED_TOKEN_TEXT not in shown and "bmV3" not in shown
        assert MASK_BEFORE in shown

"""Object names: stable, DNS-1123, at most 63 characters; `default` vs `helm-compatible`."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from meshc.naming import AGENT_CHART, REGISTRY_CHART, ComponentNames, component_names, helm_fullname, too_long

DNS_1123 = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
dns_labels = st.from_regex(r"\A[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\Z")


def test_default_naming_uses_the_release_name():
    assert component_names("mcp-registry", REGISTRY_CHART, "default").base == "mcp-registry"
    assert component_names("weather-agent", AGENT_CHART, "default").base == "weather-agent"


@pytest.mark.parametrize(
    ("release", "chart", "fullname"),
    [
        ("mcp-registry", REGISTRY_CHART, "mcp-registry-mcp-mesh-registry"),
        ("weather-agent", AGENT_CHART, "weather-agent-mcp-mesh-agent"),
        ("mcp-core", REGISTRY_CHART, "mcp-core-mcp-mesh-registry"),
    ],
    ids=["registry", "agent", "umbrella-release"],
)
def test_helm_compatible_naming_appends_the_chart_name(release, chart, fullname):
    assert component_names(release, chart, "helm-compatible").base == fullname


@pytest.mark.parametrize(
    ("release", "chart"),
    [("mcp-mesh-registry", REGISTRY_CHART), ("prod-mcp-mesh-registry", REGISTRY_CHART), ("my-mcp-mesh-agent-2", AGENT_CHART)],
    ids=["equal", "suffix", "infix"],
)
def test_helm_release_that_already_contains_the_chart_name_is_used_alone(release, chart):
    assert helm_fullname(release, chart) == release


def test_derived_names_use_the_charts_suffixes():
    names = component_names("mcp-registry", REGISTRY_CHART, "helm-compatible")
    assert (names.config, names.headless, names.data) == (
        "mcp-registry-mcp-mesh-registry-config",
        "mcp-registry-mcp-mesh-registry-headless",
        "mcp-registry-mcp-mesh-registry-data",
    )


def test_helm_fullname_of_exactly_63_characters_is_kept_whole():
    assert helm_fullname("r" * 45, REGISTRY_CHART) == "r" * 45 + "-mcp-mesh-registry"


def test_helm_fullname_is_cut_at_63_characters():
    assert helm_fullname("r" * 46, REGISTRY_CHART) == "r" * 46 + "-mcp-mesh-registr"


def test_trailing_dash_left_by_the_cut_is_trimmed():
    # "a" * 53 + "-mcp-mesh-" is exactly 63 characters.
    assert helm_fullname("a" * 53, AGENT_CHART) == "a" * 53 + "-mcp-mesh"


def test_too_long_lists_only_the_names_over_63_characters():
    names = ComponentNames("a" * 56)
    assert too_long(names, ("config", "headless", "data")) == ["a" * 56 + "-headless"]
    assert too_long(ComponentNames("short"), ("config", "headless", "data")) == []


@given(release=dns_labels, chart=st.sampled_from([REGISTRY_CHART, AGENT_CHART]))
def test_helm_fullname_of_any_dns_label_is_a_dns_label_of_at_most_63_characters(release, chart):
    fullname = helm_fullname(release, chart)
    assert len(fullname) <= 63
    assert DNS_1123.match(fullname)


@given(release=dns_labels, chart=st.sampled_from([REGISTRY_CHART, AGENT_CHART]))
def test_names_are_stable_for_the_same_release(release, chart):
    assert component_names(release, chart, "helm-compatible") == component_names(release, chart, "helm-compatible")

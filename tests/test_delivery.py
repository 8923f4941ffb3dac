"""Flux ordering: which layer waits for which."""

from __future__ import annotations

from meshc.delivery import layer_dependencies
from meshc.graph import consumer_edges, cycles


def test_the_full_order_is_postgresql_then_registry_then_agents():
    order = layer_dependencies({"platform", "data", "monitoring", "registry", "agents"})
    assert order == {"platform": [], "data": ["platform"], "monitoring": ["platform"], "registry": ["data"], "agents": ["registry"]}


def test_without_postgresql_the_registry_follows_the_platform():
    assert layer_dependencies({"platform", "registry", "agents"})["registry"] == ["platform"]


def test_an_empty_platform_layer_is_skipped_over():
    assert layer_dependencies({"registry", "agents"}) == {"registry": [], "agents": ["registry"]}


def test_consumers_wait_for_every_provider_but_not_for_themselves():
    edges = consumer_edges({"a": ["x"], "b": ["x", "y"]}, {"a": ["x", "y"], "b": ["y"]})
    assert edges == {"a": ["b"], "b": []}


def test_cycles_name_each_loop_in_order():
    assert cycles({"a": ["b"], "b": ["c"], "c": ["a"]}) == [["a", "b", "c", "a"]]
    assert cycles({"a": ["b"], "b": []}) == []

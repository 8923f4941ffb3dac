"""`meshc.loader`: environment files -> validated models, with `extends` deep-merged
(maps merge, lists replace) and every key remembering the file and line it came from."""

from __future__ import annotations

import pytest

from meshc.errors import InputError, NoEnvironmentsError
from meshc.loader import environment_names, load_environments

BASE = """\
# the shared base
registry:
  name: central
  image: {repository: mcpmesh/registry, tag: "3.6"}
agents:
  weather-agent:
    capabilities: [weather_forecast, weather_current]
    env: {CACHE_TTL: "300", UNITS: metric}
    autoscaling: {enabled: true, maxReplicas: 4}
  system-agent: {}
global:
  imagePullSecrets: [base-cred, other-cred]
"""
DEV = """\
extends: _base.yaml
global:
  namespace: dev
registry:
  image: {tag: "3.7"}
agents:
  weather-agent:
    capabilities: [weather_current]
    env: {UNITS: imperial}
    autoscaling: {minReplicas: 2}
  hello-agent: {}
"""


@pytest.fixture
def load(make_project):
    """load(files) -> {environment name: LoadedEnvironment} of a throw-away project."""

    def run(files: dict[str, str], names: list[str] | None = None):
        project = make_project(files)
        return {loaded.name: loaded for loaded in load_environments(project.environments, names or [])}

    return run


@pytest.fixture
def dev(load):
    """`dev`, extending `_base`."""
    return load({"_base.yaml": BASE, "dev.yaml": DEV})["dev"]


# --- which files are environments --------------------------------------------------------------


def test_environments_are_the_yaml_files_not_starting_with_an_underscore(make_project):
    project = make_project({"prod.yaml": "{}", "dev.yaml": "{}", "_base.yaml": "{}", "notes.txt": "", "dev.yml.bak": ""})
    assert environment_names(project.environments) == ["dev", "prod"]


def test_loading_by_name_reads_only_the_named_environment(load):
    loaded = load({"dev.yaml": "global: {namespace: dev}\n", "broken.yaml": "agentz: {}\n"}, ["dev"])
    assert list(loaded) == ["dev"]


# --- extends: maps merge, lists replace ----------------------------------------------------------


def test_overlay_scalar_replaces_the_base_scalar(dev):
    assert dev.model.registry.image.tag == "3.7"


def test_keys_only_the_base_sets_survive_the_merge(dev):
    assert dev.model.registry.name == "central"
    assert dev.model.registry.image.repository == "mcpmesh/registry"


def test_maps_merge_key_by_key_at_every_depth(dev):
    weather = dev.model.agents["weather-agent"]
    assert weather.env == {"CACHE_TTL": "300", "UNITS": "imperial"}
    assert (weather.autoscaling.enabled, weather.autoscaling.min_replicas, weather.autoscaling.max_replicas) == (True, 2, 4)


def test_agents_from_base_and_overlay_are_all_present(dev):
    assert sorted(dev.model.agents) == ["hello-agent", "system-agent", "weather-agent"]


def test_lists_are_replaced_whole(dev):
    assert dev.model.agents["weather-agent"].capabilities == ["weather_current"]


def test_lists_only_the_base_sets_are_kept(dev):
    assert dev.model.global_.image_pull_secrets == ["base-cred", "other-cred"]


def test_extends_chains_through_several_bases(load):
    loaded = load(
        {
            "_root.yaml": "registry: {name: root-registry}\nglobal: {namespace: root}\n",
            "_middle.yaml": "extends: _root.yaml\nglobal: {namespace: middle, createNamespace: false}\n",
            "dev.yaml": "extends: _middle.yaml\nglobal: {namespace: dev}\n",
        }
    )["dev"]
    assert (loaded.model.registry.name, loaded.model.global_.namespace, loaded.model.global_.create_namespace) == (
        "root-registry", "dev", False
    )


def test_two_environments_may_extend_the_same_base_independently(load):
    loaded = load({"_base.yaml": BASE, "dev.yaml": DEV, "prod.yaml": "extends: _base.yaml\nglobal: {namespace: prod}\n"})
    assert loaded["prod"].model.registry.image.tag == "3.6"
    assert loaded["prod"].model.agents["weather-agent"].capabilities == ["weather_forecast", "weather_current"]


def test_yaml_anchors_and_merge_keys_are_expanded(load):
    loaded = load({"dev.yaml": "agents:\n  a: &agent\n    replicas: 2\n  b:\n    <<: *agent\n    http: {port: 9000}\n"})["dev"]
    assert loaded.model.agents["b"].replicas == 2
    assert loaded.model.agents["b"].http.port == 9000


def test_own_keys_override_values_from_a_yaml_merge_key(load):
    loaded = load({"dev.yaml": "agents:\n  a: &agent\n    replicas: 2\n  b:\n    <<: *agent\n    replicas: 3\n"})["dev"]
    assert loaded.model.agents["b"].replicas == 3


# --- positions ---------------------------------------------------------------------------------


LOCATIONS = [
    (("registry", "name"), ("environments/_base.yaml", 3)),
    (("registry", "image", "repository"), ("environments/_base.yaml", 4)),
    (("registry", "image", "tag"), ("environments/dev.yaml", 5)),
    (("agents", "weather-agent", "env", "CACHE_TTL"), ("environments/_base.yaml", 8)),
    (("agents", "weather-agent", "env", "UNITS"), ("environments/dev.yaml", 9)),
    (("agents", "weather-agent", "capabilities", 0), ("environments/dev.yaml", 8)),
    (("agents", "system-agent"), ("environments/_base.yaml", 10)),
    (("agents", "hello-agent"), ("environments/dev.yaml", 11)),
    (("global", "imagePullSecrets", 1), ("environments/_base.yaml", 12)),
]


@pytest.mark.parametrize(("path", "where"), LOCATIONS, ids=[".".join(map(str, path)) for path, _ in LOCATIONS])
def test_every_key_is_located_in_the_file_and_line_that_set_it(dev, path, where):
    assert dev.source.locate(path, dev.file) == where


def test_a_key_nobody_wrote_is_located_at_its_closest_written_parent(dev):
    assert dev.source.locate(("agents", "hello-agent", "http", "port"), dev.file) == ("environments/dev.yaml", 11)


def test_files_are_named_from_the_project_root_wherever_meshc_runs(make_project, monkeypatch, tmp_path):
    project = make_project({"dev.yaml": "{}\n"})
    monkeypatch.chdir(tmp_path.parent)
    assert load_environments(project.environments, [])[0].file == "environments/dev.yaml"


# --- every problem at once ---------------------------------------------------------------------------


def test_problems_of_every_environment_are_reported_together_sorted_by_file(load):
    with pytest.raises(InputError) as error:
        load({"prod.yaml": "agentz: {}\n", "dev.yaml": "registry:\n  replicas: -1\n"})
    assert [problem.file for problem in error.value.problems] == ["environments/dev.yaml", "environments/prod.yaml"]


def test_a_duplicate_key_does_not_hide_the_other_problems_of_the_file(load):
    with pytest.raises(InputError) as error:
        load({"dev.yaml": "global:\n  namespace: a\n  namespace: b\nregistry:\n  replica: 1\n"})
    assert [(p.line, p.key_path) for p in error.value.problems] == [(3, "global.namespace"), (5, "registry.replica")]


def test_error_heading_counts_the_problems_and_says_nothing_was_written(load):
    with pytest.raises(InputError) as error:
        load({"dev.yaml": "registry:\n  replica: 1\n  enabld: true\n"})
    heading, *listed = str(error.value).splitlines()
    assert heading == "2 problems in the environment files; nothing was written:"
    assert listed == [f"  {problem}" for problem in error.value.problems]


# --- what YAML may say -------------------------------------------------------------------------------


def test_a_utf8_byte_order_mark_is_accepted(make_project):
    project = make_project({"dev.yaml": "\ufeffglobal: {namespace: dev}\n"})
    assert load_environments(project.environments, [])[0].model.global_.namespace == "dev"


def test_a_date_is_read_as_the_text_written(load):
    loaded = load({"dev.yaml": "registry:\n  image: {repository: mcpmesh/registry, tag: 2025-11-26}\n"})["dev"]
    assert loaded.model.registry.image.tag == "2025-11-26"


def test_numbers_both_yaml_versions_read_alike_are_accepted(load):
    loaded = load({"dev.yaml": "agents:\n  a: {replicas: 0x2, resources: {limits: {cpu: 1.5}}}\n"})["dev"]
    assert (loaded.model.agents["a"].replicas, loaded.model.agents["a"].resources.limits.cpu) == (2, "1.5")


def test_a_mappings_own_keys_win_over_every_merged_one(load):
    text = "agents:\n  a: &one {replicas: 1}\n  b: &two {replicas: 2}\n  c: {<<: [*one, *two], replicas: 3}\n"
    assert load({"dev.yaml": text})["dev"].model.agents["c"].replicas == 3


def test_the_earlier_of_several_merged_mappings_wins(load):
    text = "agents:\n  a: &a {replicas: 1}\n  b: &b {replicas: 2, http: {port: 9000}}\n  c: {<<: [*a, *b]}\n"
    merged = load({"dev.yaml": text})["dev"].model.agents["c"]
    assert (merged.replicas, merged.http.port) == (1, 9000)


def test_a_merged_mapping_reused_through_an_alias_is_not_a_duplicate_key(load):
    text = "agents:\n  a: &a {replicas: 1}\n  b: &b {<<: *a, replicas: 2}\n  c: *b\n"
    assert load({"dev.yaml": text})["dev"].model.agents["c"].replicas == 2


def test_a_file_of_five_hundred_agents_is_within_the_limits(load):
    agents = "".join(f"  agent-{i}:\n    capabilities: [c{i}]\n    env: {{A: '1', B: '2'}}\n" for i in range(500))
    assert len(load({"dev.yaml": f"agents:\n{agents}"})["dev"].model.agents) == 500


# --- files and folders --------------------------------------------------------------------------------


def test_a_symbolic_link_is_named_as_the_link(make_project, tmp_path):
    project = make_project({"_real.yaml": "registry: {replicas: -1}\n"})
    (project.environments / "dev.yaml").symlink_to("_real.yaml")
    with pytest.raises(InputError) as error:
        load_environments(project.environments, [])
    assert [p.file for p in error.value.problems] == ["environments/dev.yaml"]


def test_no_environments_is_an_error_not_an_empty_run(make_project):
    project = make_project({"_base.yaml": "{}\n"})
    with pytest.raises(NoEnvironmentsError):
        load_environments(project.environments, [])
    with pytest.raises(NoEnvironmentsError):
        load_environments(project.root / "missing", [])


def test_a_base_in_a_subfolder_of_environments_may_be_extended(load):
    loaded = load({"dev.yaml": "extends: bases/_common.yaml\n", "bases/_common.yaml": "registry: {name: central}\n"})
    assert loaded["dev"].model.registry.name == "central"


# --- across environments --------------------------------------------------------------------------------


def test_environments_may_share_a_namespace_when_each_says_so(load):
    shared = "global: {namespace: mesh, sharedNamespace: true}\n"
    assert sorted(load({"dev.yaml": shared, "prod.yaml": shared})) == ["dev", "prod"]


def test_a_namespace_conflict_names_both_environments_once(load):
    with pytest.raises(InputError) as error:
        load({"a.yaml": "{}\n", "b.yaml": "{}\n", "c.yaml": "{}\n"})
    assert [(p.file, p.message.split(" (")[0]) for p in error.value.problems] == [
        ("environments/b.yaml", "environments a and b both write namespace 'mcp-mesh'"),
        ("environments/c.yaml", "environments a and c both write namespace 'mcp-mesh'"),
    ]


def test_loading_one_environment_still_compares_its_namespace_with_the_others(load):
    with pytest.raises(InputError) as error:
        load({"dev.yaml": "{}\n", "prod.yaml": "{}\n"}, ["dev"])
    (problem,) = error.value.problems
    assert problem.file == "environments/dev.yaml" and "environments prod and dev both write namespace 'mcp-mesh'" in problem.message


def test_loading_one_environment_ignores_the_problems_of_the_others(load):
    assert list(load({"dev.yaml": "global: {namespace: d}\n", "prod.yaml": "registry: {replicas: -1}\n"}, ["dev"])) == ["dev"]


def test_a_problem_in_a_base_is_reported_once_naming_the_environments_it_affects(load):
    files = {"_base.yaml": "registry: {replicas: -1}\n", "dev.yaml": "extends: _base.yaml\nglobal: {namespace: d}\n",
             "prod.yaml": "extends: _base.yaml\nglobal: {namespace: p}\n"}
    with pytest.raises(InputError) as error:
        load(files)
    (problem,) = error.value.problems
    assert (problem.file, problem.message.endswith("(affects environments dev, prod)")) == ("environments/_base.yaml", True)


def test_libyaml_and_pythons_composer_read_every_file_alike(monkeypatch):
    # libyaml composes the files that are well-formed and within the limits; the result must be
    # what PyYAML's Python composer, which reports every problem, reads.
    from pathlib import Path

    from meshc import yaml_source

    root = Path(__file__).resolve().parents[1]
    files = sorted([*root.glob("environments/*.yaml"), *root.glob("tests/**/*.yaml")])
    assert len(files) > 10

    def read(path: Path) -> object:
        problems: list = []
        try:
            return yaml_source.parse_mapping(path.read_text(encoding="utf-8"), path.name, problems), problems
        except (InputError, UnicodeDecodeError) as error:
            return type(error).__name__, str(error)

    with_libyaml = [read(path) for path in files]
    monkeypatch.setattr(yaml_source, "_LibyamlLoader", None)
    assert with_libyaml == [read(path) for path in files]

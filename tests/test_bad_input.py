"""Bad input, through the real command line: every case ends in one clear message on
stderr naming the file, the line (where the YAML gives one) and the key path, exit
code 2, no traceback, within a few seconds, each problem once, no raw control
character and no secret value in the output, and a dist/ left exactly as it was.

Each case runs once (`outcome`), in a throw-away project holding a valid `alpha`
environment next to the broken file(s) and a dist/ pre-populated by a real synth of
`alpha` and `beta`: a run that wrote anything would have removed `beta`. The cases
below are the basics; tests/bad_input_cases.py holds the hostile ones, by class.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field

import bad_input_cases
import pytest
from meshc.errors import InputError
from bad_input_cases import Case, dev

LONG_NAME = "a" * 45  # + "-mcp-mesh-agent-config" is 67 characters
SECONDS = 5  # a bad input is answered within this, however hostile

BASIC_CASES = [
    Case(
        "malformed-yaml",
        dev("registry:\n  name: x\n  - item\n"),
        [("environments/dev.yaml:3", "malformed YAML: expected <block end>, but found '-'")],
    ),
    Case(
        "tab-indentation",
        dev("registry:\n\tname: x\n"),
        [("environments/dev.yaml:2", "malformed YAML: found character '\\t' that cannot start any token")],
    ),
    Case(
        "unclosed-quote-points-at-the-quote",
        dev('global:\n  namespace: "mesh\nagents: {}\n'),
        [("environments/dev.yaml:2", "malformed YAML")],
    ),
    Case(
        "unknown-top-level-key",
        dev("agentz:\n  a: {}\n"),
        [("environments/dev.yaml:1 agentz:", "unknown key; did you mean 'agents'?")],
    ),
    Case(
        "unknown-nested-key",
        dev("registry:\n  replica: 1\n"),
        [("environments/dev.yaml:2 registry.replica:", "unknown key; did you mean 'replicas'?")],
    ),
    Case(
        "unknown-key-under-a-database-type",
        dev("registry:\n  database:\n    type: postgres\n    urlSecrt: {secret: db, key: url}\n"),
        [("environments/dev.yaml:4 registry.database.urlSecrt:", "did you mean 'urlSecret'?")],
    ),
    Case(
        "string-for-a-number",
        dev('registry:\n  replicas: "1"\n'),
        [("environments/dev.yaml:2 registry.replicas:", "expected a whole number, got a string '1'")],
    ),
    Case(
        "number-for-a-string-tag",
        dev("registry:\n  image: {repository: mcpmesh/registry, tag: 3.6}\n"),
        [("environments/dev.yaml:2 registry.image.tag:", "expected a string, got a number 3.6; quote it")],
    ),
    Case(
        "negative-replicas",
        dev("agents:\n  a:\n    replicas: -1\n"),
        [("environments/dev.yaml:3 agents.a.replicas:", "must be at least 0 (got -1)")],
    ),
    Case(
        "upper-case-agent-name",
        dev("agents:\n  WeatherAgent: {}\n"),
        [("environments/dev.yaml:2 agents.WeatherAgent:", "must be a DNS-1123 label")],
    ),
    Case(
        "underscore-in-agent-name",
        dev("agents:\n  weather_agent: {}\n"),
        [("environments/dev.yaml:2 agents.weather_agent:", "must be a DNS-1123 label")],
    ),
    Case(
        "invalid-namespace",
        dev("global:\n  namespace: Mesh\n"),
        [("environments/dev.yaml:2 global.namespace:", "must be a DNS-1123 label")],
    ),
    Case(
        "sqlite-with-two-replicas",
        dev("registry:\n  database: {type: sqlite}\n  replicas: 2\n"),
        [("environments/dev.yaml:3 registry.replicas:", "sqlite allows only one registry replica, got 2")],
    ),
    Case(
        "sqlite-with-autoscaling",
        dev("registry:\n  autoscaling: {enabled: true}\n"),
        [("environments/dev.yaml:2 registry.autoscaling:", "sqlite cannot autoscale the registry")],
    ),
    Case(
        "missing-environment",
        dev("global: {namespace: dev}\n"),
        [("environment 'nope' not found", "there is no environments/nope.yaml (available: alpha, dev)")],
        args=("synth", "--env", "nope"),
    ),
    Case("empty-file", dev(""), [("environments/dev.yaml the file is empty", "needs at least a mapping")]),
    Case("comments-only", dev("# nothing yet\n"), [("environments/dev.yaml the file is empty", "")]),
    Case(
        "scalar-at-top-level",
        dev("# c\nregistry\n"),
        [("environments/dev.yaml:2 the top level must be a mapping", "")],
    ),
    Case(
        "list-at-top-level",
        dev("- registry\n- agents\n"),
        [("environments/dev.yaml:1 the top level must be a mapping", "")],
    ),
    Case(
        "duplicate-agent",
        dev("agents:\n  a: {}\n  b: {}\n  a: {replicas: 2}\n"),
        [("environments/dev.yaml:4 agents.a:", "duplicate key; 'a' is already set on line 2")],
    ),
    Case(
        "duplicate-key-elsewhere",
        dev("global:\n  namespace: one\n  namespace: two\n"),
        [("environments/dev.yaml:3 global.namespace:", "duplicate key; 'namespace' is already set on line 2")],
    ),
    Case(
        "bad-quantity",
        dev("agents:\n  a:\n    resources:\n      limits: {memory: 1GB}\n"),
        [("environments/dev.yaml:4 agents.a.resources.limits.memory:", "'1GB' is not a Kubernetes quantity")],
    ),
    Case(
        "bad-quota-resource-name",
        dev("resourceQuota:\n  enabled: true\n  hard:\n    request.cpu: '2'\n"),
        [("environments/dev.yaml:3 resourceQuota.hard:", "'request.cpu' is not a ResourceQuota resource name; did you mean 'requests.cpu'?")],
    ),
    Case(
        "unknown-database-type",
        dev("registry:\n  database:\n    type: mysql\n"),
        [("environments/dev.yaml:2 registry.database:", "expected one of 'sqlite', 'postgres'")],
    ),
    Case(
        "unknown-database-type-names-the-type",
        dev("registry:\n  database:\n    type: mysql\n"),
        [("environments/dev.yaml:2 registry.database:", "unknown type 'mysql'")],
    ),
    Case(
        "database-without-a-type-lists-the-types",
        dev("registry:\n  database: {}\n"),
        [("environments/dev.yaml:2 registry.database:", "needs a 'type' key, one of 'postgres', 'sqlite'")],
    ),
    Case(
        "recursive-yaml-alias",
        dev("x: &a [*a]\n"),
        [("environments/dev.yaml", "an alias refers to itself")],
    ),
    Case(
        "replicas-sharing-a-read-write-once-claim",
        dev("agents:\n  a-agent:\n    replicas: 3\n    persistence: {enabled: true}\n"),
        [("environments/dev.yaml:4 agents.a-agent.persistence.accessMode:", "up to 3 pods cannot share one ReadWriteOnce claim")],
    ),
    Case(
        "disruption-budget-that-blocks-every-drain",
        dev("agents:\n  a-agent:\n    disruptionBudget: {enabled: true}\n"),
        [("environments/dev.yaml:3 agents.a-agent.disruptionBudget.minAvailable:", "blocks every node drain")],
    ),
    Case(
        "credentials-in-the-git-url",
        dev("gitops: {url: 'https://bot:s3cret@github.com/org/repo'}\n"),
        [("environments/dev.yaml:1 gitops.url:", "holds credentials")],
    ),
    Case(
        "postgres-without-url-secret",
        dev("registry:\n  database: {type: postgres}\n"),
        [("environments/dev.yaml:2 registry.database.host:", "postgresql.enabled")],
    ),
    Case(
        "missing-required-key",
        dev("registry:\n  image: {tag: '3.6'}\n"),
        [("environments/dev.yaml:2 registry.image.repository:", "required key is missing")],
    ),
    Case(
        "extends-cycle",
        {"dev.yaml": "extends: _a.yaml\n", "_a.yaml": "extends: _b.yaml\n", "_b.yaml": "# loops\nextends: _a.yaml\n"},
        [("environments/", "extends itself in a cycle: environments/dev.yaml -> environments/_a.yaml -> environments/_b.yaml -> environments/_a.yaml")],
    ),
    Case(
        "extends-cycle-points-at-the-extends-line",
        {"dev.yaml": "extends: _a.yaml\n", "_a.yaml": "extends: _b.yaml\n", "_b.yaml": "# loops\nextends: _a.yaml\n"},
        [("environments/_b.yaml:2 extends:", "cycle")],
    ),
    Case(
        "extends-missing-file-points-at-the-extends-line",
        dev("# c\nextends: _nope.yaml\n"),
        [("environments/dev.yaml:2 extends:", "environments/_nope.yaml")],
    ),
    Case(
        "extends-not-a-file-name",
        dev("extends: 3\n"),
        [("environments/dev.yaml:1 extends:", "must be a file name")],
    ),
    Case(
        "ingress-without-host",
        dev("agents:\n  a:\n    ingress: {enabled: true}\n"),
        [("environments/dev.yaml:3 agents.a.ingress.host:", "an enabled ingress needs a host")],
    ),
    Case(
        "capability-listed-twice",
        dev("agents:\n  a:\n    capabilities: [greeting, translation, greeting]\n"),
        [("environments/dev.yaml:3 agents.a.capabilities:", "lists greeting more than once")],
    ),
    Case(
        "env-var-in-env-and-secret-env",
        dev("agents:\n  a:\n    env: {API_KEY: x}\n    secretEnv:\n      API_KEY: {secret: s, key: k}\n"),
        [("environments/dev.yaml:4 agents.a.secretEnv:", "API_KEY is set in both env and secretEnv")],
    ),
    Case(
        "derived-name-too-long",
        dev(f"naming: helm-compatible\nagents:\n  {LONG_NAME}: {{}}\n"),
        [(f"environments/dev.yaml:3 agents.{LONG_NAME}:", "is 67 characters, over the Kubernetes limit of 63")],
    ),
    Case(
        "agents-without-registry",
        dev("registry:\n  enabled: false\nagents:\n  a: {}\n"),
        [("environments/dev.yaml:1 registry:", "agents are enabled but the registry is disabled")],
    ),
    Case(
        "port-zero",
        dev("agents:\n  a:\n    http: {port: 0}\n"),
        [("environments/dev.yaml:3 agents.a.http.port:", "must be at least 1 (got 0)")],
    ),
    Case(
        "port-70000",
        dev("registry:\n  service: {port: 70000}\n"),
        [("environments/dev.yaml:2 registry.service.port:", "must be at most 65535 (got 70000)")],
    ),
    Case(
        "pull-policy-not-a-choice",
        dev("registry:\n  image: {repository: mcpmesh/registry, tag: '3.6', pullPolicy: always}\n"),
        [("environments/dev.yaml:2 registry.image.pullPolicy:", "'Always', 'IfNotPresent' or 'Never' (got 'always')")],
    ),
    Case(
        "naming-mode-not-a-choice",
        dev("naming: helm\n"),
        [("environments/dev.yaml:1 naming:", "'default' or 'helm-compatible' (got 'helm')")],
    ),
    Case(
        "quoted-yes-for-a-boolean",
        dev('registry:\n  enabled: "yes"\n'),
        [("environments/dev.yaml:2 registry.enabled:", "expected true or false, got a string 'yes'")],
    ),
    Case(
        "unquoted-on-as-an-env-value",
        dev("agents:\n  a:\n    env:\n      DEBUG: on\n"),
        [("environments/dev.yaml:4 agents.a.env.DEBUG:", 'YAML 1.1 tools read on as true, YAML 1.2 tools do not; write true or false, or quote it ("on")')],
    ),
    Case(
        "agent-set-to-null",
        dev("agents:\n  a:\n"),
        [("environments/dev.yaml:2 agents.a:", "expected a mapping, got nothing (null)")],
    ),
    Case(
        "agents-as-a-list",
        dev("agents: [hello, weather]\n"),
        [("environments/dev.yaml:1 agents:", "expected a mapping, got a list")],
    ),
    Case(
        "postgresql-without-auth",
        dev("postgresql:\n  enabled: true\n"),
        [("environments/dev.yaml:1 postgresql.auth:", "meshc never generates passwords")],
    ),
    Case(
        "grafana-without-admin-secret",
        dev("monitoring:\n  grafana:\n    enabled: true\n"),
        [("environments/dev.yaml:2 monitoring.grafana.adminSecret:", "Grafana needs adminSecret")],
    ),
    Case(
        "problem-in-the-base-file",
        {
            "dev.yaml": "extends: _base.yaml\nregistry:\n  name: central\n",
            "_base.yaml": "# shared\nregistry:\n  replicas: many\n",
        },
        [("environments/_base.yaml:3 registry.replicas:", "expected a whole number, got a string 'many'")],
        args=("synth", "--env", "dev"),
    ),
    Case(
        "problem-in-a-base-file-in-a-subfolder",
        {"dev.yaml": "extends: bases/_common.yaml\n", "bases/_common.yaml": "# shared\nregistry:\n  replicas: -1\n"},
        [("environments/bases/_common.yaml:3 registry.replicas:", "(got -1)")],
    ),
    Case(
        "duplicate-key-in-the-base-file",
        {"dev.yaml": "extends: _base.yaml\n", "_base.yaml": "agents:\n  a: {}\n  a: {}\n"},
        [("environments/_base.yaml:3 agents.a:", "duplicate key; 'a' is already set on line 2")],
        args=(),
    ),
    Case(
        "several-problems-at-once",
        dev("registry:\n  replica: 1\nagents:\n  a:\n    replicas: -2\n    http: {port: 0}\n"),
        [
            ("3 problems in the environment files; nothing was written:", ""),
            ("environments/dev.yaml:2 registry.replica:", "did you mean 'replicas'?"),
            ("environments/dev.yaml:5 agents.a.replicas:", "(got -2)"),
            ("environments/dev.yaml:6 agents.a.http.port:", "(got 0)"),
        ],
    ),
    Case(
        "problems-in-several-environments-at-once",
        {"dev.yaml": "registry:\n  replicas: -1\n", "prod.yaml": "agentz: {}\n"},
        [
            ("environments/dev.yaml:2 registry.replicas:", "(got -1)"),
            ("environments/prod.yaml:1 agentz:", "did you mean 'agents'?"),
        ],
        args=(),
    ),
]
CASES = [*BASIC_CASES, *bad_input_cases.CASES]


@dataclass(frozen=True)
class Outcome:
    case: Case
    exit_code: int
    stdout: str
    stderr: str
    exception: BaseException | None
    seconds: float
    dist_before: dict[str, bytes] = field(repr=False)
    dist_after: dict[str, bytes] = field(repr=False)


@pytest.fixture(scope="module", params=CASES, ids=[case.id for case in CASES])
def outcome(request, tmp_path_factory, valid_dist, minimal_environment, read_tree, cli_runner) -> Outcome:
    """Run the case's command once against its own project."""
    import main
    from meshc.synth import Project

    case: Case = request.param
    project = Project(tmp_path_factory.mktemp(case.id))
    files = {"alpha.yaml": minimal_environment("alpha"), **case.files} if case.alpha else case.files
    for name, content in files.items():
        (project.environments / name).parent.mkdir(parents=True, exist_ok=True)
        (project.environments / name).write_bytes(content.encode() if isinstance(content, str) else content)
    for name, target in case.links.items():
        os.symlink(target, project.environments / name)
    for path, content in valid_dist.items():
        (project.dist / path).parent.mkdir(parents=True, exist_ok=True)
        (project.dist / path).write_bytes(content)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(main, "PROJECT", project)
        started = time.monotonic()
        result = cli_runner.invoke(main.cli, list(case.args))
        seconds = time.monotonic() - started
    return Outcome(case, result.exit_code, result.stdout, result.stderr, result.exception, seconds,
                   valid_dist, read_tree(project.dist))


def test_cases_are_distinct_and_enough():
    assert len({case.id for case in CASES}) == len(CASES)
    assert len({tuple(sorted(case.files.items())) + case.args for case in CASES}) >= 25


def test_exit_code_is_2(outcome):
    assert outcome.exit_code == 2, outcome.stderr


def test_message_names_the_file_line_and_key_path(outcome):
    reported = [line.strip().removeprefix("error: ") for line in outcome.stderr.splitlines()]
    for where, says in outcome.case.expect:
        assert any(line.startswith(where) and says in line for line in reported), (where, says, outcome.stderr)


def test_message_is_one_error_on_stderr(outcome):
    assert outcome.stderr.startswith("error: ")
    assert outcome.stdout == ""


def test_dist_is_left_exactly_as_it_was(outcome):
    assert outcome.dist_after == outcome.dist_before


def test_answered_within_a_few_seconds(outcome):
    assert outcome.seconds < SECONDS


def test_each_problem_is_reported_once(outcome):
    reported = outcome.stderr.splitlines()
    assert len(reported) == len(set(reported)), outcome.stderr


def test_no_raw_control_character_reaches_the_terminal(outcome):
    assert all(c.isprintable() or c == "\n" for c in outcome.stdout + outcome.stderr), repr(outcome.stderr)


def test_no_secret_value_is_printed(outcome):
    if outcome.case.secret is not None:
        assert outcome.case.secret not in outcome.stdout + outcome.stderr


def test_no_traceback_reaches_the_user(outcome):
    assert "Traceback" not in outcome.stderr
    assert isinstance(outcome.exception, SystemExit), repr(outcome.exception)


def test_a_port_written_into_a_database_host_is_pointed_to_its_own_key(tmp_path):
    from meshc.loader import load_environment

    path = tmp_path / "environments" / "dev.yaml"
    path.parent.mkdir()
    path.write_text("registry:\n  database: {type: postgres, host: 'db.example.com:5432', database: m, username: m,"
                    " passwordSecret: {secret: s, key: p}}\n")
    with pytest.raises(InputError) as refused:
        load_environment(path, tmp_path)
    (problem,) = refused.value.problems
    assert problem.key_path == "registry.database.host"
    assert "must be a DNS name" in problem.message and "give the port in registry.database.port" in problem.message

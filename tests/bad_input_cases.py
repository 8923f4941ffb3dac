"""Bad input as a new user writes it, by class, for tests/test_bad_input.py.

Each `Case` is a throw-away project: `files` (text or raw bytes) and symbolic `links` under
environments/, next to a valid `alpha` environment unless `alpha` is False. `expect` lists
(where, says): some reported line starts with `where` and contains `says`. `secret`, when
set, must appear nowhere in the output.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from meshc.yaml_source import MAX_FILE_BYTES


@dataclass(frozen=True)
class Case:
    id: str
    files: dict[str, str | bytes]
    expect: list[tuple[str, str]]
    args: tuple[str, ...] = ("synth",)
    links: dict[str, str] = field(default_factory=dict)
    alpha: bool = True
    secret: str | None = None


def dev(text: str | bytes) -> dict[str, str | bytes]:
    return {"dev.yaml": text}


def nested_aliases(levels: int, width: int) -> str:
    """The billion laughs: each level a list of `width` aliases of the level below."""
    lines = ["l0: &l0 [x, x, x, x, x, x, x, x, x]"]
    lines += [f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * width)}]" for i in range(1, levels)]
    return "\n".join(lines) + "\n"


ENCODINGS = [
    Case("utf-16-with-a-byte-order-mark", dev("global: {namespace: d}\n".encode("utf-16")),
         [("environments/dev.yaml", "is UTF-16 or UTF-32 text; save it as UTF-8")]),
    Case("utf-16-without-a-byte-order-mark", dev("global: {namespace: d}\n".encode("utf-16-le")),
         [("environments/dev.yaml", "looks like UTF-16 text")]),
    Case("latin-1-byte-in-a-comment", dev(b"global: {namespace: d}\n# caf\xe9\n"),
         [("environments/dev.yaml:2", "is not UTF-8 text: byte 0xE9 cannot be decoded")]),
    Case("latin-1-byte-after-a-utf-8-byte-order-mark", dev(b"\xef\xbb\xbfglobal: {namespace: d}\n# caf\xe9\n"),
         [("environments/dev.yaml:2", "byte 0xE9 cannot be decoded")]),
    Case("latin-1-byte-in-the-base-file",
         {"dev.yaml": "extends: _base.yaml\n", "_base.yaml": b"# shared\nregistry: {name: caf\xe9}\n"},
         [("environments/_base.yaml:2", "is not UTF-8 text: byte 0xE9")]),
]

CONTROL_CHARACTERS = [
    Case("nul-byte", dev(b"global:\n  namespace: d\x00\n"),
         [("environments/dev.yaml:2", "holds the control character U+0000")]),
    Case("terminal-escape-byte", dev(b"# \x1b[2J\x1b[31mred\nglobal: {namespace: d}\n"),
         [("environments/dev.yaml:1", "holds the control character U+001B")]),
    Case("terminal-escape-in-an-environment-name-on-the-command-line", dev("global: {namespace: d}\n"),
         [("environment 'de\\x1b[2Jv' not found", "there is no environments/de\\x1b[2Jv.yaml")], args=("synth", "--env", "de\x1b[2Jv")),
    Case("escaped-control-character-in-a-value", dev('agents:\n  a:\n    env: {GREETING: "hi\\e[31m"}\n'),
         [("environments/dev.yaml:3 agents.a.env.GREETING:", "holds a control character")]),
    Case("escaped-control-character-in-a-key-is-shown-escaped", dev('agents:\n  "a\\e[2J": {}\n'),
         [("environments/dev.yaml:2 agents.a\\x1b[2J:", "the key holds a control character")]),
]

SIZE_AND_NESTING = [
    Case("flow-lists-nested-thousands-deep", dev("x: " + "[" * 5000 + "]" * 5000 + "\n"),
         [("environments/dev.yaml:1", "nested more than 64 levels deep")]),
    Case("block-mappings-nested-hundreds-deep", dev("".join(f"{'  ' * i}k{i}:\n" for i in range(400))),
         [("environments/dev.yaml:", "nested more than 64 levels deep")]),
    Case("alias-bomb", dev(nested_aliases(levels=10, width=9)),
         [("environments/dev.yaml", "holds more than 50000 values once its aliases are expanded")]),
    Case("alias-bomb-through-merge-keys",
         dev("m0: &m0 {a: 1, b: 2, c: 3}\n" + "".join(
             f"m{i}: &m{i} {{<<: [{', '.join([f'*m{i - 1}'] * 9)}]}}\n" for i in range(1, 10))),
         [("environments/dev.yaml", "holds more than 50000 values once its aliases are expanded")]),
    Case("alias-bomb-of-long-strings",
         dev("s: &s '" + "x" * 100_000 + "'\nagents:\n  a:\n    command: [" + ", ".join(["*s"] * 50) + "]\n"),
         [("environments/dev.yaml", "holds more than 4194304 characters once its aliases are expanded")]),
    Case("aliases-chained-deeper-than-the-limit",
         dev("a0: &a0 [x]\n" + "".join(f"a{i}: &a{i} [*a{i - 1}]\n" for i in range(1, 70))),
         [("environments/dev.yaml", "nests values more than 64 levels deep once its aliases are expanded")]),
    Case("a-million-tiny-values", dev("x: [" + "1," * (MAX_FILE_BYTES // 2 - 8) + "1]\n"),
         [("environments/dev.yaml:1", "holds more than 50000 values, the limit for an environment file")]),
    Case("file-over-the-size-limit", dev("# " + "x" * MAX_FILE_BYTES + "\nglobal: {namespace: d}\n"),
         [("environments/dev.yaml", "is larger than 1024 KiB")]),
]

TAGS_AND_KEYS = [
    Case("unknown-local-tag-on-a-value", dev("registry:\n  name: !foo central\n"),
         [("environments/dev.yaml:2 registry.name:", "unknown tag '!foo'")]),
    Case("unknown-local-tag-on-a-mapping", dev("registry: !foo {name: central}\n"),
         [("environments/dev.yaml:1 registry:", "unknown tag '!foo'")]),
    Case("unknown-tag-on-the-whole-file", dev("--- !foo\nregistry: {name: central}\n"),
         [("environments/dev.yaml:1", "unknown tag '!foo'")]),
    Case("two-documents-in-one-file", dev("registry: {name: a}\n---\nregistry: {name: b}\n"),
         [("environments/dev.yaml:2", "malformed YAML: expected a single document in the stream, but found another document")]),
    Case("python-object-tag", dev("registry: !!python/object/apply:os.system [true]\n"),
         [("environments/dev.yaml:1 registry:", "unknown tag 'tag:yaml.org,2002:python/object/apply:os.system'")]),
    Case("merge-key-with-a-scalar", dev("registry:\n  <<: 5\n"),
         [("environments/dev.yaml:2 registry.<<:", "a merge key (<<) takes a mapping or a list of mappings")]),
    Case("merge-key-with-a-list-of-scalars", dev("registry:\n  <<: [a, b]\n"),
         [("environments/dev.yaml:2 registry.<<:", "got a list")]),
    Case("octal-looking-agent-name-is-reported-as-written", dev("agents:\n  0755: {}\n"),
         [("environments/dev.yaml:2 agents.0755:", 'the key 0755 is not a string in YAML; quote it ("0755")')]),
    Case("leading-zero-agent-name-is-reported-as-written", dev("agents:\n  010: {}\n"),
         [("environments/dev.yaml:2 agents.010:", 'quote it ("010")')]),
    Case("boolean-looking-key", dev("agents:\n  yes: {}\n"),
         [("environments/dev.yaml:2 agents.yes:", "is not a string in YAML")]),
    Case("list-as-a-key", dev("agents:\n  ? [a, b]\n  : {}\n"),
         [("environments/dev.yaml:2 agents:", "a key must be a name, not a list")]),
]

YAML_1_1_SCALARS = [
    Case("octal-looking-replicas", dev("agents:\n  a: {replicas: 010}\n"),
         [("environments/dev.yaml:2 agents.a.replicas:", "YAML 1.1 tools read 010 as 8, YAML 1.2 tools do not")]),
    Case("octal-looking-quantity", dev("agents:\n  a:\n    resources: {limits: {cpu: 0123}}\n"),
         [("environments/dev.yaml:3 agents.a.resources.limits.cpu:", "YAML 1.1 tools read 0123 as 83")]),
    Case("quoted-quantity-with-a-leading-zero", dev("agents:\n  a:\n    resources: {limits: {memory: '0512Mi'}}\n"),
         [("environments/dev.yaml:3 agents.a.resources.limits.memory:", "'0512Mi' starts with a zero")]),
    Case("yes-for-a-boolean", dev("registry:\n  enabled: yes\n"),
         [("environments/dev.yaml:2 registry.enabled:", "YAML 1.1 tools read yes as true, YAML 1.2 tools do not; write true or false")]),
    Case("sexagesimal-number", dev("agents:\n  a: {replicas: 1:30}\n"),
         [("environments/dev.yaml:2 agents.a.replicas:", "YAML 1.1 tools read 1:30 as 90")]),
    Case("number-with-underscores", dev("agents:\n  a: {replicas: 1_000}\n"),
         [("environments/dev.yaml:2 agents.a.replicas:", "YAML 1.1 tools read 1_000 as 1000")]),
]

FILES = [
    Case("symlink-loop", {}, [("environments/dev.yaml", "is a symbolic link that loops back on itself")],
         links={"dev.yaml": "dev.yaml"}),
    Case("dangling-symlink-names-the-link-not-its-target", {},
         [("environments/dev.yaml", "is a symbolic link to a file that does not exist")],
         links={"dev.yaml": "../elsewhere/target.yaml"}),
    Case("folder-where-an-environment-file-belongs", {"dev.yaml/notes.txt": "x\n"},
         [("environments/dev.yaml", "is a folder, not a file")]),
    Case("extends-outside-the-environments-folder",
         {"dev.yaml": "# c\nextends: ../outside.yaml\n", "../outside.yaml": "global: {namespace: o}\n"},
         [("environments/dev.yaml:2 extends:", "must name a file inside environments/, got '../outside.yaml'")]),
    Case("extends-an-absolute-path", dev("extends: /etc/hostname\n"),
         [("environments/dev.yaml:1 extends:", "must name a file inside environments/")]),
    Case("extends-outside-from-a-base-names-the-base",
         {"dev.yaml": "extends: bases/_common.yaml\n", "bases/_common.yaml": "# c\nextends: ../../x.yaml\n"},
         [("environments/bases/_common.yaml:2 extends:", "must name a file inside environments/")]),
    Case("extends-chain-hundreds-of-files-long",
         {"dev.yaml": "extends: _0.yaml\n", **{f"_{i}.yaml": f"extends: _{i + 1}.yaml\n" for i in range(400)}, "_400.yaml": "{}\n"},
         [("environments/_15.yaml:1 extends:", "extends a chain of more than 16 files")]),
    Case("environment-name-that-is-not-a-label", {"Dev_1.yaml": "global: {namespace: d}\n"},
         [("environments/Dev_1.yaml", "the environment name 'Dev_1' (from the file name) must be a DNS-1123 label")]),
]

NO_ENVIRONMENTS = [
    Case("no-environments-folder", {}, [("no environments found", "nothing was written")], alpha=False, args=()),
    Case("environments-folder-with-only-a-base", {"_base.yaml": "registry: {name: central}\n"},
         [("no environments found", "environments/ holds no environment file")], alpha=False),
]

KUBERNETES_WOULD_REFUSE = [
    Case("image-repository-with-a-space", dev("agents:\n  a:\n    image: {repository: my agent, tag: '1'}\n"),
         [("environments/dev.yaml:3 agents.a.image.repository:", "'my agent' is not a valid image repository")]),
    Case("upper-case-image-repository", dev("agents:\n  a:\n    image: {repository: Acme/Weather, tag: '1'}\n"),
         [("environments/dev.yaml:3 agents.a.image.repository:", "(image names are lower case)")]),
    Case("malformed-digest", dev("agents:\n  a:\n    image: {repository: acme/a, tag: '1.0@sha256:abc'}\n"),
         [("environments/dev.yaml:3 agents.a.image.tag:", "'1.0@sha256:abc' has a malformed digest")]),
    Case("registry-with-a-scheme", dev("global: {namespace: d, imageRegistry: 'https://ghcr.io'}\n"),
         [("environments/dev.yaml:1 global.imageRegistry:", "write the host without a scheme, such as 'ghcr.io'")]),
    Case("image-registry-with-a-scheme",
         dev("registry:\n  image: {repository: mcpmesh/registry, tag: '3.6', registry: 'https://ghcr.io'}\n"),
         [("environments/dev.yaml:2 registry.image.registry:", "'https://ghcr.io' is not a registry")]),
    Case("cidr-prefix-33", dev("networkPolicies:\n  allowedEgress:\n    - {cidr: 10.0.0.0/33}\n"),
         [("environments/dev.yaml:3 networkPolicies.allowedEgress[0].cidr:", "'10.0.0.0/33' is not a CIDR")]),
    Case("cidr-that-is-a-word", dev("networkPolicies:\n  allowedEgress:\n    - {cidr: internet}\n"),
         [("environments/dev.yaml:3 networkPolicies.allowedEgress[0].cidr:", "'internet' is not a CIDR")]),
    Case("cidr-with-host-bits", dev("networkPolicies:\n  allowedEgress:\n    - {cidr: 10.1.2.3/8}\n"),
         [("environments/dev.yaml:3 networkPolicies.allowedEgress[0].cidr:", "did you mean '10.0.0.0/8'?")]),
    Case("api-server-range-that-is-not-a-cidr", dev("networkPolicies:\n  apiServer: {cidr: 999.1.1.1/99}\n"),
         [("environments/dev.yaml:2 networkPolicies.apiServer.cidr:", "'999.1.1.1/99' is not a CIDR")]),
    Case("except-outside-the-cidr",
         dev("networkPolicies:\n  allowedEgress:\n    - {cidr: 10.0.0.0/8, except: [192.168.0.0/16]}\n"),
         [("environments/dev.yaml:3 networkPolicies.allowedEgress[0].except:", "'192.168.0.0/16' is not inside cidr '10.0.0.0/8'")]),
    Case("replicas-beyond-int32", dev("agents:\n  a: {replicas: 1000000000000000000000000000000}\n"),
         [("environments/dev.yaml:2 agents.a.replicas:", "1000000000000000000000000000000 is more than Kubernetes stores here")]),
    Case("max-replicas-beyond-int32", dev("agents:\n  a:\n    autoscaling: {enabled: true, maxReplicas: 2147483648}\n"),
         [("environments/dev.yaml:3 agents.a.autoscaling.maxReplicas:", "a 32-bit integer, at most 2147483647")]),
    Case("gitops-path-leaving-the-repository", dev("gitops: {url: 'https://example.org/repo', path: ./dist/../../etc}\n"),
         [("environments/dev.yaml:1 gitops.path:", "'./dist/../../etc' leaves the repository")]),
    Case("gitops-path-that-is-absolute", dev("gitops: {url: 'https://example.org/repo', path: /etc}\n"),
         [("environments/dev.yaml:1 gitops.path:", "must match ^\\./ (got '/etc')")]),
    Case("two-environments-one-namespace", dev("# c\nglobal: {namespace: mesh-alpha}\n"),
         [("environments/dev.yaml:2 global.namespace:", "environments alpha and dev both write namespace 'mesh-alpha' (environments/alpha.yaml:2)")]),
    Case("two-environments-one-namespace-with-only-one-asked-for", dev("# c\nglobal: {namespace: mesh-alpha}\n"),
         [("environments/dev.yaml:2 global.namespace:", "environments alpha and dev both write namespace 'mesh-alpha' (environments/alpha.yaml:2)")],
         args=("synth", "--env", "dev")),
    Case("shared-namespace-needs-both-to-say-so", dev("global: {namespace: mesh-alpha, sharedNamespace: true}\n"),
         [("environments/dev.yaml:1 global.namespace:", "set global.sharedNamespace: true in both")]),
    Case("problem-in-a-base-says-which-environments-it-affects",
         {"dev.yaml": "extends: _base.yaml\nglobal: {namespace: d}\n", "prod.yaml": "extends: _base.yaml\nglobal: {namespace: p}\n",
          "_base.yaml": "agents:\n  a: {replicas: many}\n"},
         [("environments/_base.yaml:2 agents.a.replicas:", "got a string 'many' (affects environments dev, prod)")], args=()),
]

SECRETS = [
    Case("literal-where-a-secret-reference-belongs", dev("agents:\n  a:\n    secretEnv: {API_KEY: hunter2-literal}\n"),
         [("environments/dev.yaml:3 agents.a.secretEnv.API_KEY:", "expected a Secret reference {secret: <name>, key: <key>}")],
         secret="hunter2-literal"),
    Case("literal-where-a-secret-reference-belongs-in-validate-json",
         dev("agents:\n  a:\n    secretEnv: {API_KEY: hunter2-literal}\n"),
         [("environments/dev.yaml:3 agents.a.secretEnv.API_KEY:", "value not shown")],
         args=("validate", "--output", "json"), secret="hunter2-literal"),
    Case("database-url-where-its-secret-belongs",
         dev("registry:\n  database: {type: postgres, urlSecret: 'postgres://mesh:pa55word@db/mesh'}\n"),
         [("environments/dev.yaml:2 registry.database.urlSecret:", "expected a Secret reference")], secret="pa55word"),
    Case("number-under-a-secret-looking-name", dev("agents:\n  a:\n    env: {API_TOKEN: 99887766}\n"),
         [("environments/dev.yaml:3 agents.a.env.API_TOKEN:", "expected a string, got a number (value not shown")],
         secret="99887766"),
    Case("yaml-1-1-number-under-a-secret-looking-name", dev("agents:\n  a:\n    env: {DB_PASSWORD: 0775123}\n"),
         [("environments/dev.yaml:3 agents.a.env.DB_PASSWORD:", "not shown: it may be a secret")], secret="0775123"),
    Case("password-as-a-secret-name", dev("postgresql:\n  enabled: true\n  auth: {existingSecret: 'Tr0ub4dor&3'}\n"),
         [("environments/dev.yaml:3 postgresql.auth.existingSecret:", "must be a DNS-1123 label")], secret="Tr0ub4dor&3"),
    Case("password-in-a-chart-url", dev("postgresql:\n  chart: {url: 'ftp://u:s3cr3tpw@h/c', chart: pg, version: 1.0.0}\n"),
         [("environments/dev.yaml:2 postgresql.chart.url:", "must match")], secret="s3cr3tpw"),
]

CASES = [*ENCODINGS, *CONTROL_CHARACTERS, *SIZE_AND_NESTING, *TAGS_AND_KEYS, *YAML_1_1_SCALARS, *FILES,
         *NO_ENVIRONMENTS, *KUBERNETES_WOULD_REFUSE, *SECRETS]

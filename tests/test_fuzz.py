"""Fuzzing: whatever an environment file holds, meshc answers with exit 0, 1 or 2, never a
traceback, within a time bound, and leaves dist/ as it was unless it succeeded.

Inputs are raw bytes, and structured mutations of the committed environment files: keys
deleted, duplicated, renamed to unicode or retyped; scalars, lists and maps swapped;
lines duplicated, dropped or spliced with arbitrary text. The loader takes many examples
in-process; the whole command line (`synth`, checks and writer included) takes fewer,
and a handful of the nastiest inputs go through a real `python main.py` process.

The budget is fixed for CI: a bounded number of examples, derandomized so every run
tries the same inputs. `MESHC_FUZZ_EXAMPLES=2000 MESHC_FUZZ_RANDOM=1` explores further.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
import yaml
from bad_input_cases import nested_aliases
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from trees import read_tree, write_tree

from meshc.errors import MeshcError
from meshc.loader import load_environments

REPO = Path(__file__).resolve().parents[1]
COMMITTED = {path.name: path.read_text(encoding="utf-8") for path in sorted((REPO / "environments").glob("*.yaml"))}
ENVIRONMENT_FILES = sorted(name for name in COMMITTED if not name.startswith("_"))
EXAMPLES = int(os.environ.get("MESHC_FUZZ_EXAMPLES", "150"))
SECONDS = 5  # per input, loader or whole command line

FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,  # the time bound is asserted per input, with a margin jitter on a busy machine cannot break
    derandomize=os.environ.get("MESHC_FUZZ_RANDOM") != "1",
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# --- inputs ---------------------------------------------------------------------------------------

SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=12),
    st.sampled_from(["0755", "010", "yes", "off", "1:30", "1_000", "0x1F", "~", "!foo x", "*a", "&a", "<<", "@sha256:"]),
)
# Pieces of YAML syntax, spliced into a line: tags, anchors, aliases, merge keys, documents, escapes.
YAML_SYNTAX = st.sampled_from([
    "--- !foo ", "!foo ", "!!binary ", "!!python/name:os.system ", "&a ", "*a", "<<: *a\n", "<<: 5\n", "---\n", "? ",
    "[", "{", "]", "'", '"\\e', "\t", "%YAML 1.1\n", "0755: ", "yes", "~: ", "&a [*a]",
])
VALUES = st.recursive(SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)), max_leaves=6)


def key_paths(data, prefix=()) -> list[tuple]:
    """Every path to a value inside `data`, parents before children."""
    paths = []
    children = data.items() if isinstance(data, dict) else enumerate(data) if isinstance(data, list) else ()
    for key, value in children:
        paths.append((*prefix, key))
        paths += key_paths(value, (*prefix, key))
    return paths


def parent_of(data, path):
    for key in path[:-1]:
        data = data[key]
    return data


def mutate(data, draw) -> None:
    """One structural mutation of `data`, in place."""
    paths = key_paths(data)
    if not paths:
        data[draw(st.text(max_size=8))] = draw(VALUES)
        return
    path = draw(st.sampled_from(paths))
    parent, key = parent_of(data, path), path[-1]
    operation = draw(st.sampled_from(["delete", "retype", "swap", "rename", "wrap"]))
    if operation == "delete":
        del parent[key]
    elif operation == "retype":
        parent[key] = draw(VALUES)
    elif operation == "swap":
        other = draw(st.sampled_from(paths))
        other_parent = parent_of(data, other)
        if other[:len(path)] != path and path[:len(other)] != other:  # neither inside the other
            parent[key], other_parent[other[-1]] = other_parent[other[-1]], parent[key]
    elif operation == "rename" and isinstance(parent, dict):
        parent[draw(st.text(min_size=1, max_size=8))] = parent.pop(key)
    else:
        parent[key] = draw(st.sampled_from([[parent[key]], {"value": parent[key]}]))


def mutate_text(text: str, draw) -> str:
    """One textual mutation: a line duplicated (a duplicate key) or dropped, or text spliced in."""
    lines = text.splitlines(keepends=True) or [""]
    index = draw(st.integers(0, len(lines) - 1))
    operation = draw(st.sampled_from(["duplicate", "drop", "splice"]))
    if operation == "duplicate":
        lines.insert(index, lines[index])
    elif operation == "drop":
        del lines[index]
    else:
        line = lines[index]
        at = draw(st.integers(0, len(line)))
        lines[index] = line[:at] + draw(st.one_of(st.text(max_size=6), YAML_SYNTAX)) + line[at:]
    return "".join(lines)


@st.composite
def mutated_environments(draw) -> dict[str, bytes]:
    """The committed base and one committed environment, mutated structurally, then textually."""
    name = draw(st.sampled_from(ENVIRONMENT_FILES))
    files = {}
    for file in ("_base.yaml", name):
        data = yaml.safe_load(COMMITTED[file])
        for _ in range(draw(st.integers(0, 3))):
            mutate(data, draw)
        text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
        for _ in range(draw(st.integers(0, 2))):
            text = mutate_text(text, draw)
        files[file] = text.encode("utf-8", errors="surrogatepass")
    return files


RAW_FILES = st.one_of(
    st.binary(max_size=600),
    st.builds(lambda base, at, junk: base[:at] + junk + base[at:],
              st.sampled_from([COMMITTED[n].encode() for n in ENVIRONMENT_FILES]), st.integers(0, 400), st.binary(max_size=20)),
    st.builds(lambda text, encoding: text.encode(encoding, errors="replace"),
              st.text(max_size=200), st.sampled_from(["utf-8", "utf-16", "utf-16-le", "latin-1", "utf-32"])),
).map(lambda raw: {"_base.yaml": COMMITTED["_base.yaml"].encode(), "fuzz.yaml": raw})


# --- properties -------------------------------------------------------------------------------------


def loads_or_refuses(files: dict[str, bytes]) -> None:
    """The loader either returns models or raises a MeshcError (exit 2), in bounded time."""
    with tempfile.TemporaryDirectory() as root:
        environments = Path(root) / "environments"
        write_tree(environments, files)
        started = time.monotonic()
        try:
            load_environments(environments, [])
        except MeshcError as error:
            assert error.exit_code == 2
        assert time.monotonic() - started < SECONDS


@FUZZ
@given(RAW_FILES)
def test_the_loader_answers_any_bytes(files):
    loads_or_refuses(files)


@FUZZ
@given(mutated_environments())
def test_the_loader_answers_any_mutation_of_the_committed_environments(files):
    loads_or_refuses(files)


@settings(FUZZ, max_examples=max(EXAMPLES // 5, 10))
@given(files=mutated_environments())
def test_synth_answers_any_mutation_and_writes_only_on_success(files, valid_dist, cli_runner):
    import main
    from meshc.synth import Project

    with tempfile.TemporaryDirectory() as root, pytest.MonkeyPatch.context() as patch:
        project = Project(Path(root))
        write_tree(project.environments, files)
        write_tree(project.dist, valid_dist)
        patch.setattr(main, "PROJECT", project)
        started = time.monotonic()
        result = cli_runner.invoke(main.cli, ["synth"])
        assert time.monotonic() - started < SECONDS
        assert result.exit_code in (0, 1, 2), result.output
        assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
        assert "Traceback" not in result.stderr
        if result.exit_code != 0:
            assert read_tree(project.dist) == valid_dist


NASTIEST = {
    "alias-bomb": nested_aliases(levels=12, width=10).encode(),
    "nesting-a-million-deep": b"x: " + b"[" * 1_040_000,  # just under the size limit
    "utf-16": "registry: {name: central}\n".encode("utf-16"),
    "nul-and-escape": b"registry:\n  name: \x00\x1b[2J\n",
}


@pytest.mark.parametrize("content", NASTIEST.values(), ids=NASTIEST.keys())
def test_a_real_process_refuses_the_nastiest_inputs_quickly(content, tmp_path):
    """Through `python main.py validate` in its own process: the recursion limit, the C stack
    and the terminal are real here."""
    write_tree(tmp_path / "environments", {"dev.yaml": content})
    script = (
        "import sys, pathlib; sys.path.insert(0, sys.argv[1]); import main; from meshc.synth import Project; "
        "main.PROJECT = Project(pathlib.Path(sys.argv[2])); sys.argv[1:] = ['validate']; main.cli()"
    )
    started = time.monotonic()
    result = subprocess.run([sys.executable, "-c", script, str(REPO), str(tmp_path)],
                            capture_output=True, timeout=60, check=False)
    assert time.monotonic() - started < 20  # a fresh interpreter imports cdk8s and jsii first
    assert result.returncode == 2, result.stderr
    assert b"Traceback" not in result.stderr
    assert result.stderr.startswith(b"error: environments/dev.yaml") or b"\n  environments/dev.yaml" in result.stderr

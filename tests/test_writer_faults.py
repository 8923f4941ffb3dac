"""dist/ under faults and concurrency: a synth killed with SIGKILL at any step of its write, or
at a random moment, and two synths writing at once, leave dist/ entirely old or entirely new;
the next run cleans up what a killed one left; a synth that cannot get the lock exits 2.

The writers run in forked processes that really die from SIGKILL: the instrumented runs kill
themselves just before their k-th file-system call, for every k, so every gap between two
steps of a write is a moment of death."""

from __future__ import annotations

import fcntl
import os
import random
import shutil
import signal
import time
from pathlib import Path
from typing import Callable

import pytest

from meshc import writer
from meshc.writer import LOCK_FILE, DistLockedError, dist_lock, recover, write_environments


def generation(tag: str, environments: tuple[str, ...], files: int = 3) -> dict[str, dict[str, bytes]]:
    return {env: {f"{layer}/object-{i}.yaml": f"{tag} {env} {layer} {i}\n".encode()
                  for layer in ("platform", "agents") for i in range(files)}
            for env in environments}


# The new output drops gamma, adds delta and changes every file of alpha and beta.
OLD = generation("old", ("alpha", "beta", "gamma"))
NEW = generation("new", ("alpha", "beta", "delta"))


def flat(trees: dict[str, dict[str, bytes]]) -> dict[str, bytes]:
    return {f"{env}/{path}": content for env, files in trees.items() for path, content in files.items()}


def scratch(root: Path) -> list[str]:
    """Anything beside dist/ or inside it that is not an environment folder or the lock file."""
    beside = [p.name for p in root.iterdir() if p.name not in ("dist", LOCK_FILE)]
    inside = [p.name for p in (root / "dist").iterdir() if p.name.startswith(".")] if (root / "dist").is_dir() else []
    return sorted(beside + inside)


@pytest.fixture
def dist(tmp_path, read_tree) -> Path:
    """dist/ holding the OLD output, written by a complete run."""
    target = tmp_path / "project" / "dist"
    write_environments(target, OLD, remove_others=True)
    assert read_tree(target) == flat(OLD)
    return target


# --- running a writer in a process that can be killed ---------------------------------------------

# Every file-system call the writer makes, and the module each is looked up in at call time.
STEPS = [(os, "rename"), (os, "link"), (os, "mkdir"), (os, "unlink"), (os, "rmdir"), (os, "symlink"),
         (Path, "write_bytes"), (writer, "exchange")]


def start_child(body: Callable[[], None]) -> int:
    """Run `body` in a forked process that exits 0 when it returns, 1 when it raises; its pid."""
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            body()
            code = 0
        finally:
            os._exit(code)
    return pid


def exit_status(pid: int) -> int:
    """Wait for a child: its exit status (negative: the signal that killed it)."""
    _, status = os.waitpid(pid, 0)
    return -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)


def in_child(body: Callable[[], None]) -> int:
    return exit_status(start_child(body))


def die_before_step(step: int, count: list[int]) -> None:
    """Patch every writer step so that the process SIGKILLs itself just before step number `step`."""
    for owner, name in STEPS:
        original = getattr(owner, name)

        def counted(*args, _original=original, **kwargs):
            count[0] += 1
            if count[0] == step:
                os.kill(os.getpid(), signal.SIGKILL)
            return _original(*args, **kwargs)

        setattr(owner, name, counted)


def steps_of_one_write(tmp_path: Path) -> int:
    """How many instrumented steps a full OLD -> NEW write takes (counted in a child on a copy)."""
    copy = tmp_path / "count" / "dist"
    write_environments(copy, OLD, remove_others=True)
    counter = tmp_path / "count" / "steps"

    def count_steps() -> None:
        count = [0]
        die_before_step(-1, count)
        write_environments(copy, NEW, remove_others=True)
        counter.write_text(str(count[0]))

    assert in_child(count_steps) == 0
    return int(counter.read_text())


def killed_write(dist: Path, step: int, *, can_exchange: bool = True) -> int:
    def write() -> None:
        if not can_exchange:
            writer.exchange = lambda first, second: False
        die_before_step(step, [0])
        write_environments(dist, NEW, remove_others=True)

    return in_child(write)


# --- kill -9 ----------------------------------------------------------------------------------------


def test_a_write_killed_before_any_of_its_steps_leaves_dist_all_old_or_all_new(dist, tmp_path, read_tree):
    steps = steps_of_one_write(tmp_path)
    assert steps > 20
    seen = set()
    for step in range(1, steps + 1):
        shutil.rmtree(dist)
        write_environments(dist, OLD, remove_others=True)
        assert killed_write(dist, step) == -signal.SIGKILL
        after = read_tree(dist)
        assert after in (flat(OLD), flat(NEW)), f"killed before step {step}"
        seen.add("new" if after == flat(NEW) else "old")
    assert seen == {"old", "new"}


def test_a_write_killed_at_random_moments_leaves_dist_all_old_or_all_new(dist, read_tree):
    chance = random.Random(9)

    def write_forever() -> None:
        while True:
            for trees in (NEW, OLD):
                write_environments(dist, trees, remove_others=True)

    for _ in range(25):
        pid = start_child(write_forever)
        time.sleep(chance.uniform(0.0, 0.03))
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        assert read_tree(dist) in (flat(OLD), flat(NEW))


def test_the_next_run_removes_what_a_killed_run_left(dist, tmp_path, read_tree):
    steps = steps_of_one_write(tmp_path)
    for step in range(1, steps + 1, 3):
        killed_write(dist, step)
        write_environments(dist, NEW, remove_others=True)
        assert read_tree(dist) == flat(NEW)
        assert scratch(dist.parent) == [], f"killed before step {step}"


def test_without_exchange_a_killed_write_is_undone_or_finished_before_the_next_run_writes(dist, tmp_path, read_tree):
    steps = steps_of_one_write(tmp_path)
    for step in range(1, steps + 1):
        shutil.rmtree(dist)
        write_environments(dist, OLD, remove_others=True)
        killed_write(dist, step, can_exchange=False)
        with dist_lock(dist):
            recover(dist)
        assert read_tree(dist) in (flat(OLD), flat(NEW)), f"killed before step {step}"
        assert scratch(dist.parent) == []


def test_leftovers_of_older_meshc_versions_inside_dist_are_removed(dist, read_tree):
    (dist / ".staging-123" / "alpha").mkdir(parents=True)
    (dist / ".previous-456").mkdir()
    write_environments(dist, NEW, remove_others=True)
    assert read_tree(dist) == flat(NEW) and scratch(dist.parent) == []


# --- concurrency --------------------------------------------------------------------------------------


def test_two_synths_at_once_both_succeed_one_after_the_other(dist, read_tree):
    first, second = generation("first", ("alpha", "beta"), 150), generation("second", ("alpha", "gamma"), 150)
    for _ in range(5):
        pids = [start_child(lambda trees=trees: write_environments(dist, trees, remove_others=True)) for trees in (first, second)]
        assert [exit_status(pid) for pid in pids] == [0, 0]
        assert read_tree(dist) in (flat(first), flat(second))
        assert scratch(dist.parent) == []


def test_a_synth_that_cannot_get_the_lock_in_time_gives_up_and_leaves_dist_untouched(dist, read_tree, monkeypatch):
    monkeypatch.setattr(writer, "LOCK_WAIT_SECONDS", 0.2)
    with open(dist.parent / LOCK_FILE, "a+b") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        with pytest.raises(DistLockedError) as raised:
            write_environments(dist, NEW, remove_others=True)
    assert read_tree(dist) == flat(OLD)
    assert str(raised.value) == ("another meshc synth is writing dist/ (it holds .dist.lock); waited 0.2 s. "
                                 "Run synth again once it has finished.")


def test_synth_cli_exits_2_with_the_lock_message_when_dist_is_locked(
        make_project, minimal_environment, use_project, cli_runner, monkeypatch):
    import main

    project = make_project({"alpha.yaml": minimal_environment("alpha")})
    use_project(project)
    monkeypatch.setattr(writer, "LOCK_WAIT_SECONDS", 0.1)
    with open(project.root / LOCK_FILE, "a+b") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        result = cli_runner.invoke(main.cli, ["synth"])
    assert result.exit_code == 2
    assert "error: another meshc synth is writing dist/" in result.output
    assert "Traceback" not in result.output
    assert not project.dist.exists()


def test_a_waiting_synth_writes_once_the_lock_is_released(dist, read_tree):
    with dist_lock(dist):
        started = time.monotonic()
        pid = start_child(lambda: write_environments(dist, NEW, remove_others=True))
        time.sleep(0.3)
        assert read_tree(dist) == flat(OLD)
    assert exit_status(pid) == 0
    assert time.monotonic() - started >= 0.3
    assert read_tree(dist) == flat(NEW)

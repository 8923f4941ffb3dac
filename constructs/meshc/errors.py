"""Errors a user can cause. The CLI prints them as text and exits 2.

Each class formats its own message: what went wrong, where, and what to do.
Callers pass data, not prose. An error about the options a command was given
names them by the settings' own names (`live_from`); the front end that took
them spells them as its user typed them (`--live-from`), through `worded`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


def printable(text: str) -> str:
    """`text` safe for a terminal: control, format and unpaired surrogate characters (NUL, ESC,
    bidi overrides) are shown escaped (`\\x1b`), never sent raw."""
    return "".join(c if c.isprintable() else c.encode("unicode_escape", "backslashreplace").decode("ascii") for c in text)


class MeshcError(Exception):
    """Base of every error that is the user's to fix; never shown as a traceback."""

    exit_code = 2

    def worded(self, spell: Callable[[str], str]) -> str:
        """The message with each option named as `spell` spells it; most errors name none."""
        return str(self)


class OptionsError(MeshcError):
    """A message about a command's options: `template` names each option as a `{field}` of the
    command's settings (`{live_from}`); `values` fill the other fields."""

    def __init__(self, template: str, **values: object):
        self.template, self.values = template, values
        super().__init__(str(self))

    def worded(self, spell: Callable[[str], str]) -> str:
        return self.template.format_map(_Spelled(self.values, spell))

    def __str__(self) -> str:
        return self.worded(lambda option: option)


class _Spelled(dict):
    def __init__(self, values: dict[str, object], spell: Callable[[str], str]):
        super().__init__(values)
        self.spell = spell

    def __missing__(self, option: str) -> str:
        return self.spell(option)


@dataclass(frozen=True)
class InputProblem:
    """One problem in one environment file, at one key path."""

    file: str
    line: int | None
    key_path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        path = f" {self.key_path}:" if self.key_path else ""
        return printable(f"{where}{path} {self.message}")


class InputError(MeshcError):
    """Every problem found in the environment files of one run, listed at once."""

    # What the problems are in, for the heading.
    inputs = "the environment files"

    def __init__(self, problems: list[InputProblem]):
        unique = dict.fromkeys(problems)  # the same problem reached twice (a base of two environments) is one
        self.problems = sorted(unique, key=lambda p: (p.file, p.line or 0, p.key_path, p.message))
        super().__init__(str(self))

    def __str__(self) -> str:
        count = len(self.problems)
        heading = f"{count} problem{'s' if count != 1 else ''} in {self.inputs}; nothing was written:"
        return "\n".join([heading, *(f"  {p}" for p in self.problems)])


class NoEnvironmentsError(MeshcError):
    """Nothing to synthesize: writing would delete every environment of dist/."""

    def __init__(self, directory: str):
        super().__init__(
            f"no environments found: {directory}/ holds no environment file (<name>.yaml, not starting with '_'); "
            "nothing was written"
        )


class UnknownEnvironmentError(MeshcError):
    def __init__(self, name: str, available: list[str], directory: str):
        self.name = name
        self.available = available
        super().__init__(printable(
            f"environment {name!r} not found: there is no {directory}/{name}.yaml "
            f"(available: {', '.join(available) or 'none'})"
        ))

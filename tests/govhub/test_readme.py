"""The README's command line is the command line: every `govhub` command and flag it names
exists (its `--help` runs and lists the flag), and every command and flag there is is named
in its "Command line" section."""

from __future__ import annotations

import argparse
import contextlib
import io
import re

import pytest

from govhub.cli import build_parser, main
from warehouse.settings import PROJECT_ROOT

README = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
# `govhub <words> [flags...]` up to the end of a code span or line
MENTION = re.compile(r"govhub((?: [a-z][a-z_-]*)+)([^`\n]*)")


def _commands(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()) -> dict[tuple[str, ...], set[str]]:
    """Every runnable command path of the parser with its long flags."""
    found: dict[tuple[str, ...], set[str]] = {}
    subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    for action in subs:
        for name, child in action.choices.items():
            found |= _commands(child, (*path, name))
    if not subs and path:
        found[path] = {o for a in parser._actions for o in a.option_strings if o.startswith("--") and o != "--help"}
    return found


COMMANDS = _commands(build_parser())


def _mentions(text: str) -> list[tuple[tuple[str, ...], set[str]]]:
    """(command path, flags) of each mention of a `govhub` command in `text`."""
    out = []
    for words, rest in MENTION.findall(text):
        path = tuple(words.split())
        # the longest prefix that is a command (the words after it are arguments, e.g. a source)
        while path and path not in COMMANDS and not any(c[: len(path)] == path for c in COMMANDS):
            path = path[:-1]
        if path:
            out.append((path, set(re.findall(r"--[a-z][a-z-]*", rest))))
    return out


def _help(path: tuple[str, ...]) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), pytest.raises(SystemExit) as done:
        main([*path, "--help"])
    assert done.value.code == 0, path
    return out.getvalue()


def test_every_command_and_flag_the_readme_names_exists():
    mentions = _mentions(README)
    assert len(mentions) > 10
    for path, flags in mentions:
        assert path in COMMANDS, f"README names `govhub {' '.join(path)}`, which is no command"
        text = _help(path)
        missing = {f for f in flags if f not in text}
        assert not missing, f"README gives `govhub {' '.join(path)}` flags it does not have: {sorted(missing)}"


def test_every_command_and_flag_is_in_the_readme_command_line_section():
    section = README.split("## Command line", 1)[1].split("\n## ", 1)[0]
    named: dict[tuple[str, ...], set[str]] = {}
    for path, flags in _mentions(section):
        named.setdefault(path, set()).update(flags)
    for path, flags in COMMANDS.items():
        assert path in named, f"`govhub {' '.join(path)}` is missing from the README's Command line section"
        missing = flags - named[path]
        assert not missing, f"the README's Command line section lacks `govhub {' '.join(path)}` {sorted(missing)}"


def test_the_readme_test_reads_what_it_should():
    """The test above would see a command or flag that is not there."""
    assert _mentions("`govhub demo --no-such-flag`") == [(("demo",), {"--no-such-flag"})]
    assert _mentions("`govhub points explain --worker W`") == [(("points", "explain"), {"--worker"})]
    assert _mentions("`govhub nosuch`") == []
    assert "--no-such-flag" not in _help(("demo",))

"""Compiled glob sets answer exactly as the per-pattern regexes (`compile_glob`) and fnmatch would."""

from __future__ import annotations

import fnmatch
import tomllib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agentguard.policy import globs
from agentguard.policy.loader import DEFAULT_POLICY

HOME = "/home/dev"
PLACES = {"HOME": HOME, "PROJECT": "/work/app", "STATE": "/s/state", "CONFIG": "/s/config", "TMPDIR": "/tmp"}
DEFAULT_SETS = tomllib.loads(DEFAULT_POLICY.read_text(encoding="utf-8"))["paths"]
DEFAULT_PATTERNS = sorted({globs.expand(p, PLACES) for pats in DEFAULT_SETS.values() for p in pats})

# Pieces that build the shapes the string tests handle, their near misses, and regex-only shapes.
PARTS = ["a", "b", ".db", "x.db", "data", "db", ".git", "id_rsa", "/", "//", "*", "**", "?", "[ab]", "[!a]",
         "\n", ".", "-", "C:", "~", "$", "sd"]  # fmt: skip
PATH_PARTS = [*PARTS[:10], "/", "/", "/", "\n", ".", "node_modules", "work", "app", "tmp", "dev", "home"]


def regex_answer(path: str, patterns: tuple[str, ...]) -> bool:
    return any(globs.compile_glob(p).match(path) for p in patterns)


@given(
    patterns=st.lists(st.lists(st.sampled_from(PARTS), min_size=1, max_size=5).map("".join), max_size=4),
    path=st.lists(st.sampled_from(PATH_PARTS), max_size=8).map("".join),
)
@settings(max_examples=3000, deadline=None)
def test_set_matches_like_the_regexes(patterns: list[str], path: str) -> None:
    compiled = tuple(patterns)
    assert globs.matches(path, compiled) == regex_answer(path, compiled)


PATHS = [
    "/", "/etc", "/etc/passwd", "/usr/bin", "/usr/bin/env", "/dev/sda", "/dev/sda1", "/dev/null",
    f"{HOME}", f"{HOME}/.ssh", f"{HOME}/.ssh/id_rsa", f"{HOME}/.bashrc", f"{HOME}/.config/fish/config.fish",
    "/work/app", "/work/app/.git", "/work/app/.git/HEAD", "/work/app/.agentic-qe/memory.db", "/work/app/x.db-wal",
    "/work/app/node_modules", "/work/app/node_modules/x/y.js", "/work/app/src/app.py", "/work/app/.env.local",
    "/work/app/pkg.egg-info/PKG-INFO", "/work/app/build", "/work/app/debug.log", "/tmp/x", "/tmp", "/s/state",
    "/s/state/mode.json", "/s/config/agentguard.toml", "/work/app/.claude/settings.json", "C:", "/data/db/x",
    "/work/app/a\n/b.db", "/etc\n", "/work/app/id_rsa.pub", "/work/app/secrets.yml",
    # near misses: a name that only ends like a protected directory, a prefix without its slash
    "/work/app/xnode_modules/y.js", "/work/app/my.git/HEAD", "/work/app/mydata/db/x", "/etcx", "/tmpfile",
    "/work/appx/.git", "/s/state2/x", "/dev/sdcard/x", "/work/app/notes.dbx", "/work/app/x.env/y",
]  # fmt: skip


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("name", sorted(DEFAULT_SETS))
def test_default_sets_match_like_the_regexes(name: str, path: str) -> None:
    patterns = tuple(globs.expand(p, PLACES) for p in DEFAULT_SETS[name])
    assert globs.matches(path, patterns) == regex_answer(path, patterns)


def test_default_patterns_mostly_avoid_the_regex() -> None:
    """The point of the sets: the built-in policy's globs are string tests, not regexes to compile per call."""
    compiled = globs.compile_set(tuple(DEFAULT_PATTERNS))
    assert len(compiled.regex) <= 3, compiled.regex


@pytest.mark.parametrize(
    ("value", "pattern"),
    [
        pytest.param("file.delete", "file.*", id="family"),
        pytest.param("filex", "file.*", id="family-miss"),
        pytest.param("db-prod-1", "*prod*", id="contains"),
        pytest.param("staging", "*prod*", id="contains-miss"),
        pytest.param("production", "prod*", id="prefix"),
        pytest.param("preprod", "prod*", id="prefix-miss"),
        pytest.param("main", "main", id="literal"),
        pytest.param("main2", "main", id="literal-miss"),
        pytest.param("release/1.2", "release/*", id="star-crosses-slash"),
        pytest.param("anything", "*", id="star"),
        pytest.param("", "*", id="star-empty"),
        pytest.param("", "", id="empty"),
        pytest.param("a\nb", "a*", id="newline"),
        pytest.param("v1", "v?", id="question-mark"),
        pytest.param("vb", "v[ab]", id="class"),
        pytest.param("x.y", "*.*", id="two-stars"),
    ],
)
def test_name_matches_is_fnmatchcase(value: str, pattern: str) -> None:
    assert globs.name_matches(value, pattern) == fnmatch.fnmatchcase(value, pattern)


@given(
    value=st.text(alphabet="ab.*/\n", max_size=6),
    pattern=st.lists(st.sampled_from(["a", "b", ".", "*", "**", "?", "/"]), max_size=4).map("".join),
)
@settings(max_examples=1000, deadline=None)
def test_name_matches_like_fnmatch_anywhere(value: str, pattern: str) -> None:
    assert globs.name_matches(value, pattern) == fnmatch.fnmatchcase(value, pattern)

"""Reading the program specs: `programs/<family>.toml`, parsed on first use of a program of that family.

tomllib takes ~0.5 ms per kilobyte, so the hook never parses every file: the generated `index` says which file
holds a name, and only that file is read (and cached for the process). `load_all` reads every file, for the
tests and for regenerating the index.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import Any

from agentguard.analysis.spec.model import Entry, HookArg, Program, SpecError
from agentguard.models import Kind

KIND_WORDS = {
    "read": Kind.READ,
    "write": Kind.CLOUD_WRITE,
    "deploy": Kind.CLOUD_DEPLOY,
    "build": Kind.EXEC_BUILD,
    "exec": Kind.EXEC_PROGRAM,
    "test": Kind.EXEC_TEST,
    "git": Kind.GIT_WRITE,
}
# Context keys a spec may fill: the ones the policy's production markers know (default.toml), so that a
# production profile, project, environment or scope is seen whichever CLI names it.
CONTEXT_KEYS = frozenset(
    """profile project env app account scope stage workspace namespace repo host region org database
    context cluster stack subscription resource_group dsn kube_context kubeconfig""".split()
)
KEYS = frozenset(
    """aliases valued depth colon go_flags option_verbs default context env flags destroys destroy_kind commands
    hook hook_args stop allow""".split()
)


def families() -> list[str]:
    """The spec files shipped in the package, by family name."""
    folder = resources.files(__package__).joinpath("programs")
    return sorted(p.name.removesuffix(".toml") for p in folder.iterdir() if p.name.endswith(".toml"))


@cache
def load_family(family: str) -> Mapping[str, Program]:
    """Every program of one spec file, by each of its names. Raises SpecError on a malformed file."""
    try:
        text = resources.files(__package__).joinpath("programs", f"{family}.toml").read_text(encoding="utf-8")
        data = tomllib.loads(text)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise SpecError(f"spec {family}: {exc}") from exc
    programs = data.pop("program", None)
    defaults = data.pop("defaults", {})
    if data or not isinstance(programs, dict) or not isinstance(defaults, dict):
        raise SpecError(f"spec {family}: only [defaults] and [program.NAME] tables are allowed (found {sorted(data)})")
    out: dict[str, Program] = {}
    for name, table in programs.items():
        program = _program(family, name, {**defaults, **table} if isinstance(table, dict) else table)
        for alias in program.names:
            if alias in out:
                raise SpecError(f"spec {family}: {alias} is named twice")
            out[alias] = program
    return out


@cache
def load_program(family: str, name: str) -> Program:
    """One program of a spec file, parsing only its own tables and the file's [defaults]: the hook pays
    ~0.3 ms instead of the whole file's 1-5 ms. Raises SpecError as load_family does; the tests check that
    both give the same program for every name."""
    try:
        text = resources.files(__package__).joinpath("programs", f"{family}.toml").read_text(encoding="utf-8")
        data = tomllib.loads(_sections(text, name))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise SpecError(f"spec {family}: {exc}") from exc
    table = data.get("program", {}).get(name)
    defaults = data.get("defaults", {})
    if not isinstance(table, dict) or not isinstance(defaults, dict):
        raise SpecError(f"spec {family}: no [program.{name}] table")
    return _program(family, name, {**defaults, **table})


SECTION = re.compile(r'^\[(?:program\.(?:"([^"]+)"|([A-Za-z0-9_-]+))(?:\.[A-Za-z0-9_]+)?|(defaults))\]\s*(?:#.*)?$')


def _sections(text: str, name: str) -> str:
    """The [defaults] table and the [program.NAME…] tables of a spec file, as TOML text. A line that starts a
    table inside a multi-line string is not a header, so those strings are tracked."""
    kept: list[str] = []
    keep = False
    in_string = False
    for line in text.splitlines():
        header = None if in_string else SECTION.match(line)
        if header is not None:
            keep = header.group(3) == "defaults" or name in (header.group(1), header.group(2))
        elif not in_string and line.startswith("["):
            keep = False  # a table this reading does not know: load_family reports it
        if keep:
            kept.append(line)
        if line.count('"""') % 2:
            in_string = not in_string
    return "\n".join(kept)


def load_all() -> dict[str, Program]:
    """Every program of every spec file by each name; a name in two files is an error."""
    out: dict[str, Program] = {}
    for family in families():
        for name, program in load_family(family).items():
            if name in out:
                raise SpecError(f"{name} is in both {out[name].family} and {family}")
            out[name] = program
    return out


def _program(family: str, name: str, table: Any) -> Program:
    where = f"spec {family}: program {name}"
    if not isinstance(table, dict):
        raise SpecError(f"{where}: must be a table")
    extra = set(table) - KEYS
    if extra:
        raise SpecError(f"{where}: unknown keys {sorted(extra)}")
    destroy_kind = _kind(where, table.get("destroy_kind", "service.destroy"), Kind.SERVICE_DESTROY)
    entries = {}
    for path, value in _table(where, table, "commands").items():
        kind_word, sep, detail = _str(where, value).partition(":")
        if not sep:
            raise SpecError(f"{where}: command {path!r} must read 'kind: detail'")
        words = tuple(path.split())
        entries[words] = Entry(words, _kind(where, kind_word.strip(), destroy_kind), detail.strip())
    return Program(
        name=name,
        family=family,
        aliases=_words(where, table.get("aliases", [])),
        valued=frozenset(_words(where, table.get("valued", []))),
        depth=_int(where, table.get("depth", 2)),
        colon=_bool(where, table.get("colon", False)),
        go_flags=_bool(where, table.get("go_flags", False)),
        option_verbs=_bool(where, table.get("option_verbs", False)),
        context={_key(where, k): _words(where, v) for k, v in _table(where, table, "context").items()},
        env={_key(where, k): _str(where, v) for k, v in _table(where, table, "env").items()},
        flags={k: _flag(where, v) for k, v in _table(where, table, "flags").items()},
        destroys=frozenset(_words(where, table.get("destroys", []))),
        destroy_kind=destroy_kind,
        default_kind=_kind(where, table.get("default", "write"), destroy_kind),
        entries=entries,
        hook=_hook(where, table.get("hook")),
        hook_args={k: _hook_arg(where, v) for k, v in _table(where, table, "hook_args").items()},
        stop=_lines(where, table.get("stop", [])),
        allow=_lines(where, table.get("allow", [])),
    )


def _key(where: str, key: str) -> str:
    if key not in CONTEXT_KEYS:
        raise SpecError(f"{where}: context key {key!r} is not one of {sorted(CONTEXT_KEYS)}")
    return key


def _kind(where: str, word: str, destroy_kind: Kind) -> Kind:
    if word == "destroy":
        return destroy_kind
    if word in KIND_WORDS:
        return KIND_WORDS[word]
    try:
        return Kind(word)
    except ValueError:
        raise SpecError(f"{where}: unknown kind {word!r}") from None


def _table(where: str, table: dict[str, Any], key: str) -> dict[str, Any]:
    value = table.get(key, {})
    if not isinstance(value, dict):
        raise SpecError(f"{where}: {key} must be a table")
    return value


def _str(where: str, value: Any) -> str:
    if not isinstance(value, str):
        raise SpecError(f"{where}: expected a string, got {value!r}")
    return value


def _words(where: str, value: Any) -> tuple[str, ...]:
    """Names given as one space-separated string (compact for long option lists) or as a list."""
    if isinstance(value, str):
        return tuple(value.split())
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise SpecError(f"{where}: expected a string or a list of strings, got {value!r}")


def _lines(where: str, value: Any) -> tuple[str, ...]:
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise SpecError(f"{where}: examples must be a list of command lines")


def _int(where: str, value: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 6:
        return value
    raise SpecError(f"{where}: depth must be 1-6, got {value!r}")


def _bool(where: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    raise SpecError(f"{where}: expected true or false, got {value!r}")


def _pair(where: str, value: Any) -> tuple[str, str]:
    key, sep, val = _str(where, value).partition("=")
    if not sep or not key or not val:
        raise SpecError(f"{where}: a flag must read 'key=value', got {value!r}")
    return key, val


def _flag(where: str, value: Any) -> tuple[str, str]:
    key, val = _pair(where, value)
    return _key(where, key), val


def _hook_arg(where: str, value: Any) -> HookArg:
    if isinstance(value, str | bool):
        return value
    if isinstance(value, dict) and all(isinstance(v, str) for v in value.values()):
        return dict(value)
    raise SpecError(f"{where}: a hook argument must be a string, a boolean or a table of strings, got {value!r}")


def _hook(where: str, value: Any) -> str | None:
    if value is None:
        return None
    text = _str(where, value)
    module, sep, function = text.partition(":")
    if not sep or not module.startswith("agentguard.") or not function.isidentifier():
        raise SpecError(f"{where}: hook must read 'agentguard.module:function', got {value!r}")
    return text


def render_index() -> str:
    """The text of `index.py`: every spec name and the file it is in (tests check it is current)."""
    names = {name: (program.family, program.name) for name, program in sorted(load_all().items())}
    lines = [f'    "{name}": ("{family}", "{key}"),' for name, (family, key) in names.items()]
    return (
        '"""Generated from programs/*.toml by `python -m agentguard.analysis.spec.load`: do not edit.\n\n'
        "Which spec file and table describe a program, so the hook parses only that table.\n"
        '"""\n\nNAMES: dict[str, tuple[str, str]] = {\n' + "\n".join(lines) + "\n}\n"
    )


if __name__ == "__main__":
    from pathlib import Path

    Path(__file__).with_name("index.py").write_text(render_index())

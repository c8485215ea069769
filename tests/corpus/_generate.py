"""Writes the corpus: the hand-written rows of `_rows.py` plus systematic variations of them.

Run `python tests/corpus/_generate.py` after editing `_rows.py`; the .jsonl files are the corpus (checked in,
so a change to them shows in review). A variation keeps the danger (or the harmlessness) of its base row and
only changes how it is reached: a wrapper (sudo, env, timeout, nohup, bash -c, eval, a heredoc or a pipe into
a shell, a function, a subshell, a chain), a flag spelling, a quoted or `$PWD`-anchored path, a working
directory one level down. Which variations a base row gets rotates with its position, so every wrapper meets
every family without the corpus growing as a full product.
"""

from __future__ import annotations

import json
import shlex
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import _rows as R

HERE = Path(__file__).parent
Row = dict[str, object]
Wrap = Callable[[str], str | None]


def simple(cmd: str) -> bool:
    """One simple command: safe to put a prefix wrapper (sudo, timeout …) in front of."""
    first = cmd.split(" ", 1)[0]
    if "=" in first:  # `VAR=x cmd`: a prefix wrapper would run `VAR=x` as a program
        return False
    return "\n" not in cmd and not any(t in cmd for t in (";", "&&", "||", "|", "(", "{", "<", ">", "&", "`"))


def one_line(cmd: str) -> bool:
    return "\n" not in cmd and not cmd.rstrip().endswith("&")


def prefix(text: str) -> Wrap:
    return lambda cmd: f"{text} {cmd}" if simple(cmd) else None


def around(template: str) -> Wrap:
    return lambda cmd: template.replace("{}", cmd) if one_line(cmd) else None


def quoted(template: str) -> Wrap:
    """The command as one shell-quoted argument (bash -c '…', eval '…', echo '…' | sh)."""
    return lambda cmd: template.replace("{}", shlex.quote(cmd)) if one_line(cmd) else None


def double_quoted(template: str) -> Wrap:
    def wrap(cmd: str) -> str | None:
        if not one_line(cmd) or any(c in cmd for c in '"$`\\!'):
            return None
        return template.replace("{}", f'"{cmd}"')

    return wrap


SHELL_WRAPS: list[tuple[str, Wrap]] = [
    ("bash -c", quoted("bash -c {}")),
    ("sh -c", quoted("sh -c {}")),
    ("bash -lc", quoted("bash -lc {}")),
    ("zsh -c", quoted("zsh -c {}")),
    ("bash -c double quotes", double_quoted("bash -c {}")),
    ("eval", quoted("eval {}")),
    ("eval double quotes", double_quoted("eval {}")),
    ("echo pipe bash", quoted("echo {} | bash")),
    ("printf pipe sh", quoted("printf '%s\\n' {} | sh")),
    ("heredoc bash", lambda c: f"bash <<'EOF'\n{c}\nEOF" if one_line(c) else None),
    ("heredoc sh unquoted", lambda c: f"sh <<EOF\n{c}\nEOF" if one_line(c) and "$" not in c and "`" not in c else None),
    ("here-string bash", quoted("bash <<< {}")),
    ("and chain", around("echo start && {}")),
    ("sequence", around("ls >/dev/null; {}")),
    ("or chain", around("false || {}")),
    ("after tests", around("npm test && {}")),
    ("subshell", around("( {} )")),
    ("group", around("{ {}; }")),
    ("if", around("if true; then {}; fi")),
    ("function", around("run() { {}; }; run")),
    ("for once", around("for i in 1; do {}; done")),
    ("stderr to null", around("{} 2>/dev/null")),
    ("or true", around("{} || true")),
    ("set -e", around("set -euo pipefail; {}")),
    ("then echo", around("{} && echo cleaned")),
]

PREFIX_WRAPS: list[tuple[str, Wrap]] = [
    ("sudo", prefix("sudo")),
    ("sudo -u root", prefix("sudo -u root")),
    ("sudo -E", prefix("sudo -E")),
    ("doas", prefix("doas")),
    ("env", prefix("env")),
    ("env assignment", prefix("env CI=1")),
    ("assignment prefix", prefix("CI=true")),
    ("timeout", prefix("timeout 30")),
    ("timeout signal", prefix("timeout -s KILL 120")),
    ("nice", prefix("nice -n 10")),
    ("nohup", lambda c: f"nohup {c} > /dev/null 2>&1 &" if simple(c) else None),
    ("time", prefix("time")),
    ("command", prefix("command")),
    ("exec", prefix("exec")),
    ("stdbuf", prefix("stdbuf -oL")),
    ("ionice", prefix("ionice -c3")),
]

ALL_WRAPS = SHELL_WRAPS + PREFIX_WRAPS
NO_PRIVILEGE = [w for w in ALL_WRAPS if not w[0].startswith(("sudo", "doas"))]


def rotate(wraps: list[tuple[str, Wrap]], index: int, count: int) -> Iterator[tuple[str, Wrap]]:
    step = 7 if len(wraps) % 7 else 5
    for j in range(count):
        yield wraps[(index * step + j) % len(wraps)]


def variations(cmd: str, index: int, wraps: list[tuple[str, Wrap]], count: int) -> Iterator[tuple[str, str]]:
    made = 0
    for name, wrap in rotate(wraps, index, len(wraps)):
        out = wrap(cmd)
        if out is None or out == cmd:
            continue
        yield out, name
        made += 1
        if made >= count:
            return


RM_FLAGS = ["-fr", "-r -f", "-Rf", "--recursive --force", "-rfv", "-f -r", "-rf --"]


def flag_spellings(cmd: str) -> Iterator[tuple[str, str]]:
    if cmd.startswith("rm -rf ") and simple(cmd):
        rest = cmd[len("rm -rf ") :]
        for flags in RM_FLAGS:
            if flags.endswith("--") and rest.startswith("-"):
                continue
            yield f"rm {flags} {rest}", f"flags {flags}"


def path_spellings(cmd: str) -> Iterator[tuple[str, str]]:
    """`rm X` as `rm ./X`, `rm "X"`, `rm "$PWD/X"`, and from a subdirectory as `../X`."""
    words = cmd.split()
    if not simple(cmd) or len(words) < 2 or words[0] not in ("rm", "shred", "truncate", "unlink", "mv", "chmod"):
        return
    last = words[-1]
    if last.startswith(("/", "~", "$", "-", ".", '"', "'")) or "*" in last:
        return
    head = " ".join(words[:-1])
    yield f"{head} ./{last}", "dot-slash path"
    yield f'{head} "{last}"', "quoted path"
    yield f'{head} "$PWD/{last}"', "PWD path"
    yield f"{head} $(pwd)/{last}", "pwd substitution path"


def cmd_rows(pairs: list[tuple[str, str]], expect: str, *, wraps: list[tuple[str, Wrap]], per_row: int,
             spell: bool = True, subdir: bool = True) -> list[Row]:  # fmt: skip
    rows: list[Row] = []
    for index, (cmd, note) in enumerate(pairs):
        rows.append({"cmd": cmd, "expect": expect, "note": note})
        if spell:
            for variant, how in list(flag_spellings(cmd))[: 2 + index % 3]:
                rows.append({"cmd": variant, "expect": expect, "note": f"{note} ({how})"})
            for variant, how in list(path_spellings(cmd))[index % 2 :: 2]:
                rows.append({"cmd": variant, "expect": expect, "note": f"{note} ({how})"})
        for variant, how in variations(cmd, index, wraps, per_row):
            rows.append({"cmd": variant, "expect": expect, "note": f"{note} (via {how})"})
        if subdir and index % 3 == 0 and one_line(cmd) and not cmd.startswith("cd "):
            rows.append({"cmd": f"cd .. && {cmd}", "cwd": "src", "expect": expect,
                         "note": f"{note} (from src/, cd back up)"})  # fmt: skip
    return rows


def tool_input(tool: str, path: str) -> dict[str, object]:
    if tool == "Write":
        return {"file_path": path, "content": "X=1\n"}
    if tool == "Edit":
        return {"file_path": path, "old_string": "a", "new_string": "b"}
    if tool == "MultiEdit":
        return {"file_path": path, "edits": [{"old_string": "a", "new_string": "b"}]}
    return {"notebook_path": path, "new_source": "print(1)", "cell_id": "c1"}


def tool_rows(items: list[tuple[str, str, str]], expect: str) -> list[Row]:
    rows: list[Row] = []
    for index, (tool, path, note) in enumerate(items):
        rows.append({"tool": tool, "tool_input": tool_input(tool, path), "expect": expect, "note": note})
        others = [t for t in ("Write", "Edit", "MultiEdit") if t != tool]
        for other in others:
            rows.append({"tool": other, "tool_input": tool_input(other, path), "expect": expect,
                         "note": f"{note} ({other})"})  # fmt: skip
        if path.startswith("~/"):  # hosts send absolute paths
            rows.append({"tool": tool, "tool_input": tool_input(tool, "$HOME" + path[1:]), "expect": expect,
                         "note": f"{note} (absolute)"})  # fmt: skip
        if not path.startswith(("/", "~", ".")):
            rows.append({"tool": tool, "tool_input": tool_input(tool, f"$PROJECT/{path}"), "expect": expect,
                         "note": f"{note} (absolute)"})  # fmt: skip
            rows.append({"tool": tool, "tool_input": tool_input(tool, f"./{path}"), "expect": expect,
                         "note": f"{note} (dot-slash)"})  # fmt: skip
            rows.append({"tool": tool, "tool_input": tool_input(tool, f"../{path}"), "cwd": "src",
                         "expect": expect, "note": f"{note} (from src/)"})  # fmt: skip
        if index % 2 == 0:
            rows.append({"tool": "Bash", "tool_input": {"command": f"cat > {path} <<'EOF'\nX=1\nEOF"},
                         "expect": expect, "note": f"{note} (same write through Bash heredoc)"})  # fmt: skip
    return rows


def read_tool_rows() -> list[Row]:
    rows: list[Row] = []
    for tool in R.TOOLS_READ:
        for path in (".env", "~/.ssh/id_ed25519", "data/app.sqlite", ".claude/settings.json", "src/app.py"):
            key = {"Grep": "path", "Glob": "path", "LS": "path", "WebFetch": "url", "WebSearch": "query"}
            arg = key.get(tool, "file_path")
            value = path if arg != "url" else "https://example.com/docs"
            # Reading a credential store's content is `secret.read` (asked); listing names is not.
            secret = tool in ("Read", "Grep") and path in (".env", "~/.ssh/id_ed25519")
            note = f"{tool} reads a credential store" if secret else f"{tool} only reads"
            rows.append({"tool": tool, "tool_input": {arg: value}, "expect": "stop" if secret else "allow",
                         "note": note})  # fmt: skip
    return rows


def families() -> dict[str, list[Row]]:
    everyday_wraps = [w for w in NO_PRIVILEGE if w[0] not in ("exec",)]
    return {
        "files": cmd_rows(R.FILES_STOP, "stop", wraps=ALL_WRAPS, per_row=4)
        + cmd_rows(R.FILES_ALLOW, "allow", wraps=NO_PRIVILEGE, per_row=4),
        "indirection": cmd_rows(R.INDIRECTION_STOP_EXTRA, "stop", wraps=ALL_WRAPS, per_row=2, spell=False)
        + cmd_rows(R.INDIRECTION_ALLOW_EXTRA, "allow", wraps=NO_PRIVILEGE, per_row=2, spell=False)
        + cmd_rows(R.EDGE_STOP, "stop", wraps=NO_PRIVILEGE, per_row=1, spell=False)
        + cmd_rows(R.EDGE_ALLOW, "allow", wraps=NO_PRIVILEGE, per_row=1, spell=False),
        "interpreters": cmd_rows(R.INTERPRETERS_STOP, "stop", wraps=ALL_WRAPS, per_row=3)
        + cmd_rows(R.INTERPRETERS_ALLOW, "allow", wraps=NO_PRIVILEGE, per_row=3),
        "databases": cmd_rows(R.DATABASES_STOP, "stop", wraps=NO_PRIVILEGE, per_row=4)
        + cmd_rows(R.DATABASES_ALLOW, "allow", wraps=NO_PRIVILEGE, per_row=4),
        "git": cmd_rows(R.GIT_STOP, "stop", wraps=NO_PRIVILEGE, per_row=5)
        + cmd_rows(R.GIT_ALLOW, "allow", wraps=NO_PRIVILEGE, per_row=5),
        "cloud": cmd_rows(R.CLOUD_STOP, "stop", wraps=NO_PRIVILEGE, per_row=3, subdir=False)
        + cmd_rows(R.CLOUD_ALLOW, "allow", wraps=NO_PRIVILEGE, per_row=3, subdir=False),
        "infra": cmd_rows(R.INFRA_STOP, "stop", wraps=NO_PRIVILEGE, per_row=3, subdir=False)
        + cmd_rows(R.INFRA_ALLOW, "allow", wraps=NO_PRIVILEGE, per_row=3, subdir=False),
        "services": cmd_rows(R.SERVICES_STOP, "stop", wraps=NO_PRIVILEGE, per_row=3, subdir=False)
        + cmd_rows(R.SERVICES_ALLOW, "allow", wraps=NO_PRIVILEGE, per_row=3, subdir=False),
        "system": cmd_rows(R.SYSTEM_STOP, "stop", wraps=ALL_WRAPS, per_row=4, subdir=False)
        + cmd_rows(R.SYSTEM_ALLOW, "allow", wraps=ALL_WRAPS, per_row=3, subdir=False),
        "tools": tool_rows(R.TOOLS_STOP, "stop") + tool_rows(R.TOOLS_ALLOW, "allow") + read_tool_rows(),
        "guard": cmd_rows(R.GUARD_STOP, "stop", wraps=ALL_WRAPS, per_row=3)
        + cmd_rows(R.GUARD_ALLOW, "allow", wraps=NO_PRIVILEGE, per_row=2),
        "everyday": cmd_rows(R.EVERYDAY_ALLOW, "allow", wraps=everyday_wraps, per_row=3),
        "unknown": cmd_rows(R.UNKNOWN_STOP, "stop", wraps=NO_PRIVILEGE, per_row=2, spell=False)
        + cmd_rows(R.UNKNOWN_ALLOW, "allow", wraps=NO_PRIVILEGE, per_row=2, spell=False),
        "network": cmd_rows(R.NETWORK_STOP, "stop", wraps=NO_PRIVILEGE, per_row=2, spell=False)
        + cmd_rows(R.NETWORK_ALLOW, "allow", wraps=NO_PRIVILEGE, per_row=2, spell=False),
        "incidents": cmd_rows(R.INCIDENTS_STOP, "stop", wraps=NO_PRIVILEGE, per_row=3, spell=False)
        + cmd_rows(R.INCIDENTS_ALLOW, "allow", wraps=NO_PRIVILEGE, per_row=3, spell=False),
    }


def main() -> None:
    total = stop = 0
    for family, rows in families().items():
        seen: set[str] = set()
        unique = []
        for row in rows:
            key = json.dumps({k: v for k, v in row.items() if k not in ("note", "expect")}, sort_keys=True)
            if key not in seen:
                seen.add(key)
                unique.append(row)
        with (HERE / f"{family}.jsonl").open("w", encoding="utf-8") as out:
            for row in unique:
                out.write(json.dumps(row, ensure_ascii=False) + "\n")
        total += len(unique)
        stop += sum(1 for r in unique if r["expect"] == "stop")
        print(f"{family:13} {len(unique):5} rows")
    print(f"{'total':13} {total:5} rows, {stop} destructive ({100 * stop / total:.0f}%)")


if __name__ == "__main__":
    main()

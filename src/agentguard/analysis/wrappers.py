"""Commands that run another command: sudo, env, timeout, nohup, xargs, npx …

Each wrapper is described by data (which options take a value, how many leading operands it consumes) so that
`sudo -u root timeout 5 nice -n 2 rm -rf /` is seen as `rm -rf /`. The walker analyses the inner command as if
it had been typed; what the wrapper adds (a new cwd for `env -C`, a profile for `aws-vault exec`) travels in
`Unwrapped`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field

from agentguard.analysis.types import Word


@dataclass(frozen=True, slots=True)
class Spec:
    """How to find the inner command: skip options (those in `valued` take a value), then `operands` words."""

    valued: frozenset[str] = frozenset()
    operands: int = 0
    stop_at_first_operand: bool = True
    separator: str | None = None  # an option-looking word after which the command starts (`--`)
    reads_only: frozenset[str] = frozenset()  # options that make the wrapper only report (`command -v`)


def _spec(valued: str = "", operands: int = 0, reads_only: str = "", separator: str | None = None) -> Spec:
    return Spec(
        valued=frozenset(valued.split()),
        operands=operands,
        reads_only=frozenset(reads_only.split()),
        separator=separator,
    )


SPECS: dict[str, Spec] = {
    "sudo": _spec(
        "-u --user -g --group -C --close-from -D --chdir -h --host -p --prompt -r --role "
        "-t --type -T --command-timeout -U --other-user",
        reads_only="-l --list -v --validate -k --reset-timestamp -K --remove-timestamp -V --version",
    ),
    "doas": _spec("-u -C"),
    "nohup": _spec(),
    "time": _spec("-f --format -o --output"),
    "nice": _spec("-n --adjustment"),
    "ionice": _spec("-c --class -n --classdata -p --pid -P --pgid -u --uid"),
    "timeout": _spec("-s --signal -k --kill-after", operands=1),
    "stdbuf": _spec("-i --input -o --output -e --error"),
    "setsid": _spec(),
    "chrt": _spec(operands=1),
    "taskset": _spec(operands=1),  # -c only changes how the mask operand is read
    "prlimit": _spec("-p --pid -o --output", separator="--"),
    "arch": _spec("-arch -e -d"),
    "unbuffer": _spec(),
    "caffeinate": _spec("-t -w"),
    "command": _spec(reads_only="-v -V"),
    "builtin": _spec(),
    "exec": _spec("-a"),
    "busybox": _spec(),
    "runuser": _spec("-u --user -g --group -G --supp-group", separator="--"),
    "chroot": _spec("--userspec --groups", operands=1),
    "nsenter": _spec("-t --target -S --setuid -G --setgid"),
    "strace": _spec("-e -o -p -s -u -E"),
    "ltrace": _spec("-e -o -p -s -u"),
    "valgrind": _spec(),
    "proxychains": _spec("-f"),
    "proxychains4": _spec("-f"),
    "torsocks": _spec(),
    "firejail": _spec(),
    "npx": _spec("-p --package --registry --cache", reads_only="-v --version"),
    "bunx": _spec("-p --package"),
    "pnpx": _spec(),
    "uvx": _spec("--from --with --python -p --index-url"),
    "dotenv": _spec("-e -c -v", separator="--"),
    "op": _spec("--env-file", separator="--"),
    "aws-vault": _spec("-d --duration --region", operands=1, separator="--"),
    "direnv": _spec(operands=1),
    "env": _spec("-u --unset -C --chdir -S --split-string"),
    "chronic": _spec(),
    "systemd-run": _spec(
        "-p --property -u --unit --description --slice -E --setenv --uid --gid --working-directory -M --machine "
        "-H --host --on-active --on-boot --on-startup --on-unit-active --on-unit-inactive --on-calendar "
        "--timer-property --path-property --socket-property --nice -G"
    ),
    "pkexec": _spec("--user"),
    "gosu": _spec(operands=1),
    "su-exec": _spec(operands=1),
    "fakeroot": _spec("-l --lib --faked -s -i"),
    "unshare": _spec("-S --setuid -G --setgid --map-user --map-group -R --root -w --wd --propagation"),
    "cgexec": _spec("-g"),
    "screen": _spec("-S -c -t -p -X -e -h -T -L -Logfile"),
    "flock": _spec("-w --timeout -E --conflict-exit-code", operands=1),
    "xvfb-run": _spec("-n --server-num -s --server-args -f --auth-file -e --error-file -p --xauth-protocol"),
    "catchsegv": _spec(),
    "sg": _spec(operands=1),
}

# Two-word wrappers: `poetry run X`, `bundle exec X` and the like run X.
SUBCOMMAND_WRAPPERS: dict[tuple[str, str], Spec] = {
    # `agentguard migrate -- CMD` is judged as CMD: the wrapper only adds a snapshot and a way back.
    ("agentguard", "migrate"): _spec("--db --postgres --project", separator="--"),
    ("poetry", "run"): _spec(),
    ("pipenv", "run"): _spec(),
    ("pdm", "run"): _spec(),
    ("hatch", "run"): _spec(),
    ("rye", "run"): _spec(),
    ("pipx", "run"): _spec("--spec --python"),
    ("bundle", "exec"): _spec(),
    ("pnpm", "exec"): _spec(),
    ("pnpm", "dlx"): _spec(),
    ("yarn", "dlx"): _spec(),
    ("yarn", "exec"): _spec(),
    ("npm", "exec"): _spec("-p --package", separator="--"),
    ("conda", "run"): _spec("-n --name -p --prefix"),
    ("mamba", "run"): _spec("-n --name -p --prefix"),
    ("op", "run"): _spec("--env-file", separator="--"),
    ("direnv", "exec"): _spec(operands=1),
    ("aws-vault", "exec"): _spec("-d --duration --region", operands=1, separator="--"),
    ("nix", "run"): _spec(separator="--"),
    ("devbox", "run"): _spec(),
    ("mise", "exec"): _spec(separator="--"),
    ("asdf", "exec"): _spec(),
    ("docker-compose", "exec"): _spec("-u --user -w --workdir -e --env", operands=1),
}


@dataclass(frozen=True, slots=True)
class Unwrapped:
    """The inner command of a wrapper, or `reads_only` when the wrapper only reports (`command -v rm`)."""

    words: tuple[Word, ...] = ()
    reads_only: bool = False
    assignments: tuple[tuple[str, str], ...] = ()
    chdir: str | None = None
    context: dict[str, str] = field(default_factory=dict)


def find_spec(words: Sequence[Word], name: str) -> tuple[Spec, int] | None:
    """The spec for this wrapper and how many words its name takes (1 or 2)."""
    if (
        name
        in (
            "agentguard",
            "poetry",
            "pipenv",
            "pdm",
            "hatch",
            "rye",
            "pipx",
            "bundle",
            "pnpm",
            "yarn",
            "npm",
            "conda",
            "mamba",
            "op",
            "direnv",
            "aws-vault",
            "nix",
            "devbox",
            "mise",
            "asdf",
            "docker-compose",
        )
        and len(words) > 1
    ):
        spec = SUBCOMMAND_WRAPPERS.get((name, words[1].text))
        if spec is not None:
            return spec, 2
    if name in ("agentguard", "op", "direnv", "aws-vault", "pnpm", "yarn", "npm", "docker-compose"):
        return None  # only their `run`/`exec` forms wrap
    spec = SPECS.get(name)
    return (spec, 1) if spec is not None else None


def unwrap(words: Sequence[Word], name: str) -> Unwrapped | None:
    """Peel one wrapper off `words`; None when `name` is not a wrapper."""
    found = find_spec(words, name)
    if found is None:
        return None
    spec, skip = found
    if name == "env":
        return _unwrap_env(words[1:])
    rest = list(words[skip:])
    i = 0
    while i < len(rest):
        text = rest[i].text
        if spec.separator is not None and text == spec.separator:
            i += 1
            break
        if text == "--":
            i += 1
            break
        if not text.startswith("-") or text == "-":
            break
        if text in spec.reads_only or text.split("=", 1)[0] in spec.reads_only:
            return Unwrapped(reads_only=True)
        i += 2 if text in spec.valued or _bundled_value_follows(text, spec.valued) else 1
    operands = rest[i : i + spec.operands]
    inner = tuple(rest[i + spec.operands :])
    if inner and inner[0].text in ("--", spec.separator):  # `aws-vault exec PROFILE -- cmd`: after the operands
        inner = inner[1:]
    context: dict[str, str] = {}
    if name == "aws-vault" and operands:
        context["profile"] = operands[0].text
    chdir = operands[0].text if name == "direnv" and operands else None
    if name == "busybox" and not inner:
        return Unwrapped(reads_only=True)
    return Unwrapped(words=inner, chdir=chdir, context=context)


def _split_string(value: Word, rest: Sequence[Word], assignments: list[tuple[str, str]]) -> Unwrapped:
    """`env -S 'A=1 cmd args'`: the string is split into env's own arguments, then parsed again."""
    if not value.known:
        return Unwrapped(words=(value,), assignments=tuple(assignments))
    split = tuple(Word.literal(t) for t in value.text.split())
    nested = _unwrap_env(split + tuple(rest))
    return dataclasses.replace(nested, assignments=tuple(assignments) + nested.assignments)


def _bundled_value_follows(text: str, valued: frozenset[str]) -> bool:
    """`timeout -vk 1s 5 CMD`: short flags run together, the last one taking the next word as its value (as
    getopt reads them); `-vsKILL` carries its value inside the word."""
    if text.startswith("--") or len(text) < 3 or text in valued:
        return False
    for j, char in enumerate(text[1:], 1):
        if f"-{char}" in valued:
            return j == len(text) - 1
    return False


def _unwrap_env(args: Sequence[Word]) -> Unwrapped:
    assignments: list[tuple[str, str]] = []
    chdir: str | None = None
    i = 0
    while i < len(args):
        text = args[i].text
        if text in ("-u", "--unset", "-C", "--chdir", "-S", "--split-string") and i + 1 < len(args):
            if text in ("-C", "--chdir"):
                chdir = args[i + 1].text
            if text in ("-S", "--split-string"):  # the string is env's own arguments: more options, VAR=value…
                return _split_string(args[i + 1], args[i + 2 :], assignments)
            i += 2
        elif text.startswith("--chdir="):
            chdir = text.split("=", 1)[1]
            i += 1
        elif text.startswith(("--split-string=", "-S")) and text not in ("-S",):  # `env -S"CMD"`, attached
            value = text.split("=", 1)[1] if text.startswith("--") else text[2:]
            glued = Word(value, args[i].known, args[i].why)
            return _split_string(glued, args[i + 1 :], assignments)
        elif text.startswith("-"):  # `env -` is `env -i`
            i += 1
        elif "=" in text and not text.startswith("="):
            key, value = text.split("=", 1)
            assignments.append((key, value if args[i].known else ""))
            i += 1
        else:
            break
    inner = tuple(args[i:])
    if not inner:
        return Unwrapped(reads_only=True, assignments=tuple(assignments))
    return Unwrapped(words=inner, assignments=tuple(assignments), chdir=chdir)


@dataclass(frozen=True, slots=True)
class ShellText:
    """Shell code a command runs as text: `su -c CODE`, `script -c CODE`, `watch CMD…`, `ssh HOST CMD…`.

    `text` None means the code comes on stdin (`at`, `su` with no -c); `remote` names the host it runs on."""

    text: str | None
    known: bool = True
    why: str = ""
    remote: str | None = None


SSH_VALUED = frozenset("-b -c -D -E -e -F -I -i -J -L -l -m -O -o -p -Q -R -S -W -w -B".split())
WATCH_VALUED = frozenset("-n --interval -d --differences -q --equexit".split())


def shell_text(words: Sequence[Word], name: str) -> ShellText | None:
    """The shell code `words` run through `name`, or None when `name` does not run code given as text."""
    args = list(words[1:])
    if name in ("su", "script", "flock", "runuser"):
        code = _option(args, "-c", "--command")
        if code is not None:
            return _text(code)
        return ShellText(None) if name == "su" else None
    if name == "watch":
        rest = _after_options(args, WATCH_VALUED)
        return _joined(rest) if rest else None
    if name == "ssh":
        rest = _after_options(args, SSH_VALUED)
        if len(rest) < 2:
            return None  # an interactive session (or a tunnel): nothing to analyse here
        joined = _joined(rest[1:])
        return ShellText(joined.text, joined.known, joined.why, remote=rest[0].text)
    if name == "tmux":
        return _tmux(args)
    if name in ("at", "batch"):
        if _has(args, "-l", "-r", "-d", "-c"):
            return None  # lists, removes or shows jobs
        return ShellText(None, False, "the job file") if _has(args, "-f") else ShellText(None)
    return None


TMUX_VALUED = frozenset("-s -n -c -t -x -y -F -e -L -S -f -l -p".split())
TMUX_RUNS = frozenset("new new-session new-window neww split-window splitw respawn-pane respawnp run-shell run".split())


def _tmux(args: Sequence[Word]) -> ShellText | None:
    """`tmux new -d 'CMD'`, `run-shell CMD` run CMD; `send-keys 'CMD' Enter` types it into a shell."""
    rest = _after_options(args, TMUX_VALUED)
    if not rest:
        return None
    verb, rest = rest[0].text, _after_options(rest[1:], TMUX_VALUED)
    if verb in ("send-keys", "send"):
        keys = [w for w in rest if w.text not in ("Enter", "C-m", "KPEnter")]
        return _joined(keys) if keys else None
    return _joined(rest) if verb in TMUX_RUNS and rest else None


def _has(args: Sequence[Word], *names: str) -> bool:
    return any(w.text in names for w in args)


def _option(args: Sequence[Word], short: str, long: str) -> Word | None:
    for i, word in enumerate(args):
        if word.text in (short, long) and i + 1 < len(args):
            return args[i + 1]
        if word.text.startswith(long + "="):
            return Word(word.text.split("=", 1)[1], word.known, word.why)
        bundled = word.text.startswith("-") and not word.text.startswith("--") and len(word.text) > 2
        if bundled and word.text.endswith(short[1]) and i + 1 < len(args):  # `script -qc CODE`
            return args[i + 1]
    return None


def _after_options(args: Sequence[Word], valued: frozenset[str]) -> list[Word]:
    i = 0
    while i < len(args) and args[i].text.startswith("-") and args[i].text != "-":
        if args[i].text == "--":
            return list(args[i + 1 :])
        i += 2 if args[i].text in valued else 1
    return list(args[i:])


def _text(word: Word) -> ShellText:
    return ShellText(word.text) if word.known else ShellText(None, False, word.why)


def _joined(words: Sequence[Word]) -> ShellText:
    unknown = next((w for w in words if not w.known), None)
    if unknown is not None:
        return ShellText(None, False, unknown.why)
    return ShellText(" ".join(w.text for w in words))

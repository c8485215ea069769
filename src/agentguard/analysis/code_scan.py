"""Secrets and sends inside interpreter code: `python -c "requests.post(URL, data=open('.env').read())"`.

The interpreter analysers follow file, process and database calls; what the code reads from credential stores
and sends over the network is found here by a scan of the code's text, the same for every language: string
literals that name a credential store are `secret.read`, and calls that send (an HTTP POST/PUT, a raw socket,
SMTP, FTP) are `network.send` to the first host the code names. A scan can miss a path built at run time;
it does not make the code's other effects any less known.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from agentguard.analysis import secrets
from agentguard.analysis.network import host_of, send
from agentguard.analysis.types import Invocation, Word
from agentguard.analysis.verbs import DESTROY_VERBS, tokens
from agentguard.models import Effect, Kind

if TYPE_CHECKING:
    from agentguard.analysis.shell import Walker

AWKS = frozenset(["awk", "gawk", "mawk", "nawk"])
CODE_OPTIONS = frozenset(["-c", "-e", "-E", "--eval", "-p", "--print", "-r", "--command"])
STRING = re.compile(r"""(?:'([^'\n]{1,300})'|"([^"\n]{1,300})"|`([^`\n]{1,300})`)""")
SENDS = re.compile(
    r"""(?ix)
    \b(?:requests|httpx|session|client|axios|ky|got|superagent|faraday|httparty)\s*\.\s*(?:post|put|patch)\b
    | \burlopen\s*\([^)]*data\s*=
    | \bRequest\s*\([^)]*(?:data\s*=|method\s*=\s*['"](?:POST|PUT|PATCH))
    | \bmethod\s*[:=]\s*['"](?:POST|PUT|PATCH)['"]
    | \b(?:smtplib|ftplib|paramiko|telnetlib)\b | \bNet::(?:HTTP\.post|SMTP|FTP)
    | \bsocket\s*\.\s*(?:connect|create_connection|sendto)\b | \.connect\s*\(\s*\(
    | \bnew\s+(?:WebSocket|net\.Socket)\b | \bnet\.connect\b | \bfsockopen\b | \bcurl_setopt\b[^;]*POSTFIELDS
    | \bTCPSocket\.(?:new|open)\b | \bIO::Socket::INET\b | \bsocket\s*\(\s*S\b
    | \bHTTP::Request->new\s*\(\s*['"]?(?:POST|PUT) | \bLWP::UserAgent\b[^;]*->post
    """
)
SOCKETS = re.compile(
    r"[.:](?:connect|bind|listen|accept)\s*\(|/inet6?/(?:tcp|udp)/|\bcreate_connection\b|\bTCPSocket\.(?:new|open)|\bTCPServer\b"
    r"|\bIO::Socket::INET\b|\bfsockopen\b|\bnet\.(?:connect|createConnection|createServer)\b|\bconnect\s*\(\s*S\b"
)
SPAWNS_SHELL = re.compile(
    r"""/bin/(?:ba|z|da)?sh\b|['"](?:ba|z)?sh['"]|\bsh\s+-i\b|cmd\.exe|pty\.spawn|\bdup2\b|\bsystem\s*[($"']"""
    r"""|\bexec\s*[("']|subprocess|child_process|\bpopen\b|proc_open|shell_exec|passthru|IO\.popen|os\.execute"""
    r"""|Runtime\.getRuntime|\|&"""
)
URL = re.compile(r"""\b(?:https?|wss?|ftp)://[^\s'"`)]+""")
# Code that loads agentguard's own modules can call what its CLI keeps from the agent (write_mode, the ledger's
# writer, the snapshot store) without any file path the gate would see.
IMPORTS_GUARD = re.compile(
    r"""\b(?:import|from)\s+agentguard\b|(?:__import__|import_module|require)\s*\(\s*['"]agentguard\b"""
)


CALL = re.compile(r"(?:([A-Za-z_]\w*)\s*\.\s*)?([A-Za-z_]\w*)\s*\(")
# Receivers of file calls: the interpreter analysers judge those by the paths they touch.
FILE_RECEIVERS = frozenset("File FileUtils fs fse fsp promises os shutil path Path pathlib Dir io file".split())
WEAK_VERBS = frozenset("clear remove kill reset disable cancel deregister unregister detach".split())


def code_of(inv: Invocation, walker: Walker) -> tuple[str | None, bool]:
    """The code an interpreter runs (its -c/-e text, the script it names, or the stdin it reads), and whether
    it was written on the command line (inline or a heredoc) rather than read from a script file."""
    args = inv.args
    if inv.name in AWKS:  # awk's program is its first operand (gawk also speaks /inet/tcp)
        program = next((w for w in args if not w.text.startswith("-")), None)
        return (program.text if program is not None and program.known else None), True
    for i, word in enumerate(args):
        if word.text in CODE_OPTIONS and i + 1 < len(args):
            return (args[i + 1].text if args[i + 1].known else None), True
        if word.text == "eval" and i + 1 < len(args) and inv.name == "deno":
            return args[i + 1].text, True
    operands = [w for w in args if not w.text.startswith("-")]
    if operands and operands[0].known and operands[0].text != "-" and inv.name != "osascript":
        return walker.read_text(operands[0].text, inv.cwd), False
    return inv.stdin.text, True


# Interpreters whose file calls an analyser already judges by path (interpreters/): the others' are found here.
MODELLED = frozenset("python python3 python2 pypy pypy3 node nodejs deno bun perl ruby php".split())


def destroying_calls(code: str, *, modelled: bool = True) -> list[str]:
    """API calls named for destroying in code written on the command line: `stripe.Customer.delete(id)`,
    `index.clearObjects()`, `client.drop_database('x')`, `r.flushall()`. A weak verb (clear, remove, reset)
    counts only as part of a longer name: `list.remove(x)` and `d.clear()` are data, not resources."""
    found: list[str] = []
    for receiver, name in CALL.findall(code):
        if receiver in FILE_RECEIVERS and modelled:
            continue
        words = tokens(name)
        if not modelled and receiver in FILE_RECEIVERS and words and words[0] in ("remove", "unlink", "rmdir"):
            found.append(f"{receiver}.{name}")  # lua's os.remove, R's file.remove: no analyser sees the path
            continue
        strong = [t for t in words if t in DESTROY_VERBS and t not in WEAK_VERBS and t not in ("rm", "unlink")]
        weak = [t for t in words if t in WEAK_VERBS]
        if strong or (weak and len(words) > 1):
            found.append(f"{receiver}.{name}" if receiver else name)
    return found


def scan(inv: Invocation, walker: Walker) -> list[Effect]:
    """The secrets the code names and the sends it makes."""
    code, inline = code_of(inv, walker)
    if not code:
        return []
    literals = [next(g for g in m.groups() if g is not None) for m in STRING.finditer(code)]
    home = walker.home
    named = [home + t[1:] if t.startswith("~/") else t for t in literals if "/" in t or t.startswith(".")
             or secrets.is_secret(t)]  # fmt: skip
    effects = secrets.read_effects([Word.literal(t) for t in named], inv, f"{inv.name} code reads a credential store")
    if SOCKETS.search(code) and SPAWNS_SHELL.search(code):  # a socket wired to a shell: a reverse shell
        return [Effect.make(Kind.NETWORK_SHELL, inv.name, f"{inv.name} code connects a shell to a socket",
                            source=inv.source), *effects]  # fmt: skip
    if SENDS.search(code):
        url = URL.search(code)
        effects.append(send(host_of(url.group(0)) if url else "", f"{inv.name} code sends data", inv))
    if IMPORTS_GUARD.search(code):
        effects.append(_guard_code(inv, inline))
    calls = destroying_calls(code, modelled=inv.name in MODELLED) if inline else []
    if calls:
        effects.append(Effect.make(Kind.EXEC_MUTATE, calls[0], f"{inv.name} code calls {calls[0]}()",
                                   source=inv.source))  # fmt: skip
    return [e for e in effects if e.kind != Kind.READ or e.ctx("holds_secret") is None]


def _guard_code(inv: Invocation, inline: bool) -> Effect:
    """Inline code that imports agentguard is how an agent would reach past the CLI: denied (guard.tamper). A
    script file that does (agentguard's own benchmarks, a plugin) is asked about instead."""
    if inline:
        return Effect.make(Kind.GUARD_TAMPER, "agentguard", f"{inv.name} code imports agentguard's own modules "
                           "(they can change its mode, ledger and snapshots)", source=inv.source)  # fmt: skip
    return Effect.make(Kind.EXEC_MUTATE, "agentguard", f"{inv.name} runs a script that imports agentguard's own "
                       "modules (they can change its mode, ledger and snapshots)", source=inv.source)  # fmt: skip


EXPECT_SPAWN = re.compile(r"(?:^|[;\n{])\s*(?:spawn|exec)\s+(?:-\w+\s+)*([^;\n}]+)")
EX_SHELL = re.compile(r"^:*\s*(?:\d*,?\d*)?\s*(?:r(?:ead)?\s*|w(?:rite)?\s*|silent!?\s*)?!(.+)$")


def embedded_shell(inv: Invocation) -> list[str]:
    """Shell commands a program runs from its own script language: expect's `spawn CMD` / `exec CMD`, and vim's
    `-c ':!CMD'`, `+'!CMD'`, `:r !CMD`, `:w !CMD`."""
    args = inv.args
    if inv.name == "expect":
        code = next((args[i + 1].text for i, w in enumerate(args[:-1]) if w.text == "-c" and args[i + 1].known), "")
        return [m.group(1).strip().strip("{}\"'") for m in EXPECT_SPAWN.finditer(code)]
    if inv.name not in ("vim", "vi", "nvim", "ex", "view", "gvim", "vimdiff"):
        return []
    commands = [args[i + 1].text for i, w in enumerate(args[:-1]) if w.text in ("-c", "--cmd") and args[i + 1].known]
    commands += [w.text[1:] for w in args if w.text.startswith("+") and w.known]
    return [m.group(1).strip() for c in commands for part in c.split("|") if (m := EX_SHELL.match(part.strip()))]

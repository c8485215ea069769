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
from agentguard.models import Effect, Kind

if TYPE_CHECKING:
    from agentguard.analysis.shell import Walker

INTERPRETERS = frozenset(
    """python python3 python2 pypy pypy3 node nodejs deno bun perl ruby php lua luajit Rscript osascript
    tclsh jshell groovy""".split()
)
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
    | \bHTTP::Request->new\s*\(\s*['"]?(?:POST|PUT) | \bLWP::UserAgent\b[^;]*->post
    """
)
URL = re.compile(r"""\b(?:https?|wss?|ftp)://[^\s'"`)]+""")


def code_of(inv: Invocation, walker: Walker) -> str | None:
    """The code an interpreter runs: its -c/-e text, the script it names, or the stdin it reads."""
    args = inv.args
    for i, word in enumerate(args):
        if word.text in CODE_OPTIONS and i + 1 < len(args):
            return args[i + 1].text if args[i + 1].known else None
        if word.text == "eval" and i + 1 < len(args) and inv.name == "deno":
            return args[i + 1].text
    operands = [w for w in args if not w.text.startswith("-")]
    if operands and operands[0].known and inv.name != "osascript":
        return walker.read_text(operands[0].text, inv.cwd)
    return inv.stdin.text


def scan(inv: Invocation, walker: Walker) -> list[Effect]:
    """The secrets the code names and the sends it makes."""
    code = code_of(inv, walker)
    if not code:
        return []
    literals = [next(g for g in m.groups() if g is not None) for m in STRING.finditer(code)]
    home = walker.home
    named = [home + t[1:] if t.startswith("~/") else t for t in literals if "/" in t or t.startswith(".")
             or secrets.is_secret(t)]  # fmt: skip
    effects = secrets.read_effects([Word.literal(t) for t in named], inv, f"{inv.name} code reads a credential store")
    if SENDS.search(code):
        url = URL.search(code)
        effects.append(send(host_of(url.group(0)) if url else "", f"{inv.name} code sends data", inv))
    return [e for e in effects if e.kind != Kind.READ or e.ctx("holds_secret") is None]

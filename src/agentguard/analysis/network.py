"""Sends to other hosts: uploads, writes through HTTP, copies to a remote, raw connections, remote shells.

A download is a read; a request that carries data (`curl -d`, `-F`, `-T`, a method other than GET/HEAD, wget
--post-file, httpie's `POST` or `field=value` items), a copy to `host:path` (scp, rsync, sftp), a raw connection
(nc, ncat, socat, `/dev/tcp/HOST/PORT`) and a command run over ssh are `network.send`, with the host in
the context so a policy can let loopback through. A connection or listener that hands a shell to the other side
(`nc -e /bin/sh`, `socat TCP-LISTEN:… EXEC:sh`, `bash -i >& /dev/tcp/…`) is `network.shell`. The files a send
carries are read like `cat` reads them (secrets.py), so flows.py can see a secret leave.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from agentguard.analysis import secrets, verbs
from agentguard.analysis.types import Invocation, Word
from agentguard.models import Effect, Kind

LOOPBACK = frozenset(["localhost", "127.0.0.1", "::1", "0.0.0.0", "ip6-localhost"])
READ_METHODS = frozenset(["GET", "HEAD", "OPTIONS"])
CURL_DATA = frozenset(
    """-d --data --data-ascii --data-binary --data-raw --data-urlencode --json -F --form --form-string -T
    --upload-file""".split()
)
WGET_DATA = frozenset(["--post-data", "--post-file", "--body-data", "--body-file"])
HTTPIE_METHODS = frozenset(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"])
SHELL_PATHS = re.compile(r"(?:^|/)(?:ba|z|da|k|c|tc|fi)?sh\b|cmd(?:\.exe)?$|powershell|pwsh")


def host_of(url: str) -> str:
    """`https://user@api.example.com:443/x` → api.example.com; `:9200/x` (httpie) → localhost."""
    if url.startswith(":"):
        return "localhost"
    rest = url.split("://", 1)[-1]
    host = re.split(r"[/?#]", rest, maxsplit=1)[0].rsplit("@", 1)[-1]
    if host.startswith("["):  # an IPv6 literal: `[::1]:8080`
        return host[1:].split("]", 1)[0].lower()
    return host.split(":", 1)[0].lower()


def is_loopback(host: str) -> bool:
    return host in LOOPBACK or host.startswith("127.")


def send(host: str, what: str, inv: Invocation) -> Effect:
    return Effect.make(Kind.NETWORK_SEND, host or "a remote host", what, source=inv.source,
                       context={"host": host or "?"})  # fmt: skip


CURL_VALUED = CURL_DATA | frozenset(
    """-X --request -H --header -o --output -u --user -A --user-agent -e --referer -b --cookie -c --cookie-jar -m
    --max-time --connect-timeout -w --write-out -x --proxy --cacert --cert --key -K --config --resolve --retry -r
    --range -E -Y -y -z --limit-rate --url -O --output-document --post-data --post-file --body-data --body-file
    --method --header -U --user-agent -t --tries -T --timeout -P --directory-prefix""".split()
)


def _url(args: Sequence[Word]) -> str:
    """The URL: a word with `://`, else the first operand (`localhost:3000/x`, `evil.example`)."""
    explicit = next((w.text for w in args if "://" in w.text and not w.text.startswith("-")), None)
    if explicit is not None:
        return explicit
    skip = False
    for word in args:
        text = word.text
        if skip:
            skip = False
            if text.startswith("http") or "://" in text:
                return text
        elif text.startswith("-"):
            skip = text in CURL_VALUED
        elif word.known and text:
            return text
    return ""


def _flag_values(args: Sequence[Word], names: frozenset[str]) -> list[Word] | None:
    """Values of the options in `names` (`-d X`, `--data=X`, bundled `-sFname=@x`); None when none is given."""
    values: list[Word] | None = None
    for i, word in enumerate(args):
        text = word.text
        name, _, inline = text.partition("=")
        if text in names and i + 1 < len(args):
            values = (values or []) + [args[i + 1]]
        elif text.startswith("--") and name in names:
            values = (values or []) + [Word(inline, word.known, word.why)]
        elif not text.startswith("--") and text.startswith("-") and len(text) > 2:
            short = next((j for j, c in enumerate(text[1:], 1) if f"-{c}" in names), None)
            if short is not None:
                value = Word(text[short + 1 :], word.known, word.why) if short + 1 < len(text) else None
                value = value or (args[i + 1] if i + 1 < len(args) else Word(""))
                values = (values or []) + [value]
    return values


def curl(inv: Invocation) -> list[Effect]:
    """What curl sends: data, forms and uploads (with the files they name), and methods that change things."""
    args = inv.args
    url = _url(args)
    host = host_of(url) if url else ""
    effects: list[Effect] = []
    data = _flag_values(args, CURL_DATA)
    method = (_flag_values(args, frozenset(["-X", "--request"])) or [Word("")])[-1].text.upper()
    if data is not None and not method and _graphql_query(url, data):
        return effects
    if data is not None or (method and method not in READ_METHODS):
        effects.append(send(host, f"curl sends data ({method or 'POST'})", inv))
        uploads = _flag_values(args, frozenset(["-T", "--upload-file"])) or []
        # `-F 'f=@path;type=text/plain'`: the file is up to the first `;`
        attached = [Word(w.text.split("@", 1)[1].split(";", 1)[0], w.known, w.why) for w in data or [] if "@" in w.text]
        effects += secrets.read_effects([f for f in [*uploads, *attached] if f.text not in ("-", "")], inv,
                                        "curl uploads a credential store", packs=True)  # fmt: skip
        effects += _destroying_url(url, inv)
    if url.startswith("file://"):
        effects += secrets.read_effects([Word(url[7:])], inv, "curl reads a credential store")
    return effects


def _graphql_query(url: str, data: Sequence[Word]) -> bool:
    """A GraphQL query (not a mutation) posted to a `/graphql` endpoint only reads."""
    body = " ".join(w.text for w in data)
    return url.rstrip("/").endswith("graphql") and all(w.known for w in data) and "@" not in body \
        and "mutation" not in body.lower() and "query" in body  # fmt: skip


def wget(inv: Invocation) -> list[Effect]:
    args = inv.args
    url = _url(args)
    data = _flag_values(args, WGET_DATA)
    method = (_flag_values(args, frozenset(["--method"])) or [Word("")])[-1].text.upper()
    posts = any(w.text.startswith(("--post-", "--body-")) for w in args)  # wget accepts `--post-f=FILE`
    if data is None and not posts and (not method or method in READ_METHODS):
        return []
    files = [
        Word(w.text.split("=", 1)[1]) for w in args if w.text.startswith(("--post-f", "--body-f")) and "=" in w.text
    ]
    files += [args[i + 1] for i, w in enumerate(args[:-1]) if w.text in ("--post-file", "--body-file")]
    return [send(host_of(url), "wget sends data", inv), *_destroying_url(url, inv),
            *secrets.read_effects(files, inv, "wget uploads a credential store")]  # fmt: skip


def _destroying_url(url: str, inv: Invocation) -> list[Effect]:
    """`POST …/_delete_by_query`, `…/doDelete`: an API endpoint named for destroying, on any host."""
    path = url.split("://", 1)[-1].partition("/")[2].split("?", 1)[0]
    found = next((t for t in verbs.tokens(path) if t in verbs.DESTROY_VERBS), None)
    if found is None:
        return []
    return [Effect.make(Kind.EXEC_MUTATE, url, f"calls an endpoint that names {found!r}", source=inv.source)]


def httpie(inv: Invocation) -> list[Effect]:
    """httpie/xh: `http POST :9200/x`, `http example.com name=value` send; a bare URL reads."""
    operands = [w.text for w in inv.args if not w.text.startswith("-")]
    method = operands[0] if operands and operands[0].upper() in HTTPIE_METHODS else ""
    rest = operands[1:] if method else operands
    url = rest[0] if rest else ""
    items = any(re.match(r"^[\w.\[\]-]+(?::=|=|@|:=@)", t) for t in rest[1:])
    if (method.upper() in READ_METHODS or not method) and not items:
        return []
    return [send(host_of(url), f"{inv.name} sends data ({method.upper() or 'POST'})", inv),
            *_destroying_url(url if "://" in url else "x://" + url, inv)]  # fmt: skip


def remote_copy(inv: Invocation) -> list[Effect]:
    """scp/sftp/rsync/rclone: a copy whose destination is `host:path` sends what it copies to that host."""
    operands = [w for w in inv.args if not w.text.startswith("-")]
    if len(operands) < 2:
        return []
    dest = operands[-1].text
    host = _remote_host(dest)
    if host is None:
        return []
    sources = operands[:-1]
    return [send(host, f"{inv.name} copies files to {dest}", inv),
            *secrets.read_effects(sources, inv, f"{inv.name} sends a credential store", packs=True)]  # fmt: skip


def _remote_host(text: str) -> str | None:
    """`user@host:/path` → host; a local path (`./a:b`, `/x`, `C:\\x`) → None."""
    match = re.match(r"^(?:[\w.-]+@)?(\[[^\]]+\]|[\w.-]+):", text)
    if match is None or text.startswith(("/", ".")) or re.match(r"^[A-Za-z]:[\\/]", text):
        return None
    return match.group(1)


def netcat(inv: Invocation) -> list[Effect]:
    """nc/ncat/netcat: `-e/-c/--exec/--sh-exec` hand a shell to the peer; any other use opens a connection."""
    texts = [w.text for w in inv.args]
    executes = any(t in ("-e", "-c", "--exec", "--sh-exec", "--lua-exec") or t.startswith(("--exec=", "--sh-exec="))
                   or (t.startswith("-") and not t.startswith("--") and t[-1] in "ec" and len(t) > 2)
                   for t in texts)  # fmt: skip
    operands = [t for t in texts if not t.startswith("-")]
    host = next((t for t in operands if not t.isdigit()), "")
    if executes:
        return [Effect.make(Kind.NETWORK_SHELL, host or "a listener", f"{inv.name} runs a program for the peer",
                            source=inv.source)]  # fmt: skip
    listens = any(t in ("-l", "--listen") or (t.startswith("-") and "l" in t and not t.startswith("--")) for t in texts)
    if listens:
        return [send("", f"{inv.name} listens and serves what it is given", inv)]
    if host and not any(t in ("-z", "-zv", "-vz") for t in texts):
        return [send(host_of(host), f"{inv.name} sends to {host}", inv)]
    return []


SOCAT_NETWORK = re.compile(r"^(?i:tcp|udp|sctp|dccp|openssl|ssl|socks|proxy|ip|vsock)[\w-]*:")
SOCAT_EXEC = re.compile(r"^(?i:exec|system):")


def socat(inv: Invocation) -> list[Effect]:
    """socat ADDR1 ADDR2: EXEC/SYSTEM joined to a network address is a remote shell; else a network address (or a
    unix socket) is a send, and an EXEC runs its command here."""
    addresses = [w.text for w in inv.args if not w.text.startswith("-") or w.text == "-"]
    network = [a for a in addresses if SOCAT_NETWORK.match(a)]
    execs = [a.split(":", 1)[1] for a in addresses if SOCAT_EXEC.match(a)]
    if network and execs:
        return [Effect.make(Kind.NETWORK_SHELL, network[0], "socat joins a network connection to a program",
                            source=inv.source)]  # fmt: skip
    effects: list[Effect] = []
    for address in network:
        host = address.split(":", 2)[1] if address.count(":") >= 2 else ""
        effects.append(send(host.lower(), f"socat connects to {address}", inv))
    sockets = [a for a in addresses if a.startswith(("/", "UNIX", "unix", "ABSTRACT"))]
    if sockets and not network:  # a local control socket (haproxy, docker): judged by the command sent to it
        effects += _socket_command(sockets[0], inv)
    files = [
        Word(a.split(":", 1)[1].split(",", 1)[0])
        for a in addresses
        if a.upper().startswith(("OPEN:", "FILE:", "GOPEN:"))
    ]
    effects += secrets.read_effects(files, inv, "socat reads a credential store")
    return effects


def _socket_command(socket: str, inv: Invocation) -> list[Effect]:
    """`echo 'disable server web1' | socat stdio /run/haproxy.sock`: the text sent is an admin command; a
    destroying verb in it is `exec.mutate`, an unknown text is unknown, a read (`show stat`) is nothing."""
    text = inv.stdin.text
    if text is None:
        return [] if inv.stdin.origin == "none" else [
            Effect.unknown(f"sends text not known before it runs to {socket}", inv.source)]  # fmt: skip
    found = next((t for t in verbs.tokens(text) if t in verbs.DESTROY_VERBS), None)
    if found is None:
        return []
    return [Effect.make(Kind.EXEC_MUTATE, socket, f"sends the command {text.strip()!r} to a control socket",
                        source=inv.source)]  # fmt: skip


def ssh_options(inv: Invocation) -> list[str]:
    """Local shell code in ssh options: `-o ProxyCommand=…`, `-oLocalCommand=…`, scp `-oProxyCommand=…`."""
    codes: list[str] = []
    for i, word in enumerate(inv.args):
        text = word.text
        value = text
        if text == "-o" and i + 1 < len(inv.args):
            value = inv.args[i + 1].text
        match = re.search(r"(?i)(?:ProxyCommand|LocalCommand|KnownHostsCommand)[= ](.*)", value)
        if match and (text.startswith("-") or value is not text):
            codes.append(match.group(1))
    return codes


def mailer(inv: Invocation) -> list[Effect]:
    """mail/mailx/sendmail/mutt: a message (its stdin and attachments) goes to the recipients' mail servers."""
    recipients = [w.text for w in inv.args if "@" in w.text and not w.text.startswith("-")]
    host = recipients[0].rsplit("@", 1)[1] if recipients else ""
    return [send(host.lower(), f"{inv.name} sends mail", inv)]


def connector(inv: Invocation) -> list[Effect]:
    """telnet HOST, `openssl s_client -connect HOST:PORT`, ftp/lftp/tftp/smbclient: a session with another host
    that carries whatever it is given (stdin, `put` commands)."""
    texts = [w.text for w in inv.args]
    if inv.name in ("openssl", "telnet") and inv.stdin.origin == "none":
        return []  # an interactive session or a handshake probe: nothing is handed to it
    if inv.name == "openssl":
        if not texts or texts[0] != "s_client":
            return []
        target = next((texts[i + 1] for i, t in enumerate(texts[:-1]) if t == "-connect"), "")
        return [send(host_of(target) if target else "", "openssl s_client connects to another host", inv)]
    operands = [t for t in texts if not t.startswith("-")]
    host = operands[0] if operands else ""
    return [send(host_of(host.lstrip("/")) if host else "", f"{inv.name} opens a session with {host or 'a host'}",
                 inv)]  # fmt: skip


SSH_VALUED = frozenset("-b -c -D -E -e -F -I -i -J -L -l -m -O -o -p -Q -R -S -W -w -B".split())


def ssh_session(inv: Invocation) -> list[Effect]:
    """`ssh HOST < script`: with no command, the remote shell runs (and receives) whatever stdin holds. (With a
    command, dispatch.py sends it and analyses it as code run there.)"""
    operands: list[str] = []
    skip = False
    for word in inv.args:
        if skip:
            skip = False
        elif word.text.startswith("-"):
            skip = word.text in SSH_VALUED
        else:
            operands.append(word.text)
    if len(operands) != 1 or inv.stdin.origin == "none":
        return []
    return [send(host_of(operands[0]), f"ssh feeds its input to a shell on {operands[0]}", inv)]


def sftp(inv: Invocation) -> list[Effect]:
    """sftp copies like scp with two operands; with one (a host) it runs the commands it reads (`put .env`)."""
    return remote_copy(inv) or ssh_session(inv)


def contact(inv: Invocation) -> list[Effect]:
    operands = [w.text for w in inv.args if not w.text.startswith("-") and not w.text.startswith("@")]
    url = _url(inv.args) if inv.name in ("curl", "wget") else (operands[-1] if operands else "")
    if not url:
        return []
    host = host_of(url)
    return [Effect.make(Kind.READ, host, f"{inv.name} contacts {host}", source=inv.source,
                        context={"host": host, "channel": "lookup"})]  # fmt: skip


HANDLERS = {"curl": curl, "wget": wget, "http": httpie, "https": httpie, "xh": httpie, "xhs": httpie,
            "scp": remote_copy, "rsync": remote_copy, "nc": netcat, "ncat": netcat,
            "netcat": netcat, "socat": socat, "mail": mailer, "mailx": mailer, "sendmail": mailer, "mutt": mailer,
            "telnet": connector, "openssl": connector, "ftp": connector, "lftp": connector, "tftp": connector,
            "smbclient": connector, "ssh": ssh_session, "sftp": sftp}  # fmt: skip
# Options whose value is shell code the command runs here: rsync's remote shell, ssh's proxy and local commands.
RSH_OPTIONS = frozenset(["-e", "--rsh"])


def local_code(inv: Invocation) -> list[str]:
    """Shell code a network tool runs on this machine before it connects."""
    codes = ssh_options(inv) if inv.name in ("ssh", "scp", "sftp", "rsync") else []
    if inv.name == "rsync":
        codes += [w.text for w in _flag_values(inv.args, RSH_OPTIONS) or []]
    if inv.name == "socat":
        codes += [a.split(":", 1)[1] for a in (w.text for w in inv.args) if SOCAT_EXEC.match(a)]
    return codes


def is_shell_path(text: str) -> bool:
    return bool(SHELL_PATHS.search(text))

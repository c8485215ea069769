"""Where a database command runs: DSNs, conninfo strings, host/port/user options and environment."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, unquote, urlsplit

from agentguard.analysis.databases.common import NO_VALUE
from agentguard.analysis.databases.options import Parsed
from agentguard.analysis.types import Invocation


def url_context(url: str) -> dict[str, str]:
    """host/port/database/user of a connection URL (postgres://, mysql://, mongodb+srv://, redis://, jdbc:…),
    and the URL itself as `dsn` with its password masked."""
    text = url[5:] if url.startswith("jdbc:") else url
    out: dict[str, str] = {"dsn": _mask(url)}
    try:
        parts = urlsplit(text)
        userinfo, _, hosts = parts.netloc.rpartition("@")
        query = parse_qs(parts.query)
    except ValueError:
        return out
    if userinfo:
        out["user"] = unquote(userinfo.split(":", 1)[0])
    host, port = _host_port(hosts)
    out["host"] = host or query.get("host", [""])[0]
    out["port"] = port
    out["database"] = unquote(parts.path.lstrip("/").split("/", 1)[0]) or query.get("dbname", [""])[0]
    return clean_context(out)


def conninfo_context(text: str) -> dict[str, str]:
    """libpq keyword form: `host=db1 port=5432 dbname=app user=me`."""
    pairs = dict(re.findall(r"(\w+)\s*=\s*('(?:[^'\\]|\\.)*'|\S+)", text))

    def get(*keys: str) -> str:
        return next((pairs[k].strip("'") for k in keys if k in pairs), "")

    masked = re.sub(r"(password\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)", r"\1***", text)
    return clean_context(
        {
            "host": get("host", "hostaddr"),
            "port": get("port"),
            "database": get("dbname"),
            "user": get("user"),
            "dsn": masked,
        }
    )


def target_context(text: str) -> dict[str, str]:
    """A database operand: a URL, a libpq conninfo string, or a plain database name."""
    if "://" in text:
        return url_context(text)
    if re.match(r"\s*\w+\s*=", text):
        return conninfo_context(text)
    return clean_context({"database": text})


def _host_port(hosts: str) -> tuple[str, str]:
    if "," in hosts or not hosts:
        return hosts, ""
    if hosts.startswith("["):
        host, _, rest = hosts[1:].partition("]")
        return host, rest.lstrip(":")
    host, _, port = hosts.partition(":")
    return host, port


def _mask(url: str) -> str:
    return re.sub(r"(://[^:/@]*:)[^@/]*@", r"\1***@", url)


def clean_context(pairs: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in pairs.items() if v}


def env_context(inv: Invocation, mapping: dict[str, str]) -> dict[str, str]:
    """Context from `VAR=value` prefixes (PGHOST, MYSQL_HOST…): only what the command line shows."""
    out: dict[str, str] = {}
    for name, value in inv.assignments:
        key = mapping.get(name)
        if key == "url" and value:
            out.update(url_context(value))
        elif key and value:
            out[key] = value
    return out


def merge_contexts(*contexts: dict[str, str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for context in contexts:
        out.update(clean_context(context))
    return out


def opt_context(parsed: Parsed, keys: dict[str, str]) -> dict[str, str]:
    """Context from options: {"-h": "host", "--host": "host", …}."""
    out: dict[str, str] = {}
    for name, word in parsed.items:
        key = keys.get(name)
        if key and word is not NO_VALUE and word.known and word.text:
            if key == "url":
                out.update(target_context(word.text))
            else:
                out[key] = word.text
    return out

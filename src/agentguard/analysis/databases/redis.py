"""redis-cli / valkey-cli: FLUSHALL, FLUSHDB, DEL patterns, EVAL scripts, cluster and replication commands."""

from __future__ import annotations

import re
from collections.abc import Callable

from agentguard.analysis.databases.common import (
    Conn,
    db_effect,
    db_unknown,
    interactive_session,
    read_sql_file,
    split_words,
    stdin_text,
    write_output_file,
)
from agentguard.analysis.databases.options import Parsed, parse_args
from agentguard.analysis.databases.targets import env_context, merge_contexts, opt_context
from agentguard.analysis.types import Context, Invocation, Word
from agentguard.models import Effect, Kind

REDIS_VALUED = (
    "-h -p -s -a -u -r -i -n -d -D -t --user --pass --pattern --count --quoted-pattern --eval --rdb "
    "--functions-rdb --memkeys-samples --cacert --cacertdir --cert --key --tls-ciphers "
    "--tls-ciphersuites --sni --lru-test --intrinsic-latency --pipe-timeout --show-pushes "
    "--keystats-samples --cursor --top"
)


REDIS_READ = frozenset(
    "GET MGET GETRANGE SUBSTR STRLEN EXISTS TYPE TTL PTTL EXPIRETIME PEXPIRETIME KEYS SCAN SSCAN HSCAN ZSCAN HGET "
    "HGETALL HMGET HKEYS HVALS HLEN HEXISTS HSTRLEN HRANDFIELD LRANGE LLEN LINDEX LPOS SMEMBERS SISMEMBER "
    "SMISMEMBER SCARD SRANDMEMBER SINTER SUNION SDIFF SINTERCARD ZRANGE ZRANGEBYSCORE ZREVRANGE ZREVRANGEBYSCORE "
    "ZRANGEBYLEX ZREVRANGEBYLEX ZCARD ZSCORE ZMSCORE ZRANK ZREVRANK ZCOUNT ZLEXCOUNT ZRANDMEMBER ZUNION ZINTER "
    "ZDIFF XRANGE XREVRANGE XLEN XREAD XPENDING INFO PING ECHO DBSIZE TIME LASTSAVE MONITOR RANDOMKEY DUMP "
    "SUBSCRIBE PSUBSCRIBE SSUBSCRIBE UNSUBSCRIBE PUNSUBSCRIBE BITCOUNT BITPOS GETBIT BITFIELD_RO PFCOUNT GEOPOS "
    "GEODIST GEORADIUS_RO GEORADIUSBYMEMBER_RO GEOSEARCH GEOHASH ROLE AUTH HELLO SELECT QUIT RESET LOLWUT "
    "SORT_RO TOUCH WAIT WAITAOF LCS OBJECT XINFO PUBSUB COMMAND MULTI EXEC DISCARD WATCH UNWATCH READONLY "
    "READWRITE FT.SEARCH FT.AGGREGATE FT.INFO FT._LIST FT.EXPLAIN JSON.GET JSON.MGET JSON.TYPE JSON.STRLEN "
    "JSON.OBJKEYS JSON.OBJLEN JSON.ARRLEN TS.GET TS.MGET TS.RANGE TS.MRANGE TS.REVRANGE TS.INFO TS.QUERYINDEX "
    "BF.EXISTS BF.MEXISTS CF.EXISTS GRAPH.QUERY_RO GRAPH.LIST".split()
)


REDIS_READ_SUBCOMMANDS = {
    "CONFIG": {"GET", "HELP"},
    "CLIENT": {"LIST", "INFO", "GETNAME", "ID", "TRACKINGINFO", "GETREDIR", "HELP"},
    "CLUSTER": {
        "INFO",
        "NODES",
        "SLOTS",
        "SHARDS",
        "MYID",
        "MYSHARDID",
        "KEYSLOT",
        "COUNTKEYSINSLOT",
        "GETKEYSINSLOT",
        "LINKS",
        "REPLICAS",
        "SLAVES",
        "COUNT-FAILURE-REPORTS",
        "HELP",
    },
    "SCRIPT": {"EXISTS", "HELP"},
    "FUNCTION": {"LIST", "DUMP", "STATS", "HELP"},
    "ACL": {"LIST", "USERS", "WHOAMI", "GETUSER", "CAT", "LOG", "GENPASS", "DRYRUN", "HELP"},
    "SLOWLOG": {"GET", "LEN", "HELP"},
    "MEMORY": {"USAGE", "STATS", "DOCTOR", "MALLOC-STATS", "HELP"},
    "MODULE": {"LIST", "HELP"},
    "LATENCY": {"LATEST", "HISTORY", "DOCTOR", "GRAPH", "HISTOGRAM", "HELP"},
    "XGROUP": {"HELP"},
}


REDIS_CONTAINERS = frozenset(REDIS_READ_SUBCOMMANDS) | {"XGROUP", "OBJECT", "XINFO", "PUBSUB", "COMMAND", "DEBUG"}


REDIS_MODES_READ = (
    "--scan",
    "--bigkeys",
    "--memkeys",
    "--hotkeys",
    "--keystats",
    "--stat",
    "--latency",
    "--latency-history",
    "--latency-dist",
    "--intrinsic-latency",
    "--replica",
    "--slave",
)


def redis_cli(inv: Invocation, ctx: Context) -> list[Effect]:
    args = list(inv.args)
    cluster = next((i for i, w in enumerate(args) if w.text == "--cluster"), None)
    parsed = parse_args(args[:cluster] if cluster is not None else args, REDIS_VALUED)
    context = merge_contexts(
        env_context(inv, {"REDIS_URL": "url"}),
        opt_context(
            parsed, {"-h": "host", "-p": "port", "-n": "database", "--user": "user", "-u": "url", "-s": "host"}
        ),
    )
    conn = Conn(None, f"redis {context.get('host', 'localhost')}", context, None, inv.cwd)
    if parsed.has("--version", "-v", "--help"):
        return [db_effect(Kind.READ, inv.name, "shows version or help", inv)]
    if cluster is not None:
        return _redis_cluster([w for w in args[cluster + 1 :]], inv, conn)
    effects = _redis_files(parsed, inv, ctx, conn)
    if parsed.operands:
        return effects + _redis_command(parsed.operands, inv, conn)
    if parsed.has(*REDIS_MODES_READ) or parsed.has("--rdb", "--functions-rdb", "--eval"):
        return effects or [db_effect(Kind.READ, conn.target, "scans or monitors", inv, conn.context)]
    return effects + _redis_stdin(inv, conn, parsed.has("--pipe"))


def _redis_files(parsed: Parsed, inv: Invocation, ctx: Context, conn: Conn) -> list[Effect]:
    effects: list[Effect] = []
    for word in parsed.values("--rdb", "--functions-rdb"):
        effects.append(db_effect(Kind.READ, conn.target, "dumps the data set", inv, conn.context))
        effects.extend(write_output_file(ctx, word.text, inv, "redis-cli writes an RDB dump to"))
    for word in parsed.values("--eval"):
        text = read_sql_file(ctx, word, inv, conn, "Lua script")
        effects.extend([text] if isinstance(text, Effect) else _redis_lua(text, inv, conn))
    if parsed.has("--lru-test"):
        effects.append(db_effect(Kind.DB_WRITE, conn.target, "writes test keys (--lru-test)", inv, conn.context))
    return effects


def _redis_stdin(inv: Invocation, conn: Conn, pipe: bool) -> list[Effect]:
    text = stdin_text(inv, "Redis commands", conn)
    if text is None:
        return [interactive_session(inv, conn)]
    if isinstance(text, Effect):
        return [text]
    if pipe and text.lstrip().startswith("*"):
        return [db_unknown("redis-cli --pipe of raw protocol is not modelled", inv, conn.context)]
    effects: list[Effect] = []
    for line in text.splitlines():
        words = [Word.literal(w) for w in split_words(line)]
        if words:
            effects.extend(_redis_command(words, inv, conn))
    return effects or [db_effect(Kind.READ, conn.target, "runs no command", inv, conn.context)]


def _redis_command(words: list[Word], inv: Invocation, conn: Conn) -> list[Effect]:
    if not words[0].known:
        return [db_unknown(f"Redis command not known before it runs ({words[0].why})", inv, conn.context)]
    name = words[0].text.upper()
    args = words[1:]
    sub = args[0].text.upper() if args and args[0].known else ""
    special = _REDIS_SPECIAL.get(name)
    if special is not None:
        return special(name, args, inv, conn)
    if name in REDIS_READ or sub in REDIS_READ_SUBCOMMANDS.get(name, ()):
        return [db_effect(Kind.READ, conn.target, f"runs {name}", inv, conn.context)]
    return [_redis_other(name, sub, args, inv, conn)]


def _redis_other(name: str, sub: str, args: list[Word], inv: Invocation, conn: Conn) -> Effect:
    full = f"{name} {sub}".strip() if name in REDIS_CONTAINERS else name
    if full in ("SCRIPT FLUSH", "FUNCTION FLUSH"):
        return db_effect(Kind.DB_DROP, conn.target, f"deletes every stored script ({full})", inv, conn.context)
    if full in ("FUNCTION DELETE", "ACL DELUSER", "XGROUP DESTROY", "GRAPH.DELETE", "FT.DROP"):
        return db_effect(Kind.DB_DROP, conn.target, f"runs {full}", inv, conn.context)
    if name == "FT.DROPINDEX":
        dd = any(w.text.upper() == "DD" for w in args)
        kind = Kind.DB_DROP if dd else Kind.DB_ALTER
        return db_effect(
            kind, conn.target, "drops a search index" + (" and its documents (DD)" if dd else ""), inv, conn.context
        )
    if full in ("CLUSTER RESET", "CLUSTER FLUSHSLOTS"):
        return db_effect(Kind.DB_RESET, conn.target, f"runs {full}", inv, conn.context)
    if name == "SWAPDB":
        return db_effect(Kind.DB_ALTER, conn.target, "swaps two databases", inv, conn.context)
    if name == "DEBUG":
        return db_unknown("Redis DEBUG can crash, reload or flush the server: not modelled", inv, conn.context)
    if name in ("EVALSHA", "EVALSHA_RO", "FCALL", "FCALL_RO"):
        return db_unknown(f"{name} runs a stored script whose effect is not known", inv, conn.context)
    return db_effect(Kind.DB_WRITE, conn.target, f"runs {full}", inv, conn.context)


def _redis_flush(name: str, args: list[Word], inv: Invocation, conn: Conn) -> list[Effect]:
    if name == "FLUSHALL":
        return [
            db_effect(
                Kind.DB_RESET, "all databases", f"deletes every key of every database ({name})", inv, conn.context
            )
        ]
    number = conn.context.get("database", "0")
    return [
        db_effect(
            Kind.DB_RESET, f"database {number}", f"deletes every key of database {number} ({name})", inv, conn.context
        )
    ]


def _redis_delete(name: str, args: list[Word], inv: Invocation, conn: Conn) -> list[Effect]:
    if not args:
        return [db_effect(Kind.READ, conn.target, f"{name} without keys", inv, conn.context)]
    effects = []
    for word in args:
        if word.known:  # named keys: a targeted write, like DELETE … WHERE (patterns come through unknowns)
            effects.append(
                db_effect(Kind.DB_WRITE, f"key {word.text}", f"deletes key {word.text} ({name})", inv, conn.context)
            )
        else:
            effects.append(
                db_effect(
                    Kind.DB_DELETE,
                    "keys not known before it runs",
                    f"deletes keys ({name}) that are not known before it runs ({word.why})",
                    inv,
                    conn.context,
                )
            )
    return effects


def _redis_shutdown(name: str, args: list[Word], inv: Invocation, conn: Conn) -> list[Effect]:
    nosave = any(w.text.upper() == "NOSAVE" for w in args)
    detail = "stops the server" + (" without saving: recent writes are lost" if nosave else "")
    return [db_effect(Kind.DB_RESET, conn.target, detail, inv, conn.context)]


def _redis_replicaof(name: str, args: list[Word], inv: Invocation, conn: Conn) -> list[Effect]:
    if [w.text.upper() for w in args[:2]] == ["NO", "ONE"]:
        return [db_effect(Kind.DB_WRITE, conn.target, "promotes the server to primary", inv, conn.context)]
    source = " ".join(w.text for w in args[:2])
    return [
        db_effect(
            Kind.DB_RESET,
            conn.target,
            f"replaces the whole data set with a copy of {source} ({name})",
            inv,
            conn.context,
        )
    ]


def _redis_eval(name: str, args: list[Word], inv: Invocation, conn: Conn) -> list[Effect]:
    if not args or not args[0].known:
        return [db_unknown(f"{name}: script not known before it runs", inv, conn.context)]
    return _redis_lua(args[0].text, inv, conn)


def _redis_lua(script: str, inv: Invocation, conn: Conn) -> list[Effect]:
    """A Lua script acts through redis.call('CMD', …): each command named is judged; keys are computed."""
    effects: list[Effect] = []
    for match in re.finditer(r"redis\.p?call\(\s*['\"]([\w.]+)['\"]", script, re.I):
        words = [Word.literal(match.group(1)), Word("?", known=False, why="a key computed by the script")]
        effects.extend(_redis_command(words, inv, conn))
    if re.search(r"\bloadstring\b|\bload\s*\(", script):
        effects.append(db_unknown("the Lua script builds code at run time", inv, conn.context))
    return effects or [db_effect(Kind.READ, conn.target, "runs a Lua script that calls no command", inv, conn.context)]


def _redis_cluster(words: list[Word], inv: Invocation, conn: Conn) -> list[Effect]:
    sub = words[0].text.lower() if words else "help"
    if sub in ("check", "info", "help", "backup"):
        return [db_effect(Kind.READ, conn.target, f"redis-cli --cluster {sub}", inv, conn.context)]
    if sub == "call":
        return _redis_command(words[2:], inv, conn) if len(words) > 2 else []
    return [db_effect(Kind.DB_WRITE, conn.target, f"redis-cli --cluster {sub}", inv, conn.context)]


_REDIS_SPECIAL: dict[str, Callable[[str, list[Word], Invocation, Conn], list[Effect]]] = {
    "FLUSHALL": _redis_flush,
    "FLUSHDB": _redis_flush,
    "DEL": _redis_delete,
    "UNLINK": _redis_delete,
    "GETDEL": _redis_delete,
    "SHUTDOWN": _redis_shutdown,
    "REPLICAOF": _redis_replicaof,
    "SLAVEOF": _redis_replicaof,
    "EVAL": _redis_eval,
    "EVAL_RO": _redis_eval,
}

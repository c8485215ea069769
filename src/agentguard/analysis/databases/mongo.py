"""mongosh / mongo: --eval, script files and stdin, judged by the collection and database methods called."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from agentguard.analysis.databases.common import (
    MAX_SCRIPT_DEPTH,
    Conn,
    db_effect,
    db_unknown,
    interactive_session,
    read_sql_file,
    stdin_text,
)
from agentguard.analysis.databases.options import Parsed, parse_args
from agentguard.analysis.databases.targets import clean_context, merge_contexts, opt_context, url_context
from agentguard.analysis.types import Context, Invocation, Word
from agentguard.models import Effect, Kind

MONGO_VALUED = (
    "--eval -f --file --host --port -u --username -p --password --authenticationDatabase "
    "--authenticationMechanism --apiVersion --tlsCAFile --tlsCertificateKeyFile "
    "--tlsCertificateKeyFilePassword --tlsCRLFile --awsAccessKeyId --awsSecretAccessKey "
    "--awsSessionToken --keyVaultNamespace --kmsURL --gssapiServiceName --browser "
    "--csfleLibraryPath --cryptSharedLibPath --oidcFlows --oidcRedirectUri"
)


MONGO_READ = frozenset(
    "find findOne count countDocuments estimatedDocumentCount distinct getIndexes getIndexKeys getIndexSpecs stats "
    "dataSize storageSize totalSize totalIndexSize isCapped getCollectionNames getCollectionInfos listCollections "
    "getName getCollection getSiblingDB getMongo getDB explain watch version serverStatus hostInfo isMaster hello "
    "getUsers getUser getRoles getRole currentOp printCollectionStats printShardingStatus getProfilingStatus "
    "getProfilingLevel getReplicationInfo printReplicationInfo printSecondaryReplicationInfo serverBuildInfo "
    "serverCmdLineOpts getLogComponents getShardDistribution latencyStats validate getSearchIndexes "
    "listSearchIndexes help".split()
)


MONGO_WRITE = frozenset(
    "insertOne insertMany insert save updateOne replaceOne deleteOne findOneAndDelete findOneAndUpdate "
    "findOneAndReplace findAndModify bulkWrite createIndex createIndexes ensureIndex createCollection createView "
    "createUser updateUser grantRolesToUser revokeRolesFromUser createRole updateRole grantPrivilegesToRole "
    "revokePrivilegesFromRole setProfilingLevel killOp fsyncLock fsyncUnlock hideIndex unhideIndex compact "
    "reIndex setLogLevel changeUserPassword createSearchIndex updateSearchIndex initializeOrderedBulkOp "
    "initializeUnorderedBulkOp convertToCapped logout auth createEncryptedCollection".split()
)


MONGO_COMMAND_READ = frozenset(
    "ping serverStatus listCollections listDatabases buildInfo hello isMaster ismaster dbStats collStats count "
    "find explain getParameter currentOp replSetGetStatus hostInfo connectionStatus listIndexes distinct "
    "usersInfo rolesInfo getLog top validate dataSize".split()
)


_MONGO_CALL = re.compile(
    r"""\bdb\s*(?:\.\s*getSiblingDB\(\s*(['"])(?P<sib>[^'"]*)\1\s*\))?\s*"""
    r"""(?:\.\s*getCollection\(\s*(['"])(?P<gc>[^'"]*)\3\s*\)|\.\s*(?P<coll>[A-Za-z_$][\w$]*)|"""
    r"""\[\s*(['"])(?P<br>[^'"]*)\5\s*\])?\s*\.\s*(?P<method>[A-Za-z_$][\w$]*)\s*\("""
)


_MONGO_DANGER = re.compile(
    r"\.\s*(dropDatabase|drop|deleteMany|remove|updateMany|update|dropIndexes|dropIndex|"
    r"dropUser|dropAllUsers|dropRole|dropAllRoles|renameCollection|shutdownServer)\s*\("
)


@dataclass
class MongoScript:
    ctx: Context
    inv: Invocation
    context: dict[str, str]
    database: str
    effects: list[Effect] = field(default_factory=list)
    depth: int = 0


def mongosh(inv: Invocation, ctx: Context) -> list[Effect]:
    parsed = parse_args(inv.args, MONGO_VALUED)
    if parsed.has("--version", "--help", "-h", "--build-info"):
        return [db_effect(Kind.READ, inv.name, "shows version or help", inv)]
    address = next((w for w in parsed.operands if not w.text.endswith(".js")), None)
    context, database = mongo_target(address, parsed)
    script = MongoScript(ctx, inv, context, database)
    files = [w for w in parsed.operands if w.text.endswith(".js")] + parsed.values("-f", "--file")
    evals = parsed.values("--eval")
    for word in evals:
        _mongo_word(script, word)
    for word in files:
        _mongo_file(script, word)
    if not evals and not files:
        _mongo_stdin(script)
    return script.effects


def mongo_target(address: Word | None, parsed: Parsed) -> tuple[dict[str, str], str]:
    context: dict[str, str] = {}
    host = parsed.value("--host")
    for word in (address, host):
        if word is None or not word.known:
            continue
        if "://" in word.text:
            context.update(url_context(word.text))
        elif "/" in word.text:
            hostport, _, db = word.text.partition("/")
            context.update(clean_context({"host": hostport, "database": db}))
        elif word is address:
            context["database"] = word.text
        else:
            context["host"] = word.text
    context = merge_contexts(context, opt_context(parsed, {"--port": "port", "-u": "user", "--username": "user"}))
    return context, context.get("database", "test")


def _mongo_word(script: MongoScript, word: Word) -> None:
    if not word.known:
        script.effects.append(
            db_unknown(
                f"{script.inv.name} --eval: code not known before it runs ({word.why})", script.inv, script.context
            )
        )
    else:
        _mongo_js(script, word.text)


def _mongo_file(script: MongoScript, word: Word) -> None:
    conn = Conn(None, "", script.context, cwd=script.inv.cwd)
    text = read_sql_file(script.ctx, word, script.inv, conn, "JavaScript")
    if isinstance(text, Effect):
        script.effects.append(text)
    elif script.depth < MAX_SCRIPT_DEPTH:
        script.depth += 1
        _mongo_js(script, text)
        script.depth -= 1


def _mongo_stdin(script: MongoScript) -> None:
    conn = Conn(None, f"database {script.database}", script.context, cwd=script.inv.cwd)
    text = stdin_text(script.inv, "JavaScript", conn)
    if text is None:
        script.effects.append(interactive_session(script.inv, conn))
    elif isinstance(text, Effect):
        script.effects.append(text)
    else:
        _mongo_js(script, text)


def _mongo_js(script: MongoScript, code: str) -> None:
    """Shell helpers (`use x`) line by line, then the collection and database calls of each block."""
    before = len(script.effects)
    block: list[str] = []
    for line in _strip_js_comments(code).splitlines():
        switch = re.match(
            r"\s*(?:use\s+([\w-]+)|db\s*=\s*db\.getSiblingDB\(\s*['\"]([^'\"]+)['\"]\s*\))\s*;?\s*$", line
        )
        if switch:
            _mongo_block(script, "\n".join(block))
            block = []
            script.database = switch.group(1) or switch.group(2)
        else:
            block.append(line)
    _mongo_block(script, "\n".join(block))
    if len(script.effects) == before:
        script.effects.append(
            db_effect(
                Kind.READ,
                f"database {script.database}",
                "runs JavaScript that only reads",
                script.inv,
                _mongo_ctx(script, script.database),
            )
        )


def _strip_js_comments(code: str) -> str:
    return re.sub(r"/\*.*?\*/|(?<![:\w])//[^\n]*", " ", code, flags=re.S)


def _mongo_block(script: MongoScript, code: str) -> None:
    covered: set[int] = set()
    for match in _MONGO_CALL.finditer(code):
        database = match.group("sib") or script.database
        collection = match.group("gc") or match.group("coll") or match.group("br")
        args = _call_args(code, match.end() - 1)
        covered.add(match.end())
        _mongo_call(script, match.group("method"), args, database, collection)
    for match in _MONGO_DANGER.finditer(code):
        if match.end() not in covered:
            _mongo_call(script, match.group(1), _call_args(code, match.end() - 1), script.database, "?")
    if re.search(r"\beval\s*\(", code):
        script.effects.append(db_unknown("runs JavaScript built at run time (eval)", script.inv, script.context))
    for match in re.finditer(r"\bload\(\s*['\"]([^'\"]+)['\"]\s*\)", code):
        _mongo_file(script, Word.literal(match.group(1)))


def _call_args(code: str, open_index: int) -> str:
    """The text between a call's parentheses, quotes respected; capped so hostile input stays cheap."""
    depth, quote, i = 0, "", open_index
    end = min(len(code), open_index + 20000)
    while i < end:
        char = code[i]
        if quote:
            if char == "\\":
                i += 1
            elif char == quote:
                quote = ""
        elif char in "'\"`":
            quote = char
        elif char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
            if depth == 0:
                return code[open_index + 1 : i]
        i += 1
    return code[open_index + 1 : end]


def _first_arg(args: str) -> str:
    depth, quote = 0, ""
    for i, char in enumerate(args):
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"`":
            quote = char
        elif char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        elif char == "," and depth == 0:
            return args[:i].strip()
    return args.strip()


def _mongo_ctx(script: MongoScript, database: str) -> dict[str, str]:
    return {**script.context, "database": database}


def _mongo_call(script: MongoScript, method: str, args: str, database: str, collection: str | None) -> None:
    context = _mongo_ctx(script, database)
    coll = f"collection {database}.{collection}" if collection else f"database {database}"
    result = _mongo_classify(method, args, database, collection)
    if result is None:
        return
    if isinstance(result, str):
        script.effects.append(db_unknown(result, script.inv, context))
        return
    kind, target, detail = result
    script.effects.append(db_effect(kind, target or coll, detail, script.inv, context))


def _mongo_classify(
    method: str, args: str, database: str, collection: str | None
) -> tuple[Kind, str, str] | str | None:
    """(kind, target, detail) of one call; a string is the reason it is unknown; None for calls that do nothing
    to data (cursor helpers, reads are reported once per script)."""
    empty = _first_arg(args) in ("", "{}") or re.fullmatch(r"\{\s*\}", _first_arg(args)) is not None
    what = f"{database}.{collection}" if collection else database
    if method == "dropDatabase":
        return Kind.DB_DROP, f"database {database}", f"drops database {database}"
    if method == "drop" and collection:
        return Kind.DB_DROP, "", f"drops collection {what}"
    if method in ("deleteMany", "remove"):
        if empty:
            return Kind.DB_DELETE, "", f"deletes every document of {what} ({method} with an empty filter)"
        return Kind.DB_WRITE, "", f"deletes documents of {what} ({method} with a filter)"
    if method in ("updateMany", "update"):
        multi = method == "updateMany" or re.search(r"multi\s*:\s*true", args) is not None
        if empty and multi:
            return Kind.DB_UPDATE, "", f"updates every document of {what} ({method} with an empty filter)"
        return Kind.DB_WRITE, "", f"updates documents of {what} ({method})"
    return _mongo_other(method, args, what, collection)


def _mongo_other(method: str, args: str, what: str, collection: str | None) -> tuple[Kind, str, str] | str | None:
    if method in ("dropIndex", "dropIndexes", "dropSearchIndex"):
        return Kind.DB_ALTER, "", f"drops indexes of {what}"
    if method in ("dropUser", "dropAllUsers", "dropRole", "dropAllRoles"):
        name = _first_arg(args).strip("'\"") or "all"
        return Kind.DB_DROP, f"user {name}", f"{method} {name}"
    if method == "renameCollection":
        if re.search(r",\s*true\b", args):
            return Kind.DB_DROP, "", f"renames {what} over an existing collection (dropTarget)"
        return Kind.DB_WRITE, "", f"renames {what}"
    if method == "shutdownServer":
        return Kind.DB_RESET, "", "shuts the server down"
    if method == "aggregate":
        if re.search(r"['\"]?\$(out|merge)\b", args):
            return Kind.DB_WRITE, "", f"writes aggregation results into a collection ({what})"
        return None
    if method in ("runCommand", "adminCommand"):
        return _mongo_command(args, what)
    if method in MONGO_WRITE:
        return Kind.DB_WRITE, "", f"{method} on {what}"
    if method in MONGO_READ or (collection is None and method in ("print", "printjson")):
        return None
    return f"mongo method {method}() on {what} is not modelled"


def _mongo_command(args: str, what: str) -> tuple[Kind, str, str] | str | None:
    first = re.match(r"\s*(?:\{\s*)?['\"]?(\w+)['\"]?\s*[:,)]?", args)
    name = first.group(1) if first else ""
    if name in MONGO_COMMAND_READ or (name.startswith("get") and name != "getMore"):
        return None
    if name == "dropDatabase":
        return Kind.DB_DROP, "", f"drops the database ({what})"
    if name in ("drop", "dropUser", "dropRole", "dropAllUsersFromDatabase", "dropAllRolesFromDatabase"):
        return Kind.DB_DROP, "", f"runs {name} on {what}"
    if name in ("dropIndexes", "dropSearchIndex"):
        return Kind.DB_ALTER, "", f"runs {name} on {what}"
    if name in ("delete", "update"):
        unbounded = re.search(r"\bq\s*:\s*\{\s*\}", args) is not None
        kind = (Kind.DB_DELETE if name == "delete" else Kind.DB_UPDATE) if unbounded else Kind.DB_WRITE
        return kind, "", f"runs {name} on {what}"
    if name == "shutdown":
        return Kind.DB_RESET, "", "shuts the server down"
    return Kind.DB_WRITE, "", f"runs command {name or '?'} on {what}"

"""The JavaScript APIs node, deno and bun code touches files and processes with, as `Api` tables.

Keys are module keys (see `node.module_key`) and function names. Functions of a modelled module that are not
in its table and not known to only read are reported as unknown, so a new API is asked about, not allowed.
"""

from __future__ import annotations

from agentguard.analysis.interpreters.common import Api

_DELETE = Api("delete", "deletes")
_UNLINK = Api("delete", "deletes a file")
_WRITE = Api("overwrite", "writes")
_APPEND = Api("write", "appends to")
_MOVE = Api("move", "renames")
_COPY = Api("copy", "copies over")
_PERMS = Api("perms", "changes permissions of")
_MKDIR = Api("write", "creates a directory")
_LINK = Api("write", "creates a link", path=1)

FS: dict[str, Api] = {
    "rm": _DELETE,
    "rmdir": _DELETE,
    "unlink": _UNLINK,
    "writeFile": _WRITE,
    "appendFile": _APPEND,
    "truncate": Api("overwrite", "truncates"),
    "copyFile": _COPY,
    "cp": _COPY,
    "rename": _MOVE,
    "chmod": _PERMS,
    "chown": _PERMS,
    "lchown": _PERMS,
    "lchmod": _PERMS,
    "mkdir": _MKDIR,
    "symlink": _LINK,
    "link": _LINK,
    "createWriteStream": _WRITE,
}
FS.update({name + "Sync": api for name, api in list(FS.items()) if name != "createWriteStream"})
FS_READS = frozenset(
    """readFile readFileSync readdir readdirSync stat statSync lstat lstatSync exists existsSync access
    accessSync realpath realpathSync readlink readlinkSync createReadStream watch watchFile unwatchFile opendir
    opendirSync mkdtemp mkdtempSync constants promises close closeSync fstat fstatSync read readSync glob
    globSync""".split()
)
FS_EXTRA: dict[str, Api] = {
    **FS,
    "remove": Api("delete", "deletes", recursive=True),
    "removeSync": Api("delete", "deletes", recursive=True),
    "emptyDir": Api("delete", "empties", recursive=True),
    "emptyDirSync": Api("delete", "empties", recursive=True),
    "outputFile": _WRITE,
    "outputFileSync": _WRITE,
    "writeJson": _WRITE,
    "writeJsonSync": _WRITE,
    "outputJson": _WRITE,
    "outputJsonSync": _WRITE,
    "move": _MOVE,
    "moveSync": _MOVE,
    "copy": _COPY,
    "copySync": _COPY,
    "ensureDir": _MKDIR,
    "ensureDirSync": _MKDIR,
    "mkdirs": _MKDIR,
    "mkdirp": _MKDIR,
    "ensureFile": Api("write", "creates"),
    "ensureFileSync": Api("write", "creates"),
}
FS_EXTRA_READS = FS_READS | {"readJson", "readJsonSync", "pathExists", "pathExistsSync"}
CHILD_PROCESS: dict[str, Api] = {
    "exec": Api("shell", "runs"),
    "execSync": Api("shell", "runs"),
    "spawn": Api("argv", "runs"),
    "spawnSync": Api("argv", "runs"),
    "execFile": Api("argv", "runs"),
    "execFileSync": Api("argv", "runs"),
    "fork": Api("argv", "runs node on"),
}
RIMRAF: dict[str, Api] = {
    name: Api("delete", "deletes", recursive=True)
    for name in ("rimraf", "sync", "rimrafSync", "native", "manual", "default")
}
DENO: dict[str, Api] = {
    "remove": _DELETE,
    "removeSync": _DELETE,
    "writeFile": _WRITE,
    "writeFileSync": _WRITE,
    "writeTextFile": _WRITE,
    "writeTextFileSync": _WRITE,
    "truncate": Api("overwrite", "truncates"),
    "truncateSync": Api("overwrite", "truncates"),
    "rename": _MOVE,
    "renameSync": _MOVE,
    "copyFile": _COPY,
    "copyFileSync": _COPY,
    "chmod": _PERMS,
    "chmodSync": _PERMS,
    "chown": _PERMS,
    "chownSync": _PERMS,
    "mkdir": _MKDIR,
    "mkdirSync": _MKDIR,
    "Command": Api("argv", "runs"),
}
DENO_READS = frozenset(
    """readFile readFileSync readTextFile readTextFileSync readDir readDirSync stat statSync lstat lstatSync
    cwd env args exit realPath realPathSync readLink readLinkSync version build pid open""".split()
)
BUN: dict[str, Api] = {
    "write": _WRITE,
    "spawn": Api("argv", "runs"),
    "spawnSync": Api("argv", "runs"),
    "$": Api("shell", "runs"),
}
BUN_READS = frozenset({"file", "env", "version", "argv", "serve", "sleep", "which", "hash", "password"})

TABLES: dict[str, tuple[dict[str, Api], frozenset[str]]] = {
    "fs": (FS, FS_READS),
    "fs-extra": (FS_EXTRA, FS_EXTRA_READS),
    "child_process": (CHILD_PROCESS, frozenset({"ChildProcess"})),
    "rimraf": (RIMRAF, frozenset()),
    "deno": (DENO, DENO_READS),
    "bun": (BUN, BUN_READS),
}
# Names distinctive enough to be fs/child_process calls whatever they are called on (`x.rmSync(…)`).
DISTINCTIVE = {
    name: module
    for module, names in (
        (
            "fs",
            "rmSync rmdirSync unlinkSync writeFileSync appendFileSync truncateSync copyFileSync renameSync "
            "cpSync chmodSync chownSync",
        ),
        ("child_process", "execSync spawnSync execFileSync"),
    )
    for name in names.split()
}
MODULES = {
    "fs": "fs",
    "fs/promises": "fs",
    "node:fs": "fs",
    "node:fs/promises": "fs",
    "graceful-fs": "fs",
    "fs-extra": "fs-extra",
    "child_process": "child_process",
    "node:child_process": "child_process",
    "rimraf": "rimraf",
    "del": "rimraf",
    "bun": "bun",
}
# What `node -e` code can use without requiring it: node exposes its built-in modules as globals there.
GLOBALS = {"fs": "fs", "child_process": "child_process", "Deno": "deno", "Bun": "bun"}
NETWORK = frozenset({"fetch", "XMLHttpRequest", "WebSocket", "axios", "got", "request"})
NETWORK_MODULES = frozenset({"http", "https", "node:http", "node:https", "net", "axios", "node-fetch", "got"})
EVALUATORS = frozenset({"eval", "Function", "runInThisContext", "runInNewContext", "runInContext", "compileFunction"})

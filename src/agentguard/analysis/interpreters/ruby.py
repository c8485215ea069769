"""ruby: `-e` code, `-i` in-place edits and small scripts, by their File / FileUtils / Dir calls and processes.

File.delete, FileUtils.rm_rf / rm_r / rm / remove_dir / mv, File.write, File.open(…, 'w'), system / exec /
spawn / backticks / %x are followed to the paths and commands they name.
"""

from __future__ import annotations

from collections.abc import Sequence

from agentguard.analysis.interpreters import calls, common, fold
from agentguard.analysis.interpreters.calls import Call
from agentguard.analysis.interpreters.common import Api
from agentguard.analysis.interpreters.lexer import LexError, Tok
from agentguard.analysis.interpreters.ruby_lexer import RubyLexer
from agentguard.analysis.types import Context, Invocation, Word
from agentguard.models import Effect, Kind

_RM = Api("delete", "deletes", every=True)
_RM_R = Api("delete", "deletes", every=True, recursive=True)
FILE: dict[str, Api] = {
    "delete": _RM,
    "unlink": _RM,
    "write": Api("overwrite", "writes"),
    "binwrite": Api("overwrite", "writes"),
    "rename": Api("move", "renames"),
    "truncate": Api("overwrite", "truncates"),
    "symlink": Api("write", "links", path=1),
}
FILEUTILS: dict[str, Api] = {
    "rm": _RM,
    "rm_f": _RM,
    "remove": _RM,
    "safe_unlink": _RM,
    "rmdir": _RM,
    "remove_file": _RM,
    "rm_r": _RM_R,
    "rm_rf": _RM_R,
    "rmtree": _RM_R,
    "remove_dir": _RM_R,
    "remove_entry": _RM_R,
    "remove_entry_secure": _RM_R,
    "mv": Api("move", "moves"),
    "move": Api("move", "moves"),
    "cp": Api("copy", "copies over"),
    "cp_r": Api("copy", "copies over"),
    "copy": Api("copy", "copies over"),
    "copy_file": Api("copy", "copies over"),
    "install": Api("copy", "installs over"),
    "touch": Api("write", "touches", every=True),
    "ln_s": Api("write", "links", path=1),
    "ln_sf": Api("overwrite", "links over", path=1),
}
DIR: dict[str, Api] = {"rmdir": _RM, "delete": _RM, "unlink": _RM}
PATHNAME: dict[str, Api] = {
    "delete": _RM,
    "unlink": _RM,
    "rmtree": _RM_R,
    "rmdir": _RM,
    "write": Api("overwrite", "writes"),
    "binwrite": Api("overwrite", "writes"),
}
KERNEL: dict[str, Api] = {
    "system": Api("system", "runs"),
    "exec": Api("system", "runs"),
    "spawn": Api("system", "runs"),
}
RECEIVERS = {
    "File": FILE,
    "IO": {"write": FILE["write"], "binwrite": FILE["write"]},
    "FileUtils": FILEUTILS,
    "Dir": DIR,
    "Process": {"spawn": KERNEL["spawn"]},
    "Kernel": KERNEL,
    "Open3": {n: KERNEL["system"] for n in ("capture2", "capture2e", "capture3", "popen3", "popen2")},
}
# Options whose value is the rest of the word (`-ruri`, `-i.bak`) or the next word.
ATTACHED = "irICFWEKTx0l"
# FileUtils functions called without a receiver after `include FileUtils`.
DISTINCTIVE = frozenset({"rm_rf", "rm_r", "rm_f", "remove_dir", "remove_entry", "cp_r", "mv"})
BARE = frozenset({*KERNEL, *FILEUTILS, *FILE, "eval", "open"})
NETWORK = ("Net::HTTP", "open-uri", "URI.open", "URI.parse", "HTTParty", "Faraday", "RestClient")


def handler(inv: Invocation, ctx: Context) -> list[Effect]:
    args = list(inv.args)
    if [w.text for w in args] in (["-v"], ["--version"], ["-h"], ["--help"]) or [w.text for w in args[:1]] == ["-c"]:
        return [Effect.make(Kind.READ, inv.name, "checks syntax or prints its version", source=inv.source)]
    options = _options(args)

    def code(text: str, rest: list[Word]) -> list[Effect]:
        return analyse(text, inv, ctx, rest)

    ran = common.run_code(inv, ctx, "ruby", options, code)
    return ran if ran is not None else common.script_or_stdin(inv, ctx, "ruby", options[1], code)


def _options(args: list[Word]) -> tuple[list[Word], list[Word], set[str]]:
    """(-e code parts, operands, flag letters): ruby bundles flags (`-pi`, `-ne`) and attaches values (`-ruri`)."""
    codes: list[Word] = []
    letters: set[str] = set()
    i = 0
    while i < len(args) and args[i].text.startswith("-") and args[i].text not in ("-", "--"):
        text, i = args[i].text, i + 1
        if text.startswith("--"):
            continue
        for j, letter in enumerate(text[1:], start=1):
            letters.add(letter)
            if letter == "e":
                if j + 1 < len(text):
                    codes.append(Word(text[j + 1 :], args[i - 1].known, args[i - 1].why))
                elif i < len(args):
                    codes.append(args[i])
                    i += 1
                break
            if letter in ATTACHED:
                if j + 1 == len(text) and letter in "rICFWEKx" and i < len(args):
                    i += 1  # the value is the next word
                break
    operands = args[i + 1 :] if i < len(args) and args[i].text == "--" else args[i:]
    return codes, operands, letters


def analyse(code: str, inv: Invocation, ctx: Context, args: Sequence[Word] = ()) -> list[Effect]:
    """Effects of ruby `code`; `args` are its command-line arguments (ARGV)."""
    try:
        tokens = RubyLexer(code).run()
    except LexError as exc:
        return [Effect.unknown(f"ruby: could not read the code ({exc})", inv.source)]
    consts = common.constants(tokens)
    home = fold.home_values(ctx.home, "Dir . home", "ENV [ 'HOME' ]", 'ENV [ "HOME" ]')
    tokens = fold.fold(tokens, consts, argv={("ARGV",): args}, joins={("File", ".", "join"): "join"}, values=home)
    consts = common.constants(tokens)
    tokens = _block_globs(tokens, consts)
    names = {t.text for t in tokens if t.kind == "name"}
    if names & {"eval", "instance_eval", "class_eval"} and any(marker in code for marker in NETWORK):
        return [Effect.make(Kind.EXEC_REMOTE, inv.name, "evaluates code fetched from the network", source=inv.source)]
    effects = common.shell_commands(tokens, inv, ctx, "ruby")
    for call in calls.find_calls(tokens, BARE):
        effects.extend(_call(call, inv, ctx, consts))
    return effects or common.read_only(inv, "ruby")


def _block_globs(tokens: list[Tok], consts: dict[str, str]) -> list[Tok]:
    """`Dir.glob('*.log').each { |f| File.delete(f) }`: inside the block, f stands for the glob's matches."""
    out = list(tokens)
    for i, tok in enumerate(tokens):
        if tok.text not in ("{", "do") or i < 3 or tokens[i - 1].text != "each" or tokens[i - 2].text != ".":
            continue
        params = [t.text for t in tokens[i + 1 : i + 4]]
        pattern = common.glob_pattern(_receiver_tokens(tokens, i - 2), consts, "+")
        if pattern is None or len(params) < 3 or params[0] != "|" or params[2] != "|":
            continue
        end = calls.matching(tokens, i) if tok.text == "{" else len(tokens)
        for k in range(i + 4, end):
            if out[k].kind == "name" and out[k].text == params[1]:
                out[k] = Tok("glob", params[1], pattern)
    return out


def _receiver_tokens(tokens: Sequence[Tok], dot: int) -> list[Tok]:
    """The tokens of `Dir.glob('x')` / `Dir['x']` ending just before `dot`."""
    start = dot
    for width in (6, 4):  # Dir . glob ( 'x' )  /  Dir [ 'x' ]
        if dot - width >= 0 and tokens[dot - width].text == "Dir":
            start = dot - width
            break
    return list(tokens[start:dot])


def _call(call: Call, inv: Invocation, ctx: Context, consts: dict[str, str]) -> list[Effect]:
    chain, name = call.chain, call.name
    label = f"ruby {'.'.join((*chain, name))}"
    if not chain and name in ("eval", "instance_eval") and call.args:
        return [Effect.unknown(f"ruby eval of a string {common.RUNTIME}", inv.source)]
    if name == "open" and chain in ((), ("File",), ("Kernel",), ("IO",)):
        return _open(call, inv, ctx, consts, label)
    if name in ("chmod", "chmod_R", "chown", "chown_R") and chain in (("File",), ("FileUtils",)):
        skip = 1 if name.startswith("chmod") else 2
        words = [w for arg in call.args[skip:] for w in common.words_of(arg, consts)]
        return common.file_effects(ctx, Kind.FILE_PERMS, words, inv, label)
    api = _api(chain, name)
    if api is None:
        return []
    if chain[-1:] and chain[-1].startswith(("new(", "Pathname(")):  # Pathname.new('x').rmtree
        target = chain[-1].split("(", 1)[1][:-1]
        if target == "?":
            return [Effect.unknown(f"{label}: path {common.RUNTIME}", inv.source)]
        call = Call(chain, name, ((Tok("str", repr(target), target),), *call.args))
    return common.apply(api, call, inv, ctx, consts, label=label)


def _api(chain: tuple[str, ...], name: str) -> Api | None:
    if not chain:
        return KERNEL.get(name) or (FILEUTILS.get(name) if name in DISTINCTIVE else None)
    if chain[0] == "Pathname" or chain[-1].startswith("Pathname("):
        return PATHNAME.get(name)
    table = RECEIVERS.get(chain[-1]) or RECEIVERS.get(chain[0])
    return table.get(name) if table is not None else None


def _open(call: Call, inv: Invocation, ctx: Context, consts: dict[str, str], label: str) -> list[Effect]:
    if not call.args:
        return []
    path = common.str_value(call.args[0], consts)
    if path is not None and path.startswith("|"):
        return ctx.shell(path[1:], inv)
    mode = common.str_value(call.args[1], consts) if len(call.args) > 1 else "r"
    if mode is not None and not any(c in mode for c in "wa+"):
        return []
    if path is None:
        return [Effect.unknown(f"{label}: path {common.RUNTIME}", inv.source)]
    kind = Kind.FILE_WRITE if mode is not None and "a" in mode else Kind.FILE_OVERWRITE
    return common.file_effects(ctx, kind, [Word.literal(path)], inv, label, writes=kind == Kind.FILE_OVERWRITE)

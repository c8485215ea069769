"""File-system commands: what each operand loses.

Every operand is evaluated (`rm a b c` deletes three things). A path that is only a destination is written
(`cp a b` overwrites b if it exists); a path that is moved away is gone from where it was.
"""

from __future__ import annotations

from agentguard.analysis.files.common import split_args
from agentguard.analysis.files.copy import cp, create, ln, mv, perms, rsync, setfacl, split, tee
from agentguard.analysis.files.edit import awk, editor, patch, sed, sort
from agentguard.analysis.files.fetch import archive, device_tool, download
from agentguard.analysis.files.remove import dd, rm, shred, trash, truncate
from agentguard.analysis.files.search import fd, find, find_pattern
from agentguard.analysis.types import Handler

__all__ = ["HANDLERS", "find_pattern", "split_args"]

HANDLERS: dict[str, Handler] = {
    "rm": rm, "rmdir": rm, "unlink": rm, "srm": rm, "shred": shred, "truncate": truncate, "dd": dd,
    "mv": mv, "cp": cp, "install": create, "ln": ln, "tee": tee, "touch": create, "mkdir": create,
    "chmod": perms, "chown": perms, "chgrp": perms, "setfacl": setfacl, "sed": sed, "rsync": rsync, "find": find,
    "mkfs": device_tool, "wipefs": device_tool, "fdisk": device_tool, "sfdisk": device_tool,
    "parted": device_tool, "gdisk": device_tool, "sgdisk": device_tool, "mkswap": device_tool,
    "tar": archive, "unzip": archive, "curl": download, "wget": download, "sort": sort,
    "patch": patch, "split": split, "csplit": create, "trash": trash, "trash-put": trash, "gio": trash,
    "rimraf": rm, "del": rm, "del-cli": rm, "sponge": tee, "awk": awk, "gawk": awk, "mawk": awk, "nawk": awk,
    "busybox-awk": awk, "vim": editor, "vi": editor, "nvim": editor, "ex": editor, "ed": editor,
    "emacs": editor, "nano": editor, "view": editor, "fd": fd, "fdfind": fd,
}  # fmt: skip

"""Commands that hurt the machine rather than a file: killing everything, powering off, wiping firewall
rules or cron tables, deleting users."""

from __future__ import annotations

from agentguard.analysis.types import Context, Handler, Invocation, has_flag
from agentguard.models import Effect, Kind

CRITICAL_SERVICES = frozenset(
    [
        "sshd",
        "ssh",
        "networking",
        "network-manager",
        "NetworkManager",
        "systemd-networkd",
        "docker",
        "containerd",
        "kubelet",
        "postgresql",
        "mysql",
        "mariadb",
        "mongod",
        "redis",
        "redis-server",
        "nginx",
        "apache2",
        "httpd",
        "firewalld",
        "ufw",
        "cron",
    ]
)


VITAL_PROCESSES = frozenset(["systemd", "init", "launchd", "dbus-daemon", "journald", "systemd-journald", "Xorg",
                             "gdm", "sddm", "loginwindow", "WindowServer", "kernel_task"])  # fmt: skip


def _effect(kind: Kind, target: str, detail: str, inv: Invocation) -> list[Effect]:
    return [Effect.make(kind, target, detail, source=inv.source)]


def kill(inv: Invocation, ctx: Context) -> list[Effect]:
    texts = [w.text for w in inv.args]
    operands = [t for t in texts if not t.startswith("-") or t.lstrip("-").isdigit()]
    if inv.name == "kill" and any(t in ("-1", "1") for t in operands):
        return _effect(Kind.SYSTEM_DESTROY, "every process", "kills every process (kill -1) or init", inv)
    if inv.name in ("killall", "pkill") and any(t in ("-u", "--user") for t in texts):
        return _effect(Kind.SYSTEM_DESTROY, "a user's processes", f"{inv.name} kills all of a user's processes", inv)
    if inv.name == "killall5" or (inv.name == "pkill" and any(t in (".", ".*", "") for t in operands)):
        return _effect(Kind.SYSTEM_DESTROY, "every process", "kills every process", inv)
    vital = [t for t in operands if t in CRITICAL_SERVICES or t in VITAL_PROCESSES]
    if inv.name in ("killall", "pkill") and vital:
        return _effect(Kind.SYSTEM_DESTROY, ", ".join(vital), f"{inv.name} kills a system process", inv)
    return _effect(Kind.EXEC_PROGRAM, " ".join(operands) or "processes", "signals processes", inv)


def power(inv: Invocation, ctx: Context) -> list[Effect]:
    if inv.name in ("init", "telinit") and not any(w.text in ("0", "6") for w in inv.args):
        return _effect(Kind.EXEC_PROGRAM, inv.name, "changes run level", inv)
    if inv.name == "shutdown" and has_flag(inv.args, "-c"):
        return _effect(Kind.EXEC_PROGRAM, "shutdown", "cancels a shutdown", inv)
    return _effect(Kind.SYSTEM_DESTROY, "the machine", f"{inv.name}: powers off or restarts the machine", inv)


def services(inv: Invocation, ctx: Context) -> list[Effect]:
    texts = [w.text for w in inv.args if not w.text.startswith("-")]
    if inv.name == "service" and len(texts) >= 2:
        texts = [texts[1], texts[0]]
    verb = texts[0] if texts else ""
    units = texts[1:]
    if verb in ("poweroff", "reboot", "halt", "kexec", "rescue", "emergency"):
        return _effect(Kind.SYSTEM_DESTROY, "the machine", f"systemctl {verb}", inv)
    if verb in ("stop", "disable", "mask", "kill"):
        critical = [u for u in units if u.removesuffix(".service") in CRITICAL_SERVICES]
        if critical:
            return _effect(Kind.SYSTEM_DESTROY, ", ".join(critical), f"{verb}s a critical service", inv)
        # Takes a service down until someone starts it again: asked, like any unmodelled destroying verb.
        return _effect(Kind.EXEC_MUTATE, ", ".join(units) or "services", f"{verb}s services", inv)
    if verb in ("status", "show", "list-units", "list-unit-files", "is-active", "is-enabled", "cat", ""):
        return _effect(Kind.READ, "services", "reads service state", inv)
    return _effect(Kind.EXEC_PROGRAM, ", ".join(units) or "services", f"{verb} services", inv)


def crontab(inv: Invocation, ctx: Context) -> list[Effect]:
    if has_flag(inv.args, "-r", "--remove"):
        return _effect(Kind.SYSTEM_DESTROY, "crontab", "removes every cron job of the user", inv)
    if has_flag(inv.args, "-l", "--list"):
        return _effect(Kind.READ, "crontab", "lists cron jobs", inv)
    # Installing a table schedules code to run later, outside any later check: judge what it schedules.
    operands = [w for w in inv.args if not w.text.startswith("-") or w.text == "-"]
    if operands and operands[0].text != "-" and operands[0].known:
        text = ctx.read_text(operands[0].text, inv.cwd)
    else:
        text = inv.stdin.text if operands or inv.stdin.origin != "none" else None
    if text is None:
        if not operands and inv.stdin.origin == "none":
            return _effect(Kind.EXEC_PROGRAM, "crontab", "edits the cron table", inv)
        return [Effect.unknown("installs a cron table whose jobs are not known before it runs", inv.source)]
    jobs = "\n".join(_cron_command(line) for line in text.splitlines())
    return [*_effect(Kind.EXEC_PROGRAM, "crontab", "replaces the cron table", inv), *ctx.shell(jobs, inv)]


def _cron_command(line: str) -> str:
    """The command of a crontab line (after five time fields or an @keyword); comments and settings drop."""
    stripped = line.strip()
    if not stripped or stripped.startswith("#") or ("=" in stripped.split()[0]):
        return ""
    fields = stripped.split(None, 1 if stripped.startswith("@") else 5)
    return fields[-1] if len(fields) > (1 if stripped.startswith("@") else 5) else ""


def firewall(inv: Invocation, ctx: Context) -> list[Effect]:
    texts = [w.text for w in inv.args]
    flushing = any(t in ("-F", "--flush", "-X", "--delete-chain", "flush", "reset", "disable") for t in texts)
    # A DROP/REJECT default policy on INPUT or OUTPUT cuts the machine off (ssh included) just as surely.
    policy = next((i for i, t in enumerate(texts) if t in ("-P", "--policy")), None)
    if policy is not None and any(t in ("DROP", "REJECT") for t in texts[policy + 1 : policy + 3]):
        flushing = True
    if inv.name == "nft" and not any(t in ("flush", "delete") for t in texts):
        flushing = False
    if flushing:
        return _effect(Kind.SYSTEM_DESTROY, "firewall rules", f"{inv.name}: flushes or disables the firewall", inv)
    listing = any(t in ("-L", "--list", "-S", "list", "status", "show") for t in texts)
    return _effect(Kind.READ if listing else Kind.EXEC_PROGRAM, "firewall rules", "firewall", inv)


def accounts(inv: Invocation, ctx: Context) -> list[Effect]:
    names = [w.text for w in inv.args if not w.text.startswith("-")]
    if inv.name == "passwd" and not has_flag(inv.args, "-d", "--delete", "-l", "--lock"):
        return _effect(Kind.EXEC_PROGRAM, "password", "changes a password", inv)
    return _effect(Kind.SYSTEM_DESTROY, ", ".join(names) or "accounts", f"{inv.name}: deletes or locks accounts", inv)


def mounts(inv: Invocation, ctx: Context) -> list[Effect]:
    texts = [w.text for w in inv.args]
    operands = [t for t in texts if not t.startswith("-")]
    if inv.name == "swapoff" and (has_flag(inv.args, "-a", "--all") or not operands):
        return _effect(Kind.SYSTEM_DESTROY, "swap", "turns off all swap (the kernel may kill processes)", inv)
    if inv.name == "umount" and (has_flag(inv.args, "-a", "--all") or any(t in SYSTEM_MOUNTS for t in operands)):
        return _effect(Kind.SYSTEM_DESTROY, " ".join(operands) or "every file system", "unmounts system file "
                       "systems", inv)  # fmt: skip
    if inv.name == "losetup" and not operands and not has_flag(inv.args, "-d", "-D", "--detach", "--detach-all"):
        return _effect(Kind.READ, "loop devices", "lists loop devices", inv)
    return _effect(Kind.EXEC_PROGRAM, " ".join(texts) or inv.name, inv.name, inv)


SYSTEM_MOUNTS = frozenset(["/", "/boot", "/boot/efi", "/usr", "/var", "/home", "/etc", "/proc", "/sys", "/dev"])


def diskutil(inv: Invocation, ctx: Context) -> list[Effect]:
    """macOS disk tool: the erase, partition and delete verbs destroy volumes; the rest only report or mount."""
    verb = next((w.text for w in inv.args if not w.text.startswith("-")), "")
    destructive = verb.lower().startswith(("erase", "zero", "secureerase", "partition", "reformat", "randomdisk"))
    if destructive or (verb in ("apfs", "cs") and any(w.text.startswith("delete") for w in inv.args)):
        devices = [w.text for w in inv.args if w.text.startswith(("/dev/", "disk"))] or ["a disk"]
        return _effect(Kind.SYSTEM_DESTROY, ", ".join(devices), f"diskutil {verb} destroys a volume", inv)
    kind = Kind.READ if verb in ("list", "info", "activity", "") else Kind.EXEC_PROGRAM
    return _effect(kind, "disks", f"diskutil {verb}".strip(), inv)


def history(inv: Invocation, ctx: Context) -> list[Effect]:
    if has_flag(inv.args, "-c", "-d", "-w"):
        return _effect(Kind.FILE_OVERWRITE, "shell history", "clears the shell history", inv)
    return _effect(Kind.READ, "shell history", "reads the shell history", inv)


HANDLERS: dict[str, Handler] = {
    "kill": kill, "killall": kill, "pkill": kill, "killall5": kill,
    "shutdown": power, "reboot": power, "halt": power, "poweroff": power, "init": power, "telinit": power,
    "systemctl": services, "service": services, "crontab": crontab,
    "iptables": firewall, "ip6tables": firewall, "nft": firewall, "ufw": firewall,
    "userdel": accounts, "groupdel": accounts, "passwd": accounts,
    "swapoff": mounts, "umount": mounts, "losetup": mounts, "history": history, "diskutil": diskutil,
}  # fmt: skip

"""Which commands and variables the secret, network, code and environment checks look at: names only.

The hook runs in a fresh process per tool call, so the modules that do those checks (secrets.py, network.py,
code_scan.py, code_variables.py: regexes compiled at import) are imported only when a command or variable
named here appears. Keep this module free of imports and regexes.
"""

from __future__ import annotations

# Programs that read the files they name and print, copy, pack, encode or send their content (secrets.py).
READERS = frozenset(
    """cat tac head tail less more most bat batcat nl zcat bzcat xzcat zless strings xxd od hexdump base64 base32
    cp scp sftp rsync tar zip 7z gzip xz bzip2 zstd lz4 openssl gpg sort uniq cut jq yq diff cmp ln link mv
    install dd paste column fold iconv rev awk gawk sed grep egrep fgrep rg ag ack zgrep printenv security
    secret-tool pass gopass xclip xsel pbcopy wl-copy aws gsutil gcloud az rclone s3cmd mc gh glab
    split csplit shuf nc ncat netcat socat telnet ftp lftp tftp smbclient mail mailx sendmail mutt vim vi nvim
    nano emacs view code subl source . kubectl vault op doppler heroku docker-credential-desktop
    docker-credential-osxkeychain""".split()
)
# Tools that name a host to look up or reach (network.py's `contact`).
PROBES = frozenset(["dig", "nslookup", "host", "drill", "ping", "ping6", "traceroute", "whois", "curl", "wget"])
# Everything network.py has a handler for, plus the probes.
NETWORKED = PROBES | frozenset(
    """curl wget http https xh xhs scp rsync nc ncat netcat socat mail mailx sendmail mutt telnet openssl ftp
    lftp tftp smbclient ssh sftp""".split()
)
# Programs that connect to a peer and pass their stdin/stdout through: a shell piped to one is remote-controlled.
CONNECTORS = frozenset(["nc", "ncat", "netcat", "telnet", "socat", "openssl", "cryptcat", "pwncat"])
# Interpreters whose code code_scan.py reads for secrets, sends, sockets and destroying calls.
INTERPRETERS = frozenset(
    """python python3 python2 pypy pypy3 node nodejs deno bun perl ruby php lua luajit Rscript osascript
    tclsh jshell groovy pwsh powershell awk gawk mawk nawk expect""".split()
)
# Commands that print the whole environment: harmless alone, exfiltration when sent away (flows.py).
ENVIRONMENT_DUMPS = frozenset(["env", "printenv", "set", "export", "declare", "typeset", "compgen"])
# Variables code_variables.py judges where they are set (`export PAGER=…`), not only as a command's prefix.
CODE_VARIABLES = frozenset(
    """PAGER GIT_PAGER MANPAGER SYSTEMD_PAGER PSQL_PAGER EDITOR VISUAL GIT_EDITOR GIT_SEQUENCE_EDITOR SUDO_EDITOR
    GIT_EXTERNAL_DIFF GIT_SSH_COMMAND GIT_SSH GIT_ASKPASS SSH_ASKPASS GIT_PROXY_COMMAND LESSOPEN LESSCLOSE BROWSER
    PROMPT_COMMAND RSYNC_RSH CVS_RSH FCEDIT DIFFTOOL TAR_OPTIONS""".split()
)
ALWAYS_UNKNOWN = frozenset(["LD_PRELOAD", "LD_AUDIT", "DYLD_INSERT_LIBRARIES", "TAR_OPTIONS"])
SEARCH_PATHS = frozenset(["PATH", "PYTHONPATH", "NODE_PATH", "PERL5LIB", "RUBYLIB", "LD_LIBRARY_PATH", "GEM_PATH"])
PRELOAD_VARIABLES = frozenset(["NODE_OPTIONS", "PERL5OPT", "RUBYOPT", "PYTHONSTARTUP"])
WATCHED_VARIABLES = CODE_VARIABLES | ALWAYS_UNKNOWN | SEARCH_PATHS | PRELOAD_VARIABLES
# Programs that run (or install) the file they are given: run on a file this line downloaded, they run remote code.
RUNNERS = INTERPRETERS | frozenset(
    """sh bash zsh dash ksh source . java dotnet wine dpkg rpm apt apt-get dnf yum zypper pip pip3 pipx npm pnpm yarn
    installer msiexec open xdg-open""".split()
)
# Programs whose output is a download (a file they write is a download too).
FETCHERS = frozenset(["curl", "wget", "fetch", "aria2c", "http", "https", "xh", "lwp-download", "scp", "rsync"])
# Other coding agents: what they do next happens outside this gate (their own tool calls), so starting one is
# judged as unknown unless it only reports (`--version`, `--help`, `mcp list`).
AGENT_CLIS = frozenset(
    """claude codex gemini opencode amp kiro kiro-cli aider cursor-agent goose qwen crush cline copilot
    openhands plandex""".split()
)
# Editors whose -c/+ commands may run shell code (`vim -c ':!rm -rf x'`).
EX_EDITORS = frozenset(["vim", "vi", "nvim", "ex", "view", "gvim", "vimdiff"])

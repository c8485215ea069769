/* The protected-mode hook client, compiled: what hook_client.py does, without an interpreter to start.

   agentguard's hook runs on every tool call; Python's own start is most of the Python client's time, and under
   50 concurrent calls on a small machine it is most of the wait. This client speaks the same protocol to the
   daemon (hook_client.py documents it) and fails the same way: any failure is a deny, the reason on stderr,
   exit code 2, which Claude Code treats as a block. An allow prints `{}`, never nothing, so the shell wrapper
   around the hook command can tell an answer from silence.

   `system install` compiles it with the system's C compiler when there is one (libc only); without one the
   Python client is wired instead.

       hook-client --socket /run/agentguard/agentguard.sock [--timeout SECONDS] claude < hook.json
*/
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define GREETING "agentguard 1 hook "
#define MAX_REQUEST (4 << 20)
#define MAX_ANSWER (1 << 20)
#define TIMEOUT 55 /* Claude Code gives a hook 60 s; the daemon's own deadline is 50 s */
#define DOCTOR "run `agentguard doctor` (protected mode: `sudo agentguard system status`)"

static const char *FORWARDED_ENV[] = {"CLAUDE_PROJECT_DIR", "CLAUDE_CODE_ENTRYPOINT"};

static int deny(const char *why) {
    fprintf(stderr, "agentguard: no decision, so this call is blocked: %s; %s\n", why, DOCTOR);
    fflush(stderr);
    return 2;
}

static char timeout_text[256]; /* written by the alarm handler: made before the alarm is set */

static void on_alarm(int signum) {
    (void)signum;
    ssize_t ignored = write(2, timeout_text, strlen(timeout_text));
    (void)ignored;
    _exit(2);
}

/* Whether `text` is well-formed UTF-8 (the answer goes to Claude Code as JSON text). */
static int utf8(const unsigned char *text, long size) {
    long i = 0;
    while (i < size) {
        unsigned char c = text[i];
        int more = c < 0x80 ? 0 : (c >> 5) == 0x6 ? 1 : (c >> 4) == 0xE ? 2 : (c >> 3) == 0x1E ? 3 : -1;
        if (more < 0 || (more > 0 && i + more >= size)) return 0;
        for (int k = 1; k <= more; k++)
            if ((text[i + k] & 0xC0) != 0x80) return 0;
        i += more + 1;
    }
    return 1;
}

/* Reads all of fd into a growing buffer; -1 past `limit` or on an error. */
static long read_all(int fd, char **out, long limit) {
    long size = 0, cap = 65536;
    char *buf = malloc(cap + 1);
    if (buf == NULL) return -1;
    for (;;) {
        if (size == cap) {
            cap *= 2;
            char *grown = realloc(buf, cap + 1);
            if (grown == NULL) { free(buf); return -1; }
            buf = grown;
        }
        ssize_t got = read(fd, buf + size, cap - size);
        if (got < 0 && errno == EINTR) continue;
        if (got < 0) { free(buf); return -1; }
        if (got == 0) break;
        size += got;
        if (size > limit) { free(buf); return -1; }
    }
    buf[size] = '\0';
    *out = buf;
    return size;
}

static int write_all(int fd, const char *data, size_t size) {
    while (size > 0) {
        ssize_t put = write(fd, data, size);
        if (put < 0 && errno == EINTR) continue;
        if (put <= 0) return -1;
        data += put;
        size -= (size_t)put;
    }
    return 0;
}

/* The request's head: the greeting with the host, the forwarded NAME=value lines, a blank line. */
static int send_head(int fd, const char *host) {
    char line[8192];
    int n = snprintf(line, sizeof line, GREETING "%s\n", host);
    if (n < 0 || (size_t)n >= sizeof line || write_all(fd, line, (size_t)n) != 0) return -1;
    for (size_t i = 0; i < sizeof FORWARDED_ENV / sizeof FORWARDED_ENV[0]; i++) {
        const char *value = getenv(FORWARDED_ENV[i]);
        if (value == NULL || *value == '\0' || strchr(value, '\n') != NULL) continue;
        n = snprintf(line, sizeof line, "%s=%s\n", FORWARDED_ENV[i], value);
        if (n < 0 || (size_t)n >= sizeof line) continue; /* too long to forward: the daemon goes without it */
        if (write_all(fd, line, (size_t)n) != 0) return -1;
    }
    return write_all(fd, "\n", 1);
}

static int usage(int argc, char **argv, const char **socket_path, int *timeout) {
    *timeout = TIMEOUT;
    if (argc == 6 && strcmp(argv[3], "--timeout") == 0) {
        char *end = NULL;
        double seconds = strtod(argv[4], &end);
        if (end == argv[4] || *end != '\0' || seconds <= 0) return -1;
        *timeout = seconds >= TIMEOUT ? TIMEOUT : (seconds < 1 ? 1 : (int)(seconds + 0.999));
        argv[3] = argv[5]; /* now as without the option: --socket PATH claude */
        argc = 4;
    }
    if (argc != 4 || strcmp(argv[1], "--socket") != 0 || strcmp(argv[3], "claude") != 0) return -1;
    *socket_path = argv[2];
    return 0;
}

int main(int argc, char **argv) {
    const char *socket_path;
    int timeout;
    char why[512];
    if (usage(argc, argv, &socket_path, &timeout) != 0)
        return deny("usage: hook-client --socket PATH [--timeout SECONDS] claude");
    snprintf(timeout_text, sizeof timeout_text, "agentguard: no decision, so this call is blocked: the agentguard "
             "daemon did not answer within %d s; %s\n", timeout, DOCTOR);
    signal(SIGPIPE, SIG_IGN);
    signal(SIGALRM, on_alarm);
    alarm((unsigned)timeout);

    char *input = NULL;
    long input_size = read_all(0, &input, MAX_REQUEST);
    if (input_size < 0) return deny("the hook input could not be read, or is too large");

    struct sockaddr_un address;
    memset(&address, 0, sizeof address);
    address.sun_family = AF_UNIX;
    if (strlen(socket_path) >= sizeof address.sun_path) return deny("the socket path is too long");
    strcpy(address.sun_path, socket_path);
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    if (fd < 0) return deny("cannot make a socket");
    if (connect(fd, (struct sockaddr *)&address, sizeof address) != 0) {
        if (errno == ENOENT)
            snprintf(why, sizeof why, "the agentguard daemon is not running (no socket at %s)", socket_path);
        else
            snprintf(why, sizeof why, "cannot reach the agentguard daemon at %s: %s", socket_path, strerror(errno));
        return deny(why);
    }
    if (send_head(fd, "claude") != 0 || write_all(fd, input, (size_t)input_size) != 0 || shutdown(fd, SHUT_WR) != 0)
        return deny("the request could not be sent to the agentguard daemon");

    char *answer = NULL;
    long size = read_all(fd, &answer, MAX_ANSWER);
    close(fd);
    if (size < 0) return deny("the daemon's answer could not be read, or is too long");
    if (size == 0) return deny("the agentguard daemon closed the connection without an answer (it may have crashed)");
    char *newline = memchr(answer, '\n', (size_t)size);
    if (newline != NULL && newline - answer == 2 && memcmp(answer, "ok", 2) == 0) {
        const char *text = newline + 1;
        long left = size - 3;
        long i = 0;
        while (i < left && (text[i] == ' ' || text[i] == '\n' || text[i] == '\t' || text[i] == '\r')) i++;
        if (i == left) { text = "{}\n"; left = 3; }
        if (!utf8((const unsigned char *)text, left)) return deny("the agentguard daemon's answer is not UTF-8");
        if (write_all(1, text, (size_t)left) != 0) return deny("the answer could not be written");
        return 0;
    }
    if (size >= 5 && memcmp(answer, "error", 5) == 0) {
        long end = newline != NULL ? newline - answer : size;
        long start = 5;
        while (start < end && answer[start] == ' ') start++;
        snprintf(why, sizeof why, "the agentguard daemon refused: %.*s", (int)(end - start), answer + start);
        return deny(end > start ? why : "the agentguard daemon refused: no reason given");
    }
    return deny("the agentguard daemon's answer is not in its protocol");
}

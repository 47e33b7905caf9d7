/*
 * tcp_plugin.c - an example rasleak plugin: a dial is a TCP connection.
 *
 *   rasleak run -b plugin -O path=./librasleak_tcp_plugin.so -O port=8080 \
 *               [-O host=127.0.0.1] [-O leak_every=N]
 *
 * It shows the whole ABI: open() parses the options rasleak passes on and
 * keeps a copy of what it needs, connect() and disconnect() do the work and
 * explain failures in err, metrics() reports a number only the plugin can
 * see (the sockets it holds), and close() frees everything.
 *
 * leak_every=N is a deliberate bug to try rasleak on: every N-th
 * disconnect "forgets" to close its socket.  rasleak then flags both the
 * own process's handles and this plugin's open_sockets.
 *
 * Build it with nothing but rasleak/plugin.h (see CMakeLists.txt here);
 * it is POSIX.  docs/plugins.md has the rules.
 */
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "rasleak/plugin.h"

struct tcp {
    char host[256];
    char port[16];
    unsigned long leak_every;   /* 0: never leak */
    unsigned long disconnects;
    int fd;                     /* the connection of this iteration, or -1 */
    int *leaked;                /* sockets deliberately never closed */
    size_t nleaked, capleaked;
};

static int tcp_open(void **state, const struct rasleak_plugin_option *opts, size_t nopts,
                    char *err, size_t errlen)
{
    struct tcp *t = calloc(1, sizeof *t);
    if (!t) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    strcpy(t->host, "127.0.0.1");
    t->fd = -1;
    /* The option strings belong to rasleak and live only during open(): copy. */
    for (size_t i = 0; i < nopts; i++) {
        const char *k = opts[i].key, *v = opts[i].value;
        char *end;
        if (strcmp(k, "host") == 0 && strlen(v) < sizeof t->host) {
            strcpy(t->host, v);
        } else if (strcmp(k, "port") == 0 && strlen(v) < sizeof t->port) {
            strcpy(t->port, v);
        } else if (strcmp(k, "leak_every") == 0) {
            errno = 0;
            t->leak_every = strtoul(v, &end, 10);
            if (errno || *end || end == v) {
                snprintf(err, errlen, "leak_every takes a whole number, not '%s'", v);
                free(t);
                return -1;
            }
        } else {
            snprintf(err, errlen, "unknown option '%s' (valid: host, port, leak_every)", k);
            free(t);
            return -1;
        }
    }
    if (!t->port[0]) {
        snprintf(err, errlen, "needs -O port=N");
        free(t);
        return -1;
    }
    *state = t;
    return 0;
}

static int tcp_connect(void *state, char *err, size_t errlen)
{
    struct tcp *t = state;
    struct addrinfo hints, *res, *ai;
    memset(&hints, 0, sizeof hints);
    hints.ai_socktype = SOCK_STREAM;
    int rc = getaddrinfo(t->host, t->port, &hints, &res);
    if (rc != 0) {
        snprintf(err, errlen, "cannot resolve '%s': %s", t->host, gai_strerror(rc));
        return rc;
    }
    int e = 0;
    for (ai = res; ai; ai = ai->ai_next) {
        int fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
        if (fd < 0) {
            e = errno;
            continue;
        }
        if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) {
            t->fd = fd;
            break;
        }
        e = errno;
        close(fd);
    }
    freeaddrinfo(res);
    if (t->fd < 0) {
        snprintf(err, errlen, "cannot connect to %s port %s: %s", t->host, t->port, strerror(e));
        return e ? e : -1;   /* the errno becomes the event's code */
    }
    return 0;
}

static int tcp_disconnect(void *state, char *err, size_t errlen)
{
    struct tcp *t = state;
    int fd = t->fd;
    t->fd = -1;
    t->disconnects++;
    if (t->leak_every && t->disconnects % t->leak_every == 0) {
        /* The deliberate bug: remember the socket (to free it in close()) but keep it open. */
        if (t->nleaked == t->capleaked) {
            size_t ncap = t->capleaked ? 2 * t->capleaked : 64;
            int *n = realloc(t->leaked, ncap * sizeof *n);
            if (!n) {
                close(fd);
                snprintf(err, errlen, "out of memory");
                return -1;
            }
            t->leaked = n;
            t->capleaked = ncap;
        }
        t->leaked[t->nleaked++] = fd;
        return 0;
    }
    if (close(fd) != 0) {
        snprintf(err, errlen, "close: %s", strerror(errno));
        return errno;
    }
    return 0;
}

static int tcp_metrics(void *state, struct rasleak_plugin_metric *out, size_t max)
{
    struct tcp *t = state;
    if (max < 1)
        return 0;
    /* The name is a string literal: valid for as long as rasleak needs it. */
    out[0].name = "open_sockets";
    out[0].value = (double)(t->nleaked + (t->fd >= 0));
    return 1;
}

static void tcp_close(void *state)
{
    struct tcp *t = state;
    if (t->fd >= 0)
        close(t->fd);
    for (size_t i = 0; i < t->nleaked; i++)
        close(t->leaked[i]);
    free(t->leaked);
    free(t);
}

static const struct rasleak_plugin tcp_plugin = {
    RASLEAK_PLUGIN_ABI_VERSION,
    "tcp",
    "a dial is a TCP connection to host:port (example plugin)",
    tcp_open,
    tcp_connect,
    tcp_disconnect,
    tcp_metrics,
    tcp_close,
};

RASLEAK_PLUGIN_EXPORT const struct rasleak_plugin *rasleak_plugin_entry(void)
{
    return &tcp_plugin;
}

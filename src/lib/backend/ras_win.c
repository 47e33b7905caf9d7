/*
 * ras_win.c - the RAS backend: RasDial and RasHangUp, the calls of KB
 * Q168348, and the enumerations of KB Q165483.  Windows builds only.
 *
 * rasapi32.dll is loaded when the backend opens, not linked, so that
 * rasleak.exe starts on a machine without the RAS client and says that RAS
 * is unavailable instead of failing to load.  The ANSI entry points are
 * used, since the command line arrives in the ANSI code page.
 *
 * op=dial: one iteration is a synchronous RasDial (no notifier) and a
 *   RasHangUp.  A failed RasDial that handed back a handle is hung up
 *   still, as Microsoft's documentation requires: that handle holds
 *   resources in RasMan.  A hang-up is complete only once
 *   RasGetConnectStatus no longer knows the handle (ERROR_INVALID_HANDLE);
 *   redialing before that is the classic way to leak a port.  The wait is
 *   bounded by hangup_timeout_ms, and running out of it is a hang-up
 *   failure, which the driver records as an event, never a hang.
 * op=enum-entries, op=enum-connections: one iteration is one RasEnumEntries
 *   or RasEnumConnections with the buffer-sizing protocol (ask, get
 *   ERROR_BUFFER_TOO_SMALL and the size, ask again); there is nothing to
 *   hang up.
 *
 * Credentials: the entry's saved ones (RasGetEntryDialParams), with user=
 * in place of the saved user name and the environment variable
 * RASLEAK_RAS_PASSWORD in place of the saved password.  A password is never
 * an option, so it is neither on the command line nor in the trend file;
 * it is wiped from memory after each dial and when the backend closes.
 *
 * Wine: its rasapi32 answers RasDial with 1 and no handle, RasGetErrorString
 * with 1 and no text, and RasGetConnectStatus with 0 for any handle (so only
 * the bound ends the wait).  Functions that Wine exports as stubs
 * (RasGetCredentials, RasGetEntryProperties, ...) abort the process when
 * called, so this backend calls none of them.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/backends.h"
#include "backend/ras_win.h"
#include "platform/os.h"

#define PASSWORD_ENV "RASLEAK_RAS_PASSWORD"

static const struct rasleak_option_spec ras_options[] = {
    {"entry", RASLEAK_OPT_STRING, NULL, 0, 0, NULL, 0,
     "phonebook entry to dial (needed by op=dial)"},
    {"phonebook", RASLEAK_OPT_STRING, NULL, 0, 0, NULL, 0,
     "phonebook file (.pbk); default: the system phonebook"},
    {"user", RASLEAK_OPT_STRING, NULL, 0, 0, NULL, 0,
     "user name in place of the entry's saved one; the password comes from the "
     "environment variable " PASSWORD_ENV " or the entry's saved credentials"},
    {"op", RASLEAK_OPT_CHOICE, "dial", 0, 0, "dial|enum-entries|enum-connections", 0,
     "what one iteration does: RasDial + RasHangUp (KB Q168348), or one "
     "RasEnumEntries / RasEnumConnections (KB Q165483)"},
    {"hangup_timeout_ms", RASLEAK_OPT_INT, "10000", 0, 600000, NULL, 0,
     "how long to wait for a hang-up to complete before recording it as failed"},
};
#define NOPTS (sizeof ras_options / sizeof ras_options[0])

enum op { OP_DIAL, OP_ENUM_ENTRIES, OP_ENUM_CONNECTIONS };

struct ras {
    HMODULE dll;                      /* NULL when the api is a test's */
    struct rasleak__ras_api loaded;
    const struct rasleak__ras_api *api;
    enum op op;
    const char *phonebook;            /* NULL: the system phonebook */
    const char *entry;
    double hangup_timeout_ms;
    RASDIALPARAMSA params;            /* the template; holds the password */
    size_t size_idx;                  /* the RASDIALPARAMSA size that works */
    HRASCONN conn;                    /* dialed and not yet hung up */
};

/* ---- sizes and texts ------------------------------------------------------ */

/*
 * RASDIALPARAMSA grew twice: dwSubEntry and dwCallbackId (Windows 2000),
 * then dwIfIndex (Windows 7).  A system that does not know the size it is
 * given answers ERROR_INVALID_SIZE; the older layouts are prefixes of the
 * newer, so offsetof gives their sizes.
 */
static const DWORD param_sizes[] = {
    sizeof(RASDIALPARAMSA),
#if _WIN32_WINNT >= 0x0601
    offsetof(RASDIALPARAMSA, dwIfIndex),
#endif
    offsetof(RASDIALPARAMSA, dwSubEntry),
};
#define NSIZES (sizeof param_sizes / sizeof param_sizes[0])

size_t rasleak__ras_dialparams_sizes(DWORD *out, size_t max)
{
    for (size_t i = 0; i < NSIZES && i < max; i++)
        out[i] = param_sizes[i];
    return NSIZES;
}

/*
 * The text of a RAS or system error code into buf; 0 when there is none.
 * RasGetErrorString knows the RAS codes (600 and up) and can fail, leaving
 * the buffer as it was, so it writes into an emptied one; system codes
 * come from FormatMessage.
 */
static int error_text(const struct ras *m, DWORD code, char *buf, size_t len)
{
    char tmp[512] = "";
    size_t n;

    buf[0] = '\0';
    if (m->api->get_error_string && m->api->get_error_string((UINT)code, tmp, sizeof tmp) == 0
        && tmp[0] != '\0')
        snprintf(buf, len, "%s", tmp);
    else if (FormatMessageA(FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS, NULL,
                            code, 0, tmp, sizeof tmp, NULL) > 0)
        snprintf(buf, len, "%s", tmp);
    n = strlen(buf);
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r' || buf[n - 1] == ' '
                     || buf[n - 1] == '.'))
        buf[--n] = '\0';
    return n > 0;
}

/*
 * Record a failed RAS call as "<what>: <text> (error N)", or "<what>: RAS
 * error N" when no text is known; the code goes to err->sys, and so to the
 * trend file's event.
 */
static int ras_fail(const struct ras *m, struct rasleak_error *err, DWORD code,
                    const char *what, const char *tail)
{
    char text[512];
    if (!error_text(m, code, text, sizeof text))
        return rasleak_error_set(err, RASLEAK_EBACKEND, (int)code, "%s: RAS error %lu%s", what,
                                 (unsigned long)code, tail ? tail : "");
    return rasleak_error_set(err, RASLEAK_EBACKEND, (int)code, "%s: %s (error %lu)%s", what,
                             text, (unsigned long)code, tail ? tail : "");
}

/* ---- hanging up ------------------------------------------------------------ */

/*
 * RasHangUp, then wait until the handle is gone.  Polls quickly at first
 * (most hang-ups finish in milliseconds), then every 50 ms.  Returns 0, or
 * RASLEAK_EBACKEND with what went wrong.
 */
static int hang_up(struct ras *m, HRASCONN h, struct rasleak_error *err)
{
    RASCONNSTATUSA st;
    DWORD rc = m->api->hang_up(h), status = 0, pause = 1;
    double start = rasleak__mono_s(), waited_ms = 0;
    char what[400];

    if (rc == ERROR_INVALID_HANDLE)
        return 0; /* already gone */
    if (rc != 0) {
        snprintf(what, sizeof what, "cannot hang up '%s'", m->entry ? m->entry : "");
        return ras_fail(m, err, rc, what, NULL);
    }
    for (;;) {
        memset(&st, 0, sizeof st);
        st.dwSize = sizeof st;
        status = m->api->get_connect_status(h, &st);
        if (status == ERROR_INVALID_HANDLE)
            return 0;
        waited_ms = (rasleak__mono_s() - start) * 1000.0;
        if (waited_ms >= m->hangup_timeout_ms)
            break;
        double left = m->hangup_timeout_ms - waited_ms;
        Sleep(pause < left ? pause : (DWORD)left + 1);
        pause = pause * 2 > 50 ? 50 : pause * 2;
    }
    if (status == 0)
        return rasleak_error_set(err, RASLEAK_EBACKEND, ERROR_TIMEOUT,
            "hang-up of '%s' not complete after %.0f ms: RasGetConnectStatus still knows "
            "the connection (state %d)", m->entry ? m->entry : "", waited_ms,
            (int)st.rasconnstate);
    snprintf(what, sizeof what, "hang-up of '%s' not complete after %.0f ms: "
             "RasGetConnectStatus failed", m->entry ? m->entry : "", waited_ms);
    return ras_fail(m, err, status, what, NULL);
}

/* ---- the backend ----------------------------------------------------------- */

static int load_api(struct ras *m, struct rasleak_error *err)
{
    static const char *const names[] = {
        "RasDialA", "RasHangUpA", "RasGetConnectStatusA", "RasGetErrorStringA",
        "RasEnumEntriesA", "RasEnumConnectionsA", "RasGetEntryDialParamsA",
    };
    FARPROC *slots[] = {
        (FARPROC *)(void *)&m->loaded.dial, (FARPROC *)(void *)&m->loaded.hang_up,
        (FARPROC *)(void *)&m->loaded.get_connect_status,
        (FARPROC *)(void *)&m->loaded.get_error_string,
        (FARPROC *)(void *)&m->loaded.enum_entries,
        (FARPROC *)(void *)&m->loaded.enum_connections,
        (FARPROC *)(void *)&m->loaded.get_entry_dial_params,
    };
    char text[256];

    /* From System32 only: never a rasapi32.dll planted next to the program. */
    m->dll = LoadLibraryExW(L"rasapi32.dll", NULL, LOAD_LIBRARY_SEARCH_SYSTEM32);
    if (m->dll == NULL) {
        DWORD e = GetLastError();
        snprintf(text, sizeof text, "error %lu", (unsigned long)e);
        FormatMessageA(FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS, NULL, e, 0,
                       text, sizeof text, NULL);
        text[strcspn(text, "\r\n")] = '\0';
        if (text[0] && text[strlen(text) - 1] == '.')
            text[strlen(text) - 1] = '\0';
        return rasleak_error_set(err, RASLEAK_ENOTSUP, (int)e,
            "RAS is not available on this system: cannot load rasapi32.dll (%s); install "
            "the Remote Access Service client, or use another backend", text);
    }
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        *slots[i] = GetProcAddress(m->dll, names[i]);
        if (*slots[i] == NULL)
            return rasleak_error_set(err, RASLEAK_ENOTSUP, (int)GetLastError(),
                                     "RAS is not available on this system: rasapi32.dll has "
                                     "no %s", names[i]);
    }
    m->api = &m->loaded;
    return 0;
}

/* The entry's saved credentials, then user= and the password variable. */
static int load_credentials(struct ras *m, const struct rasleak_options *o,
                            struct rasleak_error *err)
{
    const char *user = rasleak_opt_get(o, ras_options, NOPTS, "user");
    const char *password = getenv(PASSWORD_ENV);
    BOOL saved = FALSE;
    DWORD rc;
    char what[400];

    memset(&m->params, 0, sizeof m->params);
    m->params.dwSize = sizeof m->params;
    snprintf(m->params.szEntryName, sizeof m->params.szEntryName, "%s", m->entry);
    rc = m->api->get_entry_dial_params(m->phonebook, &m->params, &saved);
    if (rc != 0) {
        snprintf(what, sizeof what, "cannot read phonebook entry '%s'%s%s%s", m->entry,
                 m->phonebook ? " of '" : "", m->phonebook ? m->phonebook : "",
                 m->phonebook ? "'" : "");
        return ras_fail(m, err, rc, what, "; 'rasphone -a' creates an entry");
    }
    if (user)
        snprintf(m->params.szUserName, sizeof m->params.szUserName, "%s", user);
    if (password)
        snprintf(m->params.szPassword, sizeof m->params.szPassword, "%s", password);
    return 0;
}

static void ras_close(void *state)
{
    struct ras *m = state;
    struct rasleak_error e;
    if (!m)
        return;
    if (m->conn)
        hang_up(m, m->conn, &e); /* the driver hangs up first; a last guard */
    SecureZeroMemory(&m->params, sizeof m->params);
    if (m->dll)
        FreeLibrary(m->dll);
    free(m);
}

static int open_with(void **state, const struct rasleak_options *o,
                     const struct rasleak__ras_api *api, struct rasleak_error *err)
{
    struct ras *m = calloc(1, sizeof *m);
    const char *op;
    int rc;

    *state = NULL;
    if (!m)
        return rasleak_error_set(err, RASLEAK_ENOMEM, ERROR_OUTOFMEMORY, "out of memory");
    op = rasleak_opt_get(o, ras_options, NOPTS, "op");
    m->op = strcmp(op, "enum-entries") == 0       ? OP_ENUM_ENTRIES
            : strcmp(op, "enum-connections") == 0 ? OP_ENUM_CONNECTIONS
                                                  : OP_DIAL;
    m->phonebook = rasleak_opt_get(o, ras_options, NOPTS, "phonebook");
    m->entry = rasleak_opt_get(o, ras_options, NOPTS, "entry");
    m->hangup_timeout_ms = rasleak_opt_double(o, ras_options, NOPTS, "hangup_timeout_ms");
    if (m->op == OP_DIAL && (m->entry == NULL || m->entry[0] == '\0')) {
        free(m);
        return rasleak_error_set(err, RASLEAK_EINVAL, 0,
                                 "op=dial needs the phonebook entry to dial: -O entry=NAME");
    }
    if (api)
        m->api = api;
    else if ((rc = load_api(m, err)) < 0)
        goto fail;
    if (m->op == OP_DIAL && (rc = load_credentials(m, o, err)) < 0)
        goto fail;
    *state = m;
    return 0;
fail:
    ras_close(m);
    return rc;
}

int rasleak__ras_open_with(void **state, const struct rasleak_options *o,
                           const struct rasleak__ras_api *api, struct rasleak_error *err)
{
    return open_with(state, o, api, err);
}

static int ras_open(void **state, const struct rasleak_options *o, struct rasleak_error *err)
{
    return open_with(state, o, NULL, err);
}

static int dial(struct ras *m, struct rasleak_error *err)
{
    RASDIALPARAMSA p;
    HRASCONN h;
    DWORD rc;
    char what[400];

    for (;;) {
        p = m->params;
        p.dwSize = param_sizes[m->size_idx];
        h = NULL;
        rc = m->api->dial(NULL, m->phonebook, &p, 0, NULL, &h);
        SecureZeroMemory(p.szPassword, sizeof p.szPassword);
        if (rc != ERROR_INVALID_SIZE || m->size_idx + 1 >= NSIZES)
            break;
        if (h != NULL)
            hang_up(m, h, err);
        m->size_idx++; /* an older system: try the older layout */
    }
    if (rc == 0) {
        m->conn = h;
        return 0;
    }
    snprintf(what, sizeof what, "cannot dial '%s'", m->entry);
    if (h != NULL) {
        /* Even a failed dial can hold a connection: hang it up. */
        struct rasleak_error e;
        rasleak_error_clear(&e);
        if (hang_up(m, h, &e) < 0)
            return ras_fail(m, err, rc, what, "; hanging up the failed dial did not complete");
    }
    return ras_fail(m, err, rc, what, NULL);
}

/*
 * One RasEnumEntries or RasEnumConnections: first with room for one
 * element, then, on ERROR_BUFFER_TOO_SMALL, with the size it asked for.
 * The element size is set in the first element each time.
 */
static int enumerate(struct ras *m, struct rasleak_error *err)
{
    size_t elem = m->op == OP_ENUM_ENTRIES ? sizeof(RASENTRYNAMEA) : sizeof(RASCONNA);
    DWORD cb = (DWORD)elem, n = 0, rc = ERROR_BUFFER_TOO_SMALL;
    const char *what = m->op == OP_ENUM_ENTRIES ? "RasEnumEntries failed"
                                                : "RasEnumConnections failed";

    for (int attempt = 0; attempt < 3 && rc == ERROR_BUFFER_TOO_SMALL; attempt++) {
        void *buf = calloc(1, cb < elem ? elem : cb);
        if (!buf)
            return rasleak_error_set(err, RASLEAK_ENOMEM, ERROR_OUTOFMEMORY,
                                     "out of memory (%lu bytes)", (unsigned long)cb);
        *(DWORD *)buf = (DWORD)elem;
        n = 0;
        if (m->op == OP_ENUM_ENTRIES)
            rc = m->api->enum_entries(NULL, m->phonebook, buf, &cb, &n);
        else
            rc = m->api->enum_connections(buf, &cb, &n);
        free(buf);
    }
    if (rc != 0)
        return ras_fail(m, err, rc, what, NULL);
    return 0;
}

static int ras_dial(void *state, uint64_t iter, struct rasleak_error *err)
{
    struct ras *m = state;
    (void)iter;
    return m->op == OP_DIAL ? dial(m, err) : enumerate(m, err);
}

static int ras_hangup(void *state, uint64_t iter, struct rasleak_error *err)
{
    struct ras *m = state;
    HRASCONN h = m->conn;
    (void)iter;
    if (m->op != OP_DIAL)
        return 0;
    if (h == NULL)
        return rasleak_error_set(err, RASLEAK_EBACKEND, 0, "hang-up without a connection");
    m->conn = NULL; /* whatever happens, this handle is not used again */
    return hang_up(m, h, err);
}

static long ras_open_connections(void *state)
{
    return ((struct ras *)state)->conn != NULL;
}

const struct rasleak_backend rasleak__backend_ras = {
    .version = RASLEAK_BACKEND_VERSION,
    .name = "ras",
    .description = "Windows Remote Access: RasDial/RasHangUp (KB Q168348) or the "
                   "RasEnum* calls (KB Q165483)",
    .options = ras_options,
    .noptions = NOPTS,
    .open = ras_open,
    .dial = ras_dial,
    .hangup = ras_hangup,
    .open_connections = ras_open_connections,
    .close = ras_close,
};

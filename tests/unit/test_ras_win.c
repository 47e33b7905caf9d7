/*
 * test_ras_win.c - the RAS backend: the dial, hang-up and enumeration
 * protocols against fake RAS functions, and against the real rasapi32.dll
 * (Wine's here, whose RasDial fails and whose RasGetConnectStatus never
 * lets go of a handle).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/ras_win.h"
#include "platform/os.h"

static int wine;
static const struct rasleak_backend *be;

/* ---- the fake RAS ----------------------------------------------------------- */

#define FAKE_CONN ((HRASCONN)(uintptr_t)0x5150)

static struct fake {
    DWORD dial_rc;            /* what RasDial answers ... */
    DWORD accept_size;        /* ... unless dwSize differs: ERROR_INVALID_SIZE; 0 any */
    int dial_sets_handle;     /* hand back FAKE_CONN even when failing */
    DWORD sizes_seen[8];
    int dials;
    char user_seen[UNLEN + 1], password_seen[PWLEN + 1];
    int hangups;
    HRASCONN hung_up;
    int status_polls;
    int status_alive;         /* RasGetConnectStatus answers 0 this many times; -1 always */
    int error_string_ok;      /* RasGetErrorString knows the code */
    int saved_credentials;
    int enum_calls;
    DWORD enum_elem_size;     /* dwSize set in the first element */
    DWORD enum_count;
} fk;

static DWORD WINAPI fake_dial(LPRASDIALEXTENSIONS ext, LPCSTR pb, LPRASDIALPARAMSA p, DWORD nt,
                              LPVOID notifier, LPHRASCONN h)
{
    (void)ext;
    (void)pb;
    assert_int_equal(nt, 0);
    assert_null(notifier);      /* synchronous */
    assert_null(*h);            /* set to NULL first */
    if (fk.dials < 8)
        fk.sizes_seen[fk.dials] = p->dwSize;
    fk.dials++;
    snprintf(fk.user_seen, sizeof fk.user_seen, "%s", p->szUserName);
    snprintf(fk.password_seen, sizeof fk.password_seen, "%s", p->szPassword);
    if (fk.accept_size && p->dwSize != fk.accept_size)
        return ERROR_INVALID_SIZE;
    if (fk.dial_rc == 0 || fk.dial_sets_handle)
        *h = FAKE_CONN;
    return fk.dial_rc;
}

static DWORD WINAPI fake_hang_up(HRASCONN h)
{
    fk.hangups++;
    fk.hung_up = h;
    return 0;
}

static DWORD WINAPI fake_status(HRASCONN h, LPRASCONNSTATUSA st)
{
    assert_true(h == FAKE_CONN);
    assert_int_equal(st->dwSize, sizeof *st);
    fk.status_polls++;
    if (fk.status_alive < 0 || fk.status_polls <= fk.status_alive) {
        st->rasconnstate = RASCS_Disconnected;
        return 0;
    }
    return ERROR_INVALID_HANDLE;
}

static DWORD WINAPI fake_error_string(UINT code, LPSTR buf, DWORD len)
{
    if (!fk.error_string_ok)
        return 1; /* like Wine: fails and leaves the buffer alone */
    snprintf(buf, len, "fake text of %u.\r\n", code);
    return 0;
}

static DWORD WINAPI fake_enum_entries(LPCSTR reserved, LPCSTR pb, LPRASENTRYNAMEA buf,
                                      LPDWORD cb, LPDWORD n)
{
    DWORD need = fk.enum_count * (DWORD)sizeof *buf;
    (void)reserved;
    (void)pb;
    fk.enum_calls++;
    fk.enum_elem_size = buf->dwSize;
    if (*cb < need) {
        *cb = need;
        *n = 0;
        return ERROR_BUFFER_TOO_SMALL;
    }
    for (DWORD i = 0; i < fk.enum_count; i++)
        snprintf(buf[i].szEntryName, sizeof buf[i].szEntryName, "entry%lu", (unsigned long)i);
    *n = fk.enum_count;
    return 0;
}

static DWORD WINAPI fake_enum_connections(LPRASCONNA buf, LPDWORD cb, LPDWORD n)
{
    DWORD need = fk.enum_count * (DWORD)sizeof *buf;
    fk.enum_calls++;
    fk.enum_elem_size = buf->dwSize;
    if (*cb < need) {
        *cb = need;
        return ERROR_BUFFER_TOO_SMALL;
    }
    *n = fk.enum_count;
    return 0;
}

static DWORD WINAPI fake_entry_params(LPCSTR pb, LPRASDIALPARAMSA p, LPBOOL saved)
{
    (void)pb;
    assert_string_equal(p->szEntryName, "work-vpn");
    if (fk.saved_credentials) {
        snprintf(p->szUserName, sizeof p->szUserName, "saved-user");
        snprintf(p->szPassword, sizeof p->szPassword, "saved-secret");
        *saved = TRUE;
    }
    return 0;
}

static const struct rasleak__ras_api fake_api = {
    fake_dial, fake_hang_up, fake_status, fake_error_string,
    fake_enum_entries, fake_enum_connections, fake_entry_params,
};

static int reset(void **state)
{
    (void)state;
    memset(&fk, 0, sizeof fk);
    _putenv("RASLEAK_RAS_PASSWORD=");
    return 0;
}

/* Validate and open with `api`; fails the test unless it opens. */
static void *open_ras(const struct rasleak__ras_api *api, struct rasleak_kv *kv, size_t n)
{
    struct rasleak_options o = {kv, n};
    struct rasleak_error err;
    void *st = NULL;
    if (rasleak_options_validate(be->options, be->noptions, &o, "ras", &err) != 0)
        fail_msg("options: %s", err.message);
    if (rasleak__ras_open_with(&st, &o, api, &err) != 0)
        fail_msg("open: %s", err.message);
    return st;
}

/* ---- tests -------------------------------------------------------------------- */

static void test_registered(void **state)
{
    (void)state;
    assert_non_null(be);
    assert_string_equal(be->name, "ras");
    assert_int_equal(be->version, RASLEAK_BACKEND_VERSION);
    /* No option may carry a password: it would reach the trend file. */
    for (size_t i = 0; i < be->noptions; i++)
        assert_null(strstr(be->options[i].key, "pass"));
}

static void test_dialparams_sizes(void **state)
{
    DWORD s[4];
    (void)state;
    assert_int_equal(rasleak__ras_dialparams_sizes(s, 4), 3);
    if (sizeof(void *) == 8) {
        assert_int_equal(s[0], 1068); /* Windows 7 and later */
        assert_int_equal(s[1], 1064); /* Windows 2000 / XP */
        assert_int_equal(s[2], 1052); /* NT 4 */
    }
}

static void test_dial_and_hang_up(void **state)
{
    struct rasleak_kv kv[] = {{"entry", "work-vpn"}};
    struct rasleak_error err;
    void *st = open_ras(&fake_api, kv, 1);

    (void)state;
    fk.status_alive = 3; /* the hang-up takes three polls to complete */
    assert_int_equal(be->dial(st, 1, &err), 0);
    assert_int_equal(fk.sizes_seen[0], sizeof(RASDIALPARAMSA));
    assert_int_equal(be->open_connections(st), 1);
    assert_int_equal(be->hangup(st, 1, &err), 0);
    assert_true(fk.hung_up == FAKE_CONN);
    assert_int_equal(fk.status_polls, 4); /* until ERROR_INVALID_HANDLE */
    assert_int_equal(be->open_connections(st), 0);
    be->close(st);
    assert_int_equal(fk.hangups, 1);
}

/* An older system does not know the newest RASDIALPARAMS: try the older. */
static void test_invalid_size_retry(void **state)
{
    struct rasleak_kv kv[] = {{"entry", "work-vpn"}};
    struct rasleak_error err;
    void *st = open_ras(&fake_api, kv, 1);

    (void)state;
    fk.accept_size = 1052;
    fk.status_alive = 0;
    assert_int_equal(be->dial(st, 1, &err), 0);
    assert_int_equal(fk.dials, 3);
    assert_int_equal(fk.sizes_seen[0], 1068);
    assert_int_equal(fk.sizes_seen[1], 1064);
    assert_int_equal(fk.sizes_seen[2], 1052);
    assert_int_equal(be->hangup(st, 1, &err), 0);
    assert_int_equal(be->dial(st, 2, &err), 0); /* remembered */
    assert_int_equal(fk.dials, 4);
    assert_int_equal(fk.sizes_seen[3], 1052);
    assert_int_equal(be->hangup(st, 2, &err), 0);
    be->close(st);

    /* No size fits: the error of the last. */
    reset(NULL);
    st = open_ras(&fake_api, kv, 1);
    fk.accept_size = 7;
    assert_int_equal(be->dial(st, 1, &err), RASLEAK_EBACKEND);
    assert_int_equal(err.sys, ERROR_INVALID_SIZE);
    assert_int_equal(fk.dials, 3);
    be->close(st);
}

/* A failed dial that handed back a handle is hung up all the same. */
static void test_failed_dial_hangs_up(void **state)
{
    struct rasleak_kv kv[] = {{"entry", "work-vpn"}};
    struct rasleak_error err;
    void *st = open_ras(&fake_api, kv, 1);

    (void)state;
    fk.dial_rc = 691;
    fk.dial_sets_handle = 1;
    fk.error_string_ok = 1;
    assert_int_equal(be->dial(st, 1, &err), RASLEAK_EBACKEND);
    assert_int_equal(err.sys, 691);
    assert_string_equal(err.message, "cannot dial 'work-vpn': fake text of 691 (error 691)");
    assert_int_equal(fk.hangups, 1);
    assert_true(fk.hung_up == FAKE_CONN);
    assert_true(fk.status_polls >= 1);
    assert_int_equal(be->open_connections(st), 0);

    /* Without a handle there is nothing to hang up. */
    fk.dial_sets_handle = 0;
    assert_int_equal(be->dial(st, 2, &err), RASLEAK_EBACKEND);
    assert_int_equal(fk.hangups, 1);
    be->close(st);
}

/* RasGetErrorString fails: the system's text, else "RAS error N". */
static void test_error_text_fallback(void **state)
{
    struct rasleak_kv kv[] = {{"entry", "work-vpn"}};
    struct rasleak_error err;
    void *st = open_ras(&fake_api, kv, 1);

    (void)state;
    fk.dial_rc = ERROR_ACCESS_DENIED; /* a system code: FormatMessage knows it */
    assert_int_equal(be->dial(st, 1, &err), RASLEAK_EBACKEND);
    assert_non_null(strstr(err.message, "cannot dial 'work-vpn': "));
    assert_non_null(strstr(err.message, " (error 5)"));
    assert_true(strlen(err.message) > strlen("cannot dial 'work-vpn':  (error 5)"));
    assert_null(strchr(err.message, '\r'));

    fk.dial_rc = 0xDEAD; /* nobody's code */
    assert_int_equal(be->dial(st, 2, &err), RASLEAK_EBACKEND);
    assert_string_equal(err.message, "cannot dial 'work-vpn': RAS error 57005");
    be->close(st);
}

/* RasGetConnectStatus never lets go: the wait ends at hangup_timeout_ms. */
static void test_hangup_timeout(void **state)
{
    struct rasleak_kv kv[] = {{"entry", "work-vpn"}, {"hangup_timeout_ms", "300"}};
    struct rasleak_error err;
    void *st = open_ras(&fake_api, kv, 2);
    double t;

    (void)state;
    fk.status_alive = -1;
    assert_int_equal(be->dial(st, 1, &err), 0);
    t = rasleak__mono_s();
    assert_int_equal(be->hangup(st, 1, &err), RASLEAK_EBACKEND);
    t = rasleak__mono_s() - t;
    assert_true(t >= 0.29 && t < 2.0);
    assert_int_equal(err.sys, ERROR_TIMEOUT);
    assert_non_null(strstr(err.message, "hang-up of 'work-vpn' not complete after"));
    /* The handle is given up: it is not hung up again at close. */
    assert_int_equal(be->open_connections(st), 0);
    be->close(st);
    assert_int_equal(fk.hangups, 1);

    /* 0 ms: one look, then the error, at once. */
    reset(NULL);
    kv[1].value = "0";
    st = open_ras(&fake_api, kv, 2);
    fk.status_alive = -1;
    assert_int_equal(be->dial(st, 1, &err), 0);
    assert_int_equal(be->hangup(st, 1, &err), RASLEAK_EBACKEND);
    assert_int_equal(fk.status_polls, 1);
    be->close(st);
}

/* Saved credentials, user=, and the password from the environment only. */
static void test_credentials(void **state)
{
    struct rasleak_kv kv[] = {{"entry", "work-vpn"}, {"user", "alice"}};
    struct rasleak_error err;
    void *st;

    (void)state;
    fk.saved_credentials = 1;
    st = open_ras(&fake_api, kv, 1);
    assert_int_equal(be->dial(st, 1, &err), 0);
    assert_string_equal(fk.user_seen, "saved-user");
    assert_string_equal(fk.password_seen, "saved-secret");
    assert_int_equal(be->hangup(st, 1, &err), 0);
    be->close(st);

    _putenv("RASLEAK_RAS_PASSWORD=from-env");
    st = open_ras(&fake_api, kv, 2);
    assert_int_equal(be->dial(st, 1, &err), 0);
    assert_string_equal(fk.user_seen, "alice");
    assert_string_equal(fk.password_seen, "from-env");
    assert_int_equal(be->hangup(st, 1, &err), 0);
    be->close(st);
    _putenv("RASLEAK_RAS_PASSWORD=");
}

static void test_enum_entries(void **state)
{
    struct rasleak_kv kv[] = {{"op", "enum-entries"}};
    struct rasleak_error err;
    void *st = open_ras(&fake_api, kv, 1);

    (void)state;
    fk.enum_count = 5;
    assert_int_equal(be->dial(st, 1, &err), 0);
    assert_int_equal(fk.enum_calls, 2); /* too small, then the size asked for */
    assert_int_equal(fk.enum_elem_size, sizeof(RASENTRYNAMEA));
    assert_int_equal(be->hangup(st, 1, &err), 0);
    assert_int_equal(fk.hangups, 0);
    fk.enum_count = 1;
    assert_int_equal(be->dial(st, 2, &err), 0);
    assert_int_equal(fk.enum_calls, 3); /* fits at once */
    be->close(st);
}

static void test_enum_connections(void **state)
{
    struct rasleak_kv kv[] = {{"op", "enum-connections"}};
    struct rasleak_error err;
    void *st = open_ras(&fake_api, kv, 1);

    (void)state;
    fk.enum_count = 3;
    assert_int_equal(be->dial(st, 1, &err), 0);
    assert_int_equal(fk.enum_calls, 2);
    assert_int_equal(fk.enum_elem_size, sizeof(RASCONNA));
    assert_int_equal(be->hangup(st, 1, &err), 0);
    be->close(st);
}

static void test_dial_needs_entry(void **state)
{
    struct rasleak_options o = {NULL, 0};
    struct rasleak_error err;
    void *st = (void *)1;

    (void)state;
    assert_int_equal(rasleak__ras_open_with(&st, &o, &fake_api, &err), RASLEAK_EINVAL);
    assert_null(st);
    assert_non_null(strstr(err.message, "entry=NAME"));
}

/* ---- the real rasapi32.dll ------------------------------------------------------ */

/*
 * Through the real DLL: with Wine's, RasDial fails with 1 and no handle and
 * RasGetErrorString has no text, so the message must carry the system's.
 * On Windows the entry does not exist, which open() reports.
 */
static void test_real_dial_fails(void **state)
{
    struct rasleak_kv kv[] = {{"entry", "rasleak-no-such-entry"}};
    struct rasleak_options o = {kv, 1};
    struct rasleak_error err;
    void *st = NULL;
    int rc;

    (void)state;
    rc = be->open(&st, &o, &err);
    if (!wine) {
        if (rc == 0)
            be->close(st);
        else
            assert_non_null(strstr(err.message, "rasleak-no-such-entry"));
        return;
    }
    assert_int_equal(rc, 0);
    for (uint64_t i = 1; i <= 3; i++) {
        assert_int_equal(be->dial(st, i, &err), RASLEAK_EBACKEND);
        assert_int_equal(err.sys, 1);
        assert_non_null(strstr(err.message, "cannot dial 'rasleak-no-such-entry': "));
        assert_non_null(strstr(err.message, "(error 1)"));
        assert_int_equal(be->open_connections(st), 0);
    }
    be->close(st);
}

/*
 * Wine's RasGetConnectStatus answers 0 for any handle: the real one, behind
 * a faked successful dial, must still end the wait at the bound.
 */
static void test_real_hangup_bounded(void **state)
{
    struct rasleak_kv kv[] = {{"entry", "work-vpn"}, {"hangup_timeout_ms", "250"}};
    struct rasleak__ras_api api = fake_api;
    HMODULE dll = LoadLibraryA("rasapi32.dll");
    struct rasleak_error err;
    void *st;
    double t;
    int rc;

    (void)state;
    assert_non_null(dll);
    api.hang_up = (DWORD (WINAPI *)(HRASCONN))(void *)GetProcAddress(dll, "RasHangUpA");
    api.get_connect_status = (DWORD (WINAPI *)(HRASCONN, LPRASCONNSTATUSA))(void *)
        GetProcAddress(dll, "RasGetConnectStatusA");
    assert_non_null(api.hang_up);
    assert_non_null(api.get_connect_status);
    st = open_ras(&api, kv, 2);
    assert_int_equal(be->dial(st, 1, &err), 0);
    t = rasleak__mono_s();
    rc = be->hangup(st, 1, &err);
    t = rasleak__mono_s() - t;
    if (wine) {
        assert_int_equal(rc, RASLEAK_EBACKEND);
        assert_non_null(strstr(err.message, "not complete after"));
        assert_true(t >= 0.24 && t < 2.0);
    } else {
        assert_int_equal(rc, 0); /* Windows knows the handle is no connection */
        assert_true(t < 2.0);
    }
    be->close(st);
    FreeLibrary(dll);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup(f, reset)
    const struct CMUnitTest tests[] = {
        T(test_registered),
        T(test_dialparams_sizes),
        T(test_dial_and_hang_up),
        T(test_invalid_size_retry),
        T(test_failed_dial_hangs_up),
        T(test_error_text_fallback),
        T(test_hangup_timeout),
        T(test_credentials),
        T(test_enum_entries),
        T(test_enum_connections),
        T(test_dial_needs_entry),
        T(test_real_dial_fails),
        T(test_real_hangup_bounded),
    };
    wine = GetProcAddress(GetModuleHandleW(L"ntdll.dll"), "wine_get_version") != NULL;
    be = rasleak_backend_find("ras");
    return cmocka_run_group_tests(tests, NULL, NULL);
}

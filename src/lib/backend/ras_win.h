/*
 * ras_win.h - internal: the RAS functions the ras backend calls, as a
 * table, so that tests can put fakes in place of rasapi32.dll (the way
 * SQLite's test VFS stands in for the real one).  Windows builds only.
 */
#ifndef RASLEAK_RAS_WIN_H
#define RASLEAK_RAS_WIN_H

#include <windows.h>
#include <ras.h>
#include <raserror.h>

#include "rasleak/backend.h"

struct rasleak__ras_api {
    DWORD (WINAPI *dial)(LPRASDIALEXTENSIONS, LPCSTR, LPRASDIALPARAMSA, DWORD, LPVOID,
                         LPHRASCONN);
    DWORD (WINAPI *hang_up)(HRASCONN);
    DWORD (WINAPI *get_connect_status)(HRASCONN, LPRASCONNSTATUSA);
    DWORD (WINAPI *get_error_string)(UINT, LPSTR, DWORD);
    DWORD (WINAPI *enum_entries)(LPCSTR, LPCSTR, LPRASENTRYNAMEA, LPDWORD, LPDWORD);
    DWORD (WINAPI *enum_connections)(LPRASCONNA, LPDWORD, LPDWORD);
    DWORD (WINAPI *get_entry_dial_params)(LPCSTR, LPRASDIALPARAMSA, LPBOOL);
};

/*
 * open() with `api` in place of the functions of rasapi32.dll (which is
 * then not loaded).  `api` is borrowed and must outlive the state.
 */
int rasleak__ras_open_with(void **state, const struct rasleak_options *opts,
                           const struct rasleak__ras_api *api, struct rasleak_error *err);

/*
 * The RASDIALPARAMSA sizes tried, newest layout first, into out[max];
 * returns how many there are.
 */
size_t rasleak__ras_dialparams_sizes(DWORD *out, size_t max);

#endif

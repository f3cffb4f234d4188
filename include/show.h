/*
 * `tinytaptunnel show [STATUS_FILE]`: a one-screen summary of a status
 * file (status.h), as `wg show` gives one of an interface. It reads the
 * file, never the daemon, and needs no privilege; the file is parsed by
 * json.h's strict reader, and every string in it is printable ASCII by
 * then, so a crafted file cannot send escape codes to the terminal.
 *
 * A first argument "show" is always this command: a key file of that name
 * is written ./show (documented in --help and the man page).
 */
#ifndef TTT_SHOW_H
#define TTT_SHOW_H

#include <stddef.h>

#include "json.h"

#define TTT_SHOW_CMD     "show"
#define TTT_SHOW_GLOB    "/run/tinytaptunnel/*/status.json"
#define TTT_SHOW_OUT_MAX 4096	/* one screen, with colour codes */
#define TTT_SHOW_STALE_S 10	/* older than this: the daemon is likely not running */

/* Read a whole status file (at most cap - 1 bytes) into buf, NUL-terminated.
 * 0, -errno, or -EFBIG when it is longer. */
int ttt_show_read(const char *path, char *buf, size_t cap, size_t *len);

/*
 * The summary of a parsed status file named name, into out; with colour,
 * ANSI colours (the caller decides: a terminal, no NO_COLOR). Pure.
 * Returns the length, -EBADMSG when a field status.c writes is missing or
 * of another kind, -ENOSPC when out is too small.
 */
int ttt_show_format(const struct ttt_json_doc *d, const char *name, int colour, char *out,
    size_t cap);

#endif

/* platform_private.h - what the platform files (platform_posix.c, platform_win32.c) share
 * from the portable part of common/. */
#ifndef ICS_PLATFORM_PRIVATE_H
#define ICS_PLATFORM_PRIVATE_H

#include "ics_common.h"

/* ics_read_line's work on a byte stream (a pipe, a file, a POSIX terminal). */
bool ics_stream_read_line(FILE *in, char *buf, size_t size);

/* A machine's name as it goes into temporary file names: [A-Za-z0-9-], at most 32 ("x" when
 * nothing is left). */
void ics_host_tag(const char *host, char out[33]);
/* Sorts the names of ics_list_dir (byte order). */
void ics_sort_names(char **names, size_t count);

#endif

/* platform_private.h - what the platform files (platform_posix.c, platform_win32.c) share
 * from the portable part of common/. */
#ifndef ICS_PLATFORM_PRIVATE_H
#define ICS_PLATFORM_PRIVATE_H

#include "ics_common.h"

/* ics_read_line's work on a byte stream (a pipe, a file, a POSIX terminal). */
bool ics_stream_read_line(FILE *in, char *buf, size_t size);

#endif

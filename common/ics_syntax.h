/* ics_syntax.h - the small syntaxes of the file formats (bundles, kits): UUIDs, times, years,
 * counts, ids, versions, hex, and the one-pass check of a text (valid UTF-8, no control
 * characters but those allowed), with a short excerpt of a text for messages. Each function
 * takes bytes and a length: the bytes need not be NUL-terminated. The syntaxes are specified
 * in docs/bundle-format.md, section 2 ("Small syntaxes"). */
#ifndef ICS_SYNTAX_H
#define ICS_SYNTAX_H

#include "ics_common.h"

enum {
  ICS_UUID_LEN = 36,
  ICS_TIME_LEN = 20,
  ICS_HASH_LEN = 64,    /* hex SHA-256 */
  ICS_ID_MAX = 63,      /* form ids and field names */
  ICS_VERSION_MAX = 128 /* form versions, in bytes */
};

/* Lowercase 8-4-4-4-12 hex; the 16 bytes go to out (may be NULL). */
bool ics_uuid_parse(const char *s, size_t n, unsigned char out[16]);
/* "YYYY-MM-DDTHH:MM:SSZ", a real date of the years 1900-2100. */
bool ics_time_valid(const char *s, size_t n);
/* Four digits, 1900-2100 (year may be NULL). */
bool ics_year_parse(const char *s, size_t n, int *year);
/* Decimal digits, no sign, no leading zero (except "0"), fitting in 64 bits. */
bool ics_count_parse(const char *s, size_t n, uint64_t *out);
/* [a-z][a-z0-9_]*, at most ICS_ID_MAX bytes. */
bool ics_id_valid(const char *s, size_t n);
/* 1-ICS_VERSION_MAX bytes of UTF-8 with no space and no control character. */
bool ics_version_valid(const char *s, size_t n);
/* ICS_HASH_LEN lowercase hex digits. */
bool ics_hash_valid(const char *s, size_t n);
/* n lowercase hex digits (keys, signatures). */
bool ics_hex_valid(const char *s, size_t n);

/* The offset of the first byte that is not valid UTF-8 or is a control character (below
 * 0x20, or 0x7F) not in `allowed` (bit c set: control character c is allowed), or n when
 * there is none. *control tells which of the two it was. Printable ASCII is checked eight
 * bytes at a time. */
size_t ics_text_scan(const char *s, size_t n, uint32_t allowed, bool *control);
#define ICS_TEXT_ALLOW(c) ((uint32_t)1 << (c))

/* A short excerpt of s for a message in out (at most 60 bytes, cut at a character boundary,
 * "…" when cut; tabs shown as \t, other control characters and bytes that are not UTF-8 as
 * ?). */
void ics_excerpt(char *out, size_t out_size, const char *s, size_t n);

#endif

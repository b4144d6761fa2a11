/* ics_common.h - what every part of ictsurvey shares: the allocation wrapper, a growable
 * byte buffer, texts in two languages, the error type (ics_error.h), and small platform seams
 * (file reading, paths). Library code never prints and never exits: it returns -1 (or NULL)
 * and fills an ics_error, or an ics_errors list, that the command line prints. */
#ifndef ICS_COMMON_H
#define ICS_COMMON_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ics_error.h"

/* ---- allocation ------------------------------------------------------------------------
 * Every allocation of the project goes through these, so that tests can make the Nth one
 * fail (ics_alloc_fail_after) and check that each caller reports it and cleans up. */
void *ics_malloc(size_t size);
void *ics_calloc(size_t count, size_t size);
void *ics_realloc(void *ptr, size_t size);
char *ics_strdup(const char *s);
char *ics_strndup(const char *s, size_t n);
void ics_free(void *ptr);
/* zlib's zalloc and zfree (z_stream), through the wrapper: zlib's failures are injected too. */
void *ics_zlib_alloc(void *opaque, unsigned items, unsigned size);
void ics_zlib_free(void *opaque, void *address);
/* Make the allocation after the next n succeed-ones fail (n < 0: never fail). */
void ics_alloc_fail_after(long n);

/* ---- languages and texts ---------------------------------------------------------------- */
/* A text in both languages; both point into storage owned by whoever holds the text. */
typedef struct {
  const char *vi;
  const char *en;
} ics_text;

const char *ics_text_get(ics_text text, ics_lang lang);
/* "vi" or "en" -> language; returns false on anything else. */
bool ics_lang_parse(const char *name, ics_lang *out);
/* The language chosen by ICTSURVEY_LANG, else Vietnamese. */
ics_lang ics_lang_default(void);

/* ---- growable buffer -------------------------------------------------------------------
 * Always NUL-terminated. On allocation failure `failed` is set and further appends do
 * nothing, so callers check once at the end. */
typedef struct {
  char *data;
  size_t len;
  size_t cap;
  bool failed;
} ics_buf;

void ics_buf_append(ics_buf *b, const char *s, size_t n);
void ics_buf_puts(ics_buf *b, const char *s);
void ics_buf_putc(ics_buf *b, char c);
void ics_buf_printf(ics_buf *b, const char *fmt, ...) ICS_PRINTF(2, 3);
void ics_buf_vprintf(ics_buf *b, const char *fmt, va_list ap);
/* Hands the string to the caller (who frees it with ics_free) and resets the buffer. */
char *ics_buf_take(ics_buf *b);
void ics_buf_free(ics_buf *b);

/* ---- arena -----------------------------------------------------------------------------
 * Loaded definitions live in one arena and are freed at once. */
typedef struct ics_arena ics_arena;
ics_arena *ics_arena_new(void);
void *ics_arena_alloc(ics_arena *a, size_t size); /* zeroed, 16-byte aligned; NULL on OOM */
char *ics_arena_strndup(ics_arena *a, const char *s, size_t n);
char *ics_arena_strdup(ics_arena *a, const char *s);
void ics_arena_free(ics_arena *a);

/* ---- platform seams: the program's start ------------------------------------------------- */
/* Called first by main: the arguments as UTF-8 (Windows gives them in UTF-16: *argv is then
 * replaced by a converted copy that lives as long as the program) and the console reading and
 * writing UTF-8. Nothing to do on POSIX. */
void ics_platform_init(int *argc, char ***argv);
/* One line typed or piped into `in`, without its end, into buf[0..size) (the rest of a longer
 * line is dropped); false at end of input or when Ctrl-C stopped the read. From a Windows
 * console it is read as UTF-16 and converted, so that Vietnamese typed with Unikey arrives. */
bool ics_read_line(FILE *in, char *buf, size_t size);

/* ---- platform seams: text in other encodings --------------------------------------------
 * What spreadsheet programs save as "Unicode text" (UTF-16) or "CSV" in the ANSI code page of
 * a Vietnamese (Windows-1258) or Western (Windows-1252) Windows, converted to UTF-8 as it is
 * read: glibc's iconv on POSIX, the Windows API on Windows. */
typedef enum {
  ICS_ENC_UTF8,
  ICS_ENC_UTF16LE,
  ICS_ENC_UTF16BE,
  ICS_ENC_WINDOWS_1258,
  ICS_ENC_WINDOWS_1252,
} ics_encoding;
/* "utf-8", "utf-16", "windows-1258", "windows-1252" (any case; also "cp1258", "utf8") -> the
 * encoding; "utf-16" means little-endian, as Windows writes it. */
bool ics_encoding_parse(const char *name, ics_encoding *out);
const char *ics_encoding_name(ics_encoding enc); /* "UTF-8", "UTF-16", "Windows-1258" ... */
typedef struct ics_decoder ics_decoder;
/* NULL when memory runs out (or the platform lacks the converter: errno). */
ics_decoder *ics_decoder_open(ics_encoding from);
/* Converts the next n bytes of the input (split anywhere) to UTF-8, appended to out; at_end
 * says no more input follows (an incomplete character is then an error). 0, or -1 when the
 * input holds a byte sequence that is no character in the encoding: *bad gets its offset from
 * the start of the whole input. out->failed tells of memory running out. */
int ics_decoder_run(ics_decoder *d, const void *in, size_t n, bool at_end, ics_buf *out, size_t *bad);
void ics_decoder_close(ics_decoder *d);

/* ---- platform seams: files and paths ---------------------------------------------------- */
/* The readers below return ICS_OK, or ICS_E_NOT_FOUND, ICS_E_IO (could not open or read: see
 * errno), ICS_E_TOO_LARGE, ICS_E_NO_MEMORY or ICS_E_NOT_REGULAR (a folder, a pipe, a device:
 * refused before anything is read); the caller, who knows the file's name, says it. */

/* Opens a file for reading only when it is a regular file, without ever waiting: a FIFO or a
 * device (/dev/zero) is refused at once (ICS_E_NOT_REGULAR), as a folder is. */
ics_code ics_open_regular(const char *path, FILE **out);
/* The first bytes of a regular file (at most cap, *n of them), with no allocation. */
ics_code ics_read_head(const char *path, void *buf, size_t cap, size_t *n);

/* Reads a whole file of at most `limit` bytes into a NUL-terminated buffer the caller frees.
 * On ICS_E_TOO_LARGE, *size holds the file's size. */
ics_code ics_read_file(const char *path, size_t limit, char **data, size_t *size);
bool ics_path_is_dir(const char *path);
bool ics_path_is_file(const char *path);
/* The names of the regular files in dir ending in `suffix`, sorted; NULL on error (errno
 * ENOMEM when memory ran out). The caller frees each name and the array. */
char **ics_list_dir(const char *dir, const char *suffix, size_t *count);
/* Now, UTC, as YYYY-MM-DDTHH:MM:SSZ (ICTSURVEY_NOW pins it for tests); the current year. */
void ics_now_utc(char out[21]);
int ics_current_year(void);
/* The real clock in milliseconds since 1970 (not pinned by ICTSURVEY_NOW). */
uint64_t ics_clock_ms(void);
/* The folder of path, allocated ("." when it names none), and in *base the start of its last
 * component. */
char *ics_path_dir(const char *path, const char **base);
/* dir + "/" + name (Windows: "\\"), allocated. */
char *ics_path_join(const char *dir, const char *name);
/* A file opened by its UTF-8 name, as fopen (Windows: _wfopen); NULL with errno. */
FILE *ics_fopen(const char *path, const char *mode);
/* An existing file's name as a library that opens files with the C library's narrow fopen can
 * use it (libxlsxwriter), allocated: the path itself on POSIX; on Windows the path when it is
 * ASCII, else its short 8.3 form when the volume keeps those (the ANSI code page cannot spell
 * Vietnamese); NULL with errno EILSEQ when there is none. */
char *ics_narrow_path(const char *path);
/* Removes a file (0), or -1 with errno. */
int ics_remove_file(const char *path);
/* Makes a folder others may read (0; an existing folder is kept), or -1 with errno. */
int ics_make_dir(const char *path);
/* The running program's own file, absolute and allocated; NULL when the platform cannot tell
 * (the CLI then looks for its data elsewhere). */
char *ics_executable_path(void);
/* Private files (keys): a new directory only its owner may enter (0700; an existing one is
 * kept as it is), and a new file only its owner may read (0600), written whole and synced;
 * never replaces an existing file (errno EEXIST). 0 or -1 with errno. */
int ics_make_private_dir(const char *path);
int ics_write_private_file(const char *path, const void *data, size_t size);
/* Gives an existing file to its owner alone (0600) when others may read or write it. */
int ics_make_private(const char *path);
/* Reads a small secret file (a key) into buf[0..cap) with no other copy made on the way: it is
 * opened once and its permissions are checked on that open file. *open_to_others is set (and
 * nothing read) when users other than the owner may read or write it, *mode gets the
 * permission bits for messages (never set where the platform has no such bits). Files larger
 * than cap give ICS_E_TOO_LARGE. */
ics_code ics_read_private_file(const char *path, char *buf, size_t cap, size_t *size,
                                      bool *open_to_others, unsigned *mode);

/* ---- files a command is given, and files it writes ----------------------------------------
 * A command never overwrites one of its inputs, nor a file of another kind (a store, the
 * central database, a bundle, a key) unless told to with --force. The kind is read from the
 * file's first bytes: SQLite files of ours carry an application id (PRAGMA application_id). */
enum {
  ICS_SQLITE_ID_STORE = 0x49435353,   /* "ICSS": a surveyor's store */
  ICS_SQLITE_ID_CENTRAL = 0x49435343, /* "ICSC": the central database */
};

typedef enum {
  ICS_FILE_NONE,     /* no such file */
  ICS_FILE_EMPTY,    /* a regular file of 0 bytes */
  ICS_FILE_SPECIAL,  /* a folder, a pipe, a device */
  ICS_FILE_STORE,    /* a collector store */
  ICS_FILE_CENTRAL,  /* a central database */
  ICS_FILE_DATABASE, /* another SQLite database (or one of ours made before the ids) */
  ICS_FILE_BUNDLE,   /* gzip data: a bundle */
  ICS_FILE_KIT,      /* gzip data named "ictsurvey-kit": a survey kit (kit/kit.h) */
  ICS_FILE_KEY,      /* a key file of `keys init` */
  ICS_FILE_RECEIPT,  /* text starting "ictsurvey-receipt: ": the office's receipt (kit/kit.h) */
  ICS_FILE_WORKBOOK, /* an .xlsx workbook (a zip archive of an Office document) */
  ICS_FILE_ARCHIVE,  /* another zip or gzip archive: a backup, a document */
  ICS_FILE_UNREADABLE, /* exists, but may not be read (errno says why) */
  ICS_FILE_OTHER     /* anything else: text, CSV */
} ics_file_kind;

ics_file_kind ics_file_sniff(const char *path);
/* "a surveyor's store", "the central database"... for messages. */
const char *ics_file_kind_name(ics_file_kind kind, ics_lang lang);
/* The path with every link and "." or ".." resolved (allocated), or NULL when it does not
 * exist: SQLite names a database's journals after the file it finally opens. */
char *ics_path_resolve(const char *path);
/* Whether two paths name the same file (device and inode: through links and other spellings
 * too). False when either does not exist. */
bool ics_same_file(const char *a, const char *b);
/* Whether users other than the owner may create or delete files in the folder. */
bool ics_dir_open_to_others(const char *path);

/* ---- the terminal ------------------------------------------------------------------------ */
/* Whether a stream is a terminal (a console window on Windows), where a person reads and types. */
bool ics_is_terminal(FILE *stream);
/* The size of the terminal a stream writes to, in columns and rows; false when it is not a
 * terminal or the platform cannot tell (callers then assume 80x25). */
bool ics_terminal_size(FILE *stream, int *columns, int *rows);
/* Ctrl-C as an answer: while caught, Ctrl-C sets a flag instead of ending the program, and a
 * read from the terminal in progress returns (as at end of input); so do the terminal window
 * closed and a request to stop (POSIX: SIGHUP, SIGTERM), so that the program ends cleanly. on
 * resets the flag. */
void ics_interrupt_catch(bool on);
bool ics_interrupted(void);
/* Waits (while ics_interrupt_catch is on) until Ctrl-C is pressed (or the program is asked to stop). */
void ics_interrupt_wait(void);

/* ---- a second thread ------------------------------------------------------------------------
 * For work that overlaps (the merge reads and checks a bundle while the first thread writes
 * the database): a thread, and a lock with one condition to hand work over. The functions
 * cannot fail but ics_thread_start and ics_lock_new (-1 / NULL when the system has no thread
 * or memory left: callers then do the work on their own thread). */
typedef struct ics_thread ics_thread;
typedef struct ics_lock ics_lock;
/* Starts run(arg) on a new thread; 0 with *t, or -1. */
int ics_thread_start(ics_thread **t, void (*run)(void *arg), void *arg);
/* Waits until the thread's run returned, and frees it. */
void ics_thread_join(ics_thread *t);
ics_lock *ics_lock_new(void);
void ics_lock_free(ics_lock *l); /* NULL is fine */
void ics_lock_take(ics_lock *l);
void ics_lock_give(ics_lock *l);
/* Gives the lock, sleeps until ics_lock_wake (or spuriously: callers loop on their
 * condition), and takes it again. */
void ics_lock_wait(ics_lock *l);
/* Wakes every thread waiting on the lock; called holding it. */
void ics_lock_wake(ics_lock *l);

/* ---- the local web server's seams ------------------------------------------------------------ */
/* Writes into out[0..cap) the socket address 127.0.0.1:port (a struct sockaddr_in on POSIX);
 * returns its length, 0 when cap is too small. */
size_t ics_loopback_address(uint16_t port, void *out, size_t cap);
/* Opens url in the default browser, not waiting for it (xdg-open on POSIX, its output
 * silenced). 0, or -1 with errno when the browser could not be started. */
int ics_open_browser(const char *url);

/* An output written whole or not at all: the data goes to a temporary file beside the target
 * (TARGET.tmp-HOST-PID-XXXXXX; mode 0600, or the mode of the file it replaces), which
 * ics_output_commit syncs and renames over the target, so a failure or a kill leaves the old
 * file as it was. A target that is a link is written where the link points; one the user may
 * not write is refused (EACCES). ics_output_begin also removes the temporary files that a
 * killed run on this machine left for the same target (their process is gone). */
typedef struct {
  char *path; /* the target */
  char *tmp;  /* the temporary file, NULL once renamed or removed */
  int fd;     /* open on tmp for writing; -1 once the caller took it (fdopen) or closed it */
} ics_output;

/* 0, or -1 with errno (nothing created). */
int ics_output_begin(ics_output *o, const char *path);
/* Writes all of p[0..n) to o->fd. 0, or -1 with errno. */
int ics_output_write(ics_output *o, const void *p, size_t n);
/* Syncs and closes fd (when still >= 0), renames the file over the target and syncs the
 * folder. 0, or -1 with errno: the temporary file is removed and the target untouched. */
int ics_output_commit(ics_output *o);
/* Frees o, removing the temporary file unless it was committed: every ics_output_begin that
 * succeeded ends with this call, committed or not (o->path stays valid until then). */
void ics_output_end(ics_output *o);

/* ---- a set of strings -----------------------------------------------------------------------
 * Each string with a number (not 0), e.g. where it was first seen: duplicate keys in a file.
 * Strings are copied; memory grows with them only. */
typedef struct {
  const char *text; /* NULL: a free slot */
  size_t value;
  uint64_t hash;
} ics_strset_slot;

typedef struct {
  ics_strset_slot *slots;
  size_t cap, count; /* cap a power of two, at most half full */
  struct ics_strset_block *blocks;
  uint64_t seed;
} ics_strset;

void ics_strset_init(ics_strset *set);
/* Adds s with value unless it is there: then *found is the value it was added with (else 0).
 * 0, or -1 when memory ran out (nothing added). */
int ics_strset_add(ics_strset *set, const char *s, size_t value, size_t *found);
/* Frees what the set holds; it may be used again. */
void ics_strset_free(ics_strset *set);

/* ---- work run apart ------------------------------------------------------------------------
 * A library that does not survive running out of memory (libxlsxwriter 1.1.4 uses malloc's
 * result unchecked) is run apart from the command: ics_run_apart calls work(ctx) in a child
 * process where the platform has them, so that its crash becomes an outcome the command
 * reports. What the work must hand back goes into memory from ics_shared_alloc (zeroed, seen
 * by both processes); what it writes on stderr is kept apart and handed back in out->said.
 * A platform without child processes must run the work in the command itself (POSIX forks;
 * platform_posix.c). */
typedef struct {
  bool returned;   /* work returned: status is what it returned */
  int status;
  int signal;      /* else what stopped it (0: not known) */
  char *said;      /* what the work wrote on stderr, NUL-terminated (caller frees); may be NULL */
  size_t said_len;
} ics_apart_outcome;

void *ics_shared_alloc(size_t size); /* NULL with errno */
void ics_shared_free(void *p, size_t size);
/* 0 when the work ran (out says how it ended), -1 with errno when it could not be started. */
int ics_run_apart(int (*work)(void *ctx), void *ctx, ics_apart_outcome *out);
/* Inside the work: a mark of what it has written on stderr so far, and whether it wrote
 * anything after a mark (its first line into line[0..cap)). Libraries that only complain on
 * stderr (libxlsxwriter's "[ERROR] ...") are caught so. */
long ics_apart_said_mark(void);
bool ics_apart_said_since(long mark, char *line, size_t cap);

/* ---- escaped text --------------------------------------------------------------------------
 * One value on one line: backslash, tab, newline and carriage return become \\ \t \n \r.
 * Used by the store's record encoding and the bundle format. */
void ics_escape_append(ics_buf *b, const char *s, size_t n);
/* Text from a file or a database made safe for a terminal: control characters (C0, DEL, C1)
 * become \n \r \t or \xHH, so no data can start a new line or move the cursor. */
void ics_escape_controls(ics_buf *b, const char *s, size_t n);
/* Undoes ics_escape_append in place on n bytes; returns the new length, or SIZE_MAX with
 * *bad set to the offset of a backslash that starts no valid escape. */
size_t ics_unescape(char *s, size_t n, size_t *bad);

/* ---- small helpers ---------------------------------------------------------------------- */
/* Levenshtein distance, capped at `cap` + 1 (enough for "did you mean"). */
size_t ics_edit_distance(const char *a, const char *b, size_t cap);
/* The characters in s[0..n): the bytes that are not UTF-8 continuation bytes (each lead byte
 * and ASCII byte counts, valid or not), as libyaml counts columns and ICS_TEXT_MAX_CHARS
 * counts lengths. */
size_t ics_utf8_count(const char *s, size_t n);
/* The length of the longest start of s (a NUL-terminated string) of at most max bytes that
 * ends between two characters. */
size_t ics_utf8_cut(const char *s, size_t max);
/* True when s is valid UTF-8 of n bytes with no NUL; *bad_offset gets the first bad byte. */
bool ics_utf8_valid(const char *s, size_t n, size_t *bad_offset);
/* The length in bytes of the UTF-8 character at s[0..n) (n >= 1), or 0 when it is not a valid
 * one: overlong forms, surrogates and values beyond U+10FFFF are not. Inline: the bundle
 * reader calls it for every character that is not ASCII. */
static inline size_t ics_utf8_char(const char *s, size_t n) {
  const unsigned char *p = (const unsigned char *)s;
  unsigned c = p[0];
  size_t len;
  uint32_t cp;
  if (c < 0x80) return 1;
  if ((c & 0xE0) == 0xC0) {
    len = 2;
    cp = c & 0x1F;
  } else if ((c & 0xF0) == 0xE0) {
    len = 3;
    cp = c & 0x0F;
  } else if ((c & 0xF8) == 0xF0) {
    len = 4;
    cp = c & 0x07;
  } else {
    return 0;
  }
  if (len > n) return 0;
  for (size_t k = 1; k < len; k++) {
    if ((p[k] & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (p[k] & 0x3F);
  }
  if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
      cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
    return 0;
  return len;
}

#endif

/* bundle_private.h (private) - what the files of the bundle code share:
 *   bundle_util.c   messages and errors, the limits, the revision syntax, the duplicate sets
 *   bundle_write.c  the writer: checks, the manifest, records, deflate, the trailer
 *   bundle_read.c   the reader's stream: gunzip, lines, failures, the end checks, open/close
 *   bundle_parse.c  what the lines say: the manifest and the record lines, parsed in place
 *   bundle_seal.c   the sealed envelope: sealing (writer) and unsealing (reader)
 * A sealed bundle is two bundles, one inside the other: the outer writer or reader holds the
 * readable manifest and the S lines, the inner one an ordinary signed bundle whose gzip bytes
 * are what the S lines encrypt. */
#ifndef ICS_BUNDLE_PRIVATE_H
#define ICS_BUNDLE_PRIVATE_H

#include "bundle.h"
#include "bundle_messages.h"
#include "ics_syntax.h"

#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <zlib.h>

/* ---- messages and errors ------------------------------------------------------------------ */
typedef enum { ICS_BUNDLE_MESSAGES(ICS_MESSAGE_ID) BM_COUNT } bundle_message;

extern const ics_message ics_bundle_messages[BM_COUNT];

/* The printf format of a message in a language (for the fragments marked ICS_OK). */
const char *ics_bundle_msg(bundle_message id, ics_lang lang);
/* Says message id in *err (unless err is NULL or already holds an error) after a prefix
 * already formatted ("record 3: ", or NULL), with `code` instead of the message's own unless
 * it is ICS_OK. Out of memory is said without allocating. */
void ics_bundle_vsay(ics_error *err, ics_lang lang, ics_code code, const char *prefix,
                 bundle_message id, va_list ap);
/* Copies *from into *to (when to is not NULL and empty): the same code and message. */
void ics_bundle_error_copy(ics_error *to, ics_lang lang, const ics_error *from);
/* sodium_init() (once; it may be called again). */
bool ics_bundle_start_sodium(void);

/* ---- sizes and fixed texts ---------------------------------------------------------------- */
enum {
  CHUNK = 64 * 1024,   /* bytes inflated or deflated at a time */
  FIRST_LINE_MAX = 64, /* "ictsurvey-bundle: N" */
  EXCERPT = 96         /* room for an excerpt of the input in a message */
};
#define DRAIN_MAX ((uint64_t)64 << 20) /* content inflated after an error to find damage */

#define BUNDLE_MAGIC "ictsurvey-bundle: "
/* What a signature signs: this, then the "end: N SHA256HEX\n" line. */
#define SIGNATURE_CONTEXT "ictsurvey-bundle-signature-1\n"

/* Sealed bundles: plaintext encrypted at a time, and the room for its base64 (with NUL). */
#define SEAL_CHUNK ((size_t)48 * 1024)
#define SEAL_TEXT_SIZE \
  sodium_base64_ENCODED_LEN(SEAL_CHUNK + crypto_secretstream_xchacha20poly1305_ABYTES, \
                            sodium_base64_VARIANT_ORIGINAL)

/* ---- the small syntaxes ----------------------------------------------------------------
 * UUIDs, times, years, counts, ids, versions, hashes, hex, the text check and excerpts are
 * common to the file formats: common/ics_syntax.h. */
enum {
  BUNDLE_UUID_LEN = ICS_UUID_LEN,
  BUNDLE_TIME_LEN = ICS_TIME_LEN,
  BUNDLE_HASH_LEN = ICS_HASH_LEN,
  BUNDLE_NAME_MAX = ICS_ID_MAX,
  BUNDLE_VERSION_MAX = ICS_VERSION_MAX
};
#define BUNDLE_ALLOW(c) ICS_TEXT_ALLOW(c)

/* A count from 1 to INT_MAX. */
bool ics_bundle_revision_parse(const char *s, size_t n, int *out);

/* Escaping and unescaping values: ics_escape_append and ics_unescape (ics_common.h). */

/* FNV-1a of a field name: only a first sieve before comparing names. */
static inline uint32_t bundle_name_hash_step(uint32_t h, unsigned char c) {
  return (h ^ c) * 16777619u;
}
#define BUNDLE_NAME_HASH_INIT 2166136261u

/* ---- the set of instance ids -------------------------------------------------------------
 * Open addressing over the 16 bytes of each UUID, hashed with SipHash under a random key so
 * that a hostile file cannot make it slow. Memory: 16 bytes a slot, at most 3/4 full. */
typedef struct {
  unsigned char *slots;   /* cap * 16 bytes; all-zero is an empty slot */
  size_t cap, count;
  bool has_nil;           /* the nil UUID (all zero), kept aside */
  unsigned char key[16];  /* SipHash key */
} bundle_idset;

/* Call once (needs sodium_init() done). */
void ics_bundle_idset_init(bundle_idset *set);
/* 1: added; 0: already there; -1: out of memory. */
int ics_bundle_idset_add(bundle_idset *set, const unsigned char id[16]);
void ics_bundle_idset_free(bundle_idset *set);

/* ---- duplicate field names in one record --------------------------------------------------
 * Up to 8 names: compared pairwise by hash. More: an open-addressing table reused from record
 * to record; if the hashes collide too much (a hostile file), the names are sorted instead. */
typedef struct {
  uint32_t *stamp;        /* the generation that filled each slot */
  uint32_t *index;        /* the value index in the slot */
  size_t cap;
  uint32_t generation;
  const char **sorted;    /* the fallback */
  size_t sorted_cap;
} bundle_nameset;

/* 1: names all different; 0: *dup is a name that appears twice; -1: out of memory.
 * hashes[i] is the FNV-1a of values[i].name. */
int ics_bundle_names_unique(bundle_nameset *set, const ics_bundle_value *values,
                        const uint32_t *hashes, size_t n, const char **dup);
void ics_bundle_nameset_free(bundle_nameset *set);

/* ---- the writer (bundle_write.c; its seal in bundle_seal.c) ------------------------------- */
struct ics_bundle_writer {
  ics_lang lang;
  ics_bundle_limits limits; /* what a reader accepts by default: never write more */
  ics_output out;           /* the file, written beside its name until ics_bundle_finish */
  z_stream zs;
  gz_header header; /* zlib keeps a pointer to it until the header is written */
  bool z_ready;
  unsigned char *zout;    /* CHUNK bytes of deflate output */
  ics_buf pending;        /* content not yet hashed and compressed */
  uint64_t content_bytes; /* content handed to deflate so far */
  crypto_hash_sha256_state sha;
  size_t form_count;
  char **form_ids;
  uint64_t *announced; /* records of each form in the manifest */
  uint64_t *written;   /* records of each form written */
  size_t last_form;    /* where the last record's form was found */
  uint64_t records;    /* records written */
  bundle_idset ids;
  bundle_nameset names;
  uint32_t *hashes; /* FNV-1a of each value's name in the current record */
  size_t hashes_cap;
  bool failed;
  /* format 2: signed with the store's Ed25519 key */
  bool signing;
  unsigned char signing_key[crypto_sign_SECRETKEYBYTES];
  /* sealed: this writer holds the readable manifest and the S lines; records go to `inner`, a
   * signed bundle whose gzip bytes are encrypted (`seal`) SEAL_CHUNK bytes at a time */
  ics_bundle_writer *inner;
  ics_bundle_writer *outer; /* in the inner: where its output goes instead of a file */
  crypto_secretstream_xchacha20poly1305_state seal;
  unsigned char *seal_plain, *seal_cipher; /* SEAL_CHUNK and SEAL_CHUNK + ABYTES bytes */
  char *seal_text;                         /* the base64 of one sealed chunk */
  size_t seal_len;                         /* plaintext waiting in seal_plain */
};

/* Sets *err to "PREFIX: MESSAGE" (prefix: BM_AT_WRITE_RECORD with the next record's number, or
 * BM_COUNT for none), marks the writer failed, returns -1. */
int ics_bundle_w_fail(ics_bundle_writer *w, ics_error *err, bundle_message at, bundle_message id, ...);
/* Hashes and compresses the pending content. */
int ics_bundle_flush_pending(ics_bundle_writer *w, ics_error *err);
/* The manifest up to the forms, with the format and the surveyor given. */
int ics_bundle_write_manifest_head(ics_bundle_writer *w, const ics_bundle_manifest *m, int format,
                               const char *surveyor, ics_error *err);
/* Sealing (bundle_seal.c): the readable manifest and the content key; the inner writer's gzip
 * bytes, SEAL_CHUNK at a time; one S line of what is gathered, `tag` the secretstream's. */
int ics_bundle_write_sealed_manifest(ics_bundle_writer *w, const ics_bundle_manifest *m,
                                 const unsigned char *central_key, ics_error *err);
int ics_bundle_seal_bytes(ics_bundle_writer *o, const unsigned char *p, size_t n, ics_error *err);
int ics_bundle_seal_chunk(ics_bundle_writer *o, unsigned char tag, ics_error *err);

/* ---- the reader (bundle_read.c, bundle_parse.c; its seal in bundle_seal.c) ---------------- */
typedef enum {
  K_CONTENT, /* the content is wrong: look further for damage that would explain it */
  K_GZIP,    /* the gzip data is damaged or truncated */
  K_OTHER    /* limits, input errors, memory */
} error_kind;

typedef enum { S_READING, S_DONE, S_FAILED } reader_state;

struct ics_bundle_reader {
  ics_lang lang;
  ics_bundle_limits limits;
  /* compressed input: a file read CHUNK bytes at a time, or bytes in memory */
  FILE *file;
  unsigned char *in;        /* file: CHUNK bytes */
  const unsigned char *mem; /* memory */
  size_t mem_size, mem_pos; /* memory: how much was handed to zlib */
  bool in_eof;              /* zlib has all the input there is */
  z_stream zs;
  bool z_ready, z_end; /* inflateInit2 done; the member's end (and CRC) reached */
  uint64_t member_end; /* offset of the byte after the member */
  /* decompressed content */
  unsigned char *out; /* CHUNK bytes; lines are used where they lie when they can */
  size_t out_pos, out_len;
  uint64_t out_total; /* content inflated so far */
  uint64_t out_limit; /* inflate no further than this */
  char *line;         /* a line that straddles chunks */
  size_t line_cap;
  uint64_t line_no; /* complete lines consumed */
  crypto_hash_sha256_state sha;
  /* manifest */
  ics_arena *arena;
  ics_bundle_manifest manifest;
  ics_bundle_form *forms;
  uint64_t *seen; /* records read of each form */
  size_t last_form;
  /* records */
  uint64_t records; /* record lines read */
  bool in_record;   /* messages name the record */
  ics_bundle_value *values;
  uint32_t *hashes;
  size_t values_cap;
  bundle_nameset names;
  bundle_idset ids;
  /* outcome */
  reader_state state;
  ics_error error; /* what went wrong (the first problem, see ics_bundle_fail) */
  bool draining;
  /* format 2: the signer's key */
  bool is_signed;
  unsigned char signer[crypto_sign_PUBLICKEYBYTES];
  char signer_hex[crypto_sign_PUBLICKEYBYTES * 2 + 1];
  /* sealed: the readable part is read here; the sealed bundle by `inner`, whose compressed
   * input is decrypted from this reader's S lines */
  bool sealed;
  unsigned char sealed_to[crypto_box_PUBLICKEYBYTES];
  unsigned char boxed_key[crypto_box_SEALBYTES + crypto_secretstream_xchacha20poly1305_KEYBYTES];
  unsigned char stream_header[crypto_secretstream_xchacha20poly1305_HEADERBYTES];
  crypto_secretstream_xchacha20poly1305_state stream;
  unsigned char *cipher; /* one decoded S line */
  ics_bundle_reader *inner;
  ics_bundle_reader *outer; /* in the inner: where its input comes from */
  bool outer_error;         /* in the inner: the error is the outer's, told as it is */
};

/* Records a problem in r->error and returns -1; one found while draining (only damage to the
 * gzip data counts then) replaces the first. After a K_CONTENT problem the rest of the member
 * is inflated, since damage or truncation found there is the real cause (bundle_read.c). */
int ics_bundle_fail(ics_bundle_reader *r, error_kind kind, bundle_message id, ...);
/* The same with "line N: " or "record N: line M: " before the message. */
int ics_bundle_fail_here(ics_bundle_reader *r, error_kind kind, bundle_message id, ...);
/* Inflates the next chunk of content into r->out. 1: out has bytes; 0: the member ended (its
 * CRC and length checked); -1: an error (recorded). */
int ics_bundle_inflate_more(ics_bundle_reader *r);
/* The next line of at most max bytes (without its "\n", which stays at (*line)[*len]).
 * 1: a line; 0: the content ended cleanly before it; -1: an error (recorded); -2: the line is
 * longer than max (not recorded). */
int ics_bundle_get_line(ics_bundle_reader *r, size_t max, char **line, size_t *len);
/* The next line, which must be there: 1, or -1 with a line too long or the content ending
 * before it recorded. */
int ics_bundle_need_line(ics_bundle_reader *r, char **line, size_t *len);
/* A line that is part of the hashed content: hashed, NUL-terminated, counted. */
int ics_bundle_take_line(ics_bundle_reader *r, char **line, size_t *len);
/* The line is valid UTF-8 with no control characters but those allowed. */
int ics_bundle_check_line_text(ics_bundle_reader *r, const char *s, size_t n, uint32_t allowed);
/* A reader of nothing yet; NULL when memory runs out. */
ics_bundle_reader *ics_bundle_reader_new(const ics_bundle_limits *limits, ics_lang lang);
/* Checks the gzip header, starts zlib and reads the manifest. */
int ics_bundle_reader_start(ics_bundle_reader *r);
/* The end line and everything only the end can tell. */
int ics_bundle_read_trailer(ics_bundle_reader *r, char *s, size_t n);

/* Parsing (bundle_parse.c): the manifest, from the first line; a record line s[0..n)
 * (NUL-terminated) in place: 1, or -1 (recorded). */
int ics_bundle_read_manifest(ics_bundle_reader *r);
int ics_bundle_parse_record(ics_bundle_reader *r, char *s, size_t n, ics_bundle_record *rec);

/* Unsealing (bundle_seal.c): the inner reader's compressed input from the outer's S lines;
 * the "sealed: " line s[0..n); a sealed bundle's next record (1/0/-1, as the inner gives). */
int ics_bundle_refill_sealed(ics_bundle_reader *r);
int ics_bundle_read_sealed_line(ics_bundle_reader *r, const char *s, size_t n);
int ics_bundle_next_sealed(ics_bundle_reader *r, ics_bundle_record *record);

#endif

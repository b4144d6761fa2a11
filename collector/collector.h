/* collector.h - the collector store: one SQLite file per surveyor holding the forms and the
 * unit register it was created with, the round, every revision of every record, and a log
 * of exports. Every change is a transaction with synchronous writes, so a confirmed answer
 * survives a crash or a power cut. Nothing is ever deleted: an edit adds a revision, a void
 * adds a void revision. */
#ifndef ICS_COLLECTOR_H
#define ICS_COLLECTOR_H

#include "answers_file.h"
#include "kit.h"
#include "schema.h"

typedef struct ics_store ics_store;

typedef enum { ICS_DRAFT, ICS_FINALIZED, ICS_VOID } ics_record_status;
const char *ics_record_status_name(ics_record_status status);

/* What the office holds of a record, by its receipts (collect receipt). */
typedef enum {
  ICS_OFFICE_NOTHING_YET, /* nothing to send: a draft never finalized */
  ICS_OFFICE_LACKS,       /* the revision an export carries is not in a receipt (yet) */
  ICS_OFFICE_HAS          /* a receipt says the office holds it */
} ics_office_state;

/* What the store keeps about a record besides its answers. */
typedef struct {
  char instance_id[37];
  int revision;
  char form_id[ICS_NAME_MAX + 1];
  ics_record_status status;
  char created_at[21]; /* UTC, YYYY-MM-DDTHH:MM:SSZ */
  char updated_at[21];
  int round;
  int carried_from;        /* the round a pre-filled kit carried it over from; 0: none */
  ics_office_state office; /* (filled by ics_store_list) */
} ics_record_info;

typedef struct {
  const char *site;
  const char *surveyor;
  int round;
  const char *const *form_texts; /* definition files' texts, each a valid form */
  const char *const *form_paths; /* their names, for messages */
  size_t form_count;
  const char *register_text;
  const char *register_path;
  const unsigned char *central_key; /* the office's public key (32 bytes): seal exports to it;
                                       NULL: exports are signed but not sealed */
  const unsigned char *office_key;  /* the office's signing key (32 bytes) its kits are signed
                                       with; NULL: not made from a kit */
  uint64_t kit_sequence;            /* the kit the store was made from (with office_key) */
  const char *kit_id;
} ics_store_setup;

/* Every function that can fail takes `ics_error *err` last (it may be NULL) and returns 0, or
 * -1 (pointers: NULL) with *err set, in the store's language (given to create and open). */

/* Creates a new store (refuses an existing file). */
int ics_store_create(const char *path, const ics_store_setup *setup, ics_lang lang, ics_error *err);
/* Creates a store with every form and the unit register found in a folder of definitions
 * (other YAML files there, such as targets.yaml, are left out). Problems in the definitions
 * go to diags (and *err says that there were some); *form_count gets the number of forms
 * copied. */
int ics_store_create_from_dir(const char *path, const char *site, const char *surveyor, int round,
                              const char *dir, const unsigned char *central_key, ics_lang lang,
                              size_t *form_count, ics_errors *diags, ics_error *err);
/* Creates a store from a survey kit whose signature was checked (kit.h): its forms, register,
 * round (round 0: the kit's; another is refused) and the office's keys. */
int ics_store_create_from_kit(const char *path, const char *site, const char *surveyor, int round,
                              const ics_kit *kit, ics_lang lang, ics_error *err);
/* Opens a store, loading its forms and register. */
ics_store *ics_store_open(const char *path, ics_lang lang, ics_error *err);
/* Opens a store for reading only: nothing of its file changes (one made before stores
 * carried their application id is known by its tables and left as it is). Whatever would
 * change the store fails. */
ics_store *ics_store_open_read_only(const char *path, ics_lang lang, ics_error *err);
void ics_store_close(ics_store *store);

const char *ics_store_id(const ics_store *store);
const char *ics_store_site(const ics_store *store);
const char *ics_store_surveyor(const ics_store *store);
int ics_store_round(const ics_store *store);
const ics_register *ics_store_register(const ics_store *store);
const ics_form *ics_store_form(const ics_store *store, const char *form_id);
size_t ics_store_form_count(const ics_store *store);
const ics_form *ics_store_form_at(const ics_store *store, size_t index);

/* Transactions around many changes (an answers file is stored all or nothing). */
int ics_store_begin(ics_store *store, ics_error *err);
int ics_store_commit(ics_store *store, ics_error *err);
void ics_store_rollback(ics_store *store);

/* Adds a new record (revision 1) with a fresh instance id (ics_uuid_new), written to id_out. */
int ics_store_add(ics_store *store, const ics_record *record, ics_record_status status,
                  char id_out[37], ics_error *err);
/* Loads the newest revision of a record. *record is allocated (ics_record_free). */
int ics_store_get(ics_store *store, const char *instance_id, ics_record **record,
                  ics_record_info *info, ics_error *err);
/* Stores a new revision (newest + 1) of an existing record. */
int ics_store_revise(ics_store *store, const char *instance_id, const ics_record *record,
                     ics_record_status status, ics_error *err);
/* Overwrites the newest revision in place: a draft being filled, answer by answer. */
int ics_store_update(ics_store *store, const char *instance_id, const ics_record *record,
                     ics_record_status status, ics_error *err);

/* Stores a change to a record being edited answer by answer (the browser's rule): a draft is
 * updated in place; a finalized record stays finalized while the change leaves it complete and
 * valid (`complete`) — updated in place, or a new revision once an export carried it — and
 * otherwise becomes a new draft revision, its finalized one still the revision exported until
 * it is finalized again. *status gets what the record became. A void record is refused
 * (ICS_E_STATE). One transaction. */
int ics_store_save_change(ics_store *store, const char *instance_id, const ics_record *record,
                          bool complete, ics_record_status *status, ics_error *err);

/* A record's answers replaced by those of a re-imported file, inside the caller's transaction:
 * a draft is updated in place and becomes `status`; a finalized record is updated in place
 * while no export carried it, else gets a new revision; made a draft, it gets a new draft
 * revision and its finalized one stays the revision exported. A void record is refused. */
int ics_store_replace(ics_store *store, const char *instance_id, const ics_record *record,
                      ics_record_status status, ics_error *err);

/* Another record (newest revision not void) of the same form and round with this natural
 * key, other than `except_id`: *found tells, and its id goes to found_id. */
int ics_store_find_key(ics_store *store, const char *form_id, const char *key,
                       const char *except_id, char found_id[37], bool *found, ics_error *err);
/* Whether the store holds any record of a form. */
int ics_store_has_records(ics_store *store, const char *form_id, bool *has, ics_error *err);

/* The record (newest revision) whose natural key is `key`, of form_id (NULL: of any form),
 * void when want_void (the newest such) and not void otherwise; its id goes to found_id. None:
 * ICS_E_NOT_FOUND; records of two forms with that key: ICS_E_CONFLICT (the message asks for
 * --form FORM). */
int ics_store_find_by_key(ics_store *store, const char *form_id, const char *key, bool want_void,
                          char found_id[37], ics_error *err);

/* Undoes a void: a new revision with the record's answers and the status it had before the
 * void (*restored tells which). Refused when the record is not void (ICS_E_STATE) and once an
 * export carried the void to the office (ICS_E_REFUSED): the office has acted on it. */
int ics_store_unvoid(ics_store *store, const char *instance_id, ics_record_status *restored,
                     ics_error *err);

/* Calls visit for the newest revision of every record, ordered by form then instance id, with
 * its answers decoded (record, valid during the call). A visitor returns 0 to go on; anything
 * else stops the listing, which then fails: the visitor says why in the *err it is given. */
typedef int (*ics_store_visitor)(void *ctx, const ics_record_info *info, const char *natural_key,
                                 const ics_record *record, ics_error *err);
int ics_store_list(ics_store *store, ics_store_visitor visit, void *ctx, ics_error *err);

typedef struct {
  const char *bundle_id; /* NULL: a new UUID */
  const char *created;   /* NULL: now */
  bool allow_empty;      /* write a bundle without records rather than refuse */
  bool pending;          /* only what no receipt says the office holds (collect export --pending) */
} ics_export_options;

/* What the store knows of the office's kits: the signing key its kits must carry (false when
 * the store was not made from a kit and never adopted one), and the last kit adopted. */
typedef struct {
  bool from_kit;
  unsigned char office_key[32];
  uint64_t sequence;
  char kit_id[37];
} ics_store_kit_info;
int ics_store_kit(ics_store *store, ics_store_kit_info *info, ics_error *err);

/* Adopts a newer kit of the office the store knows (its signature checked by the caller):
 * forms of the kit replace the store's of the same id, its register the store's, and after a
 * key rotation the kit's next keys become the office's. A store not made from a kit adopts
 * the kit's office (the caller shows its fingerprint). Records already stored are kept.
 * *adopted is false when the store has this kit already (nothing changed). A kit refused
 * (another office: ICS_E_KEY; an older kit, another round: ICS_E_REFUSED) or a store that
 * could not be written fails, and nothing changed.
 * A pre-filled kit (kit->prefill_store) is taken only by the store it was made for, in the
 * round its records are of: the store moves to the kit's round and the records, opened with
 * the store's key, become new drafts marked as carried over (new instance ids; the earlier
 * round's records stay as they were), *carried of them. None is exported until the surveyor
 * confirms (finalizes) it. */
int ics_store_adopt_kit(ics_store *store, const ics_kit *kit, bool *adopted, size_t *carried,
                        ics_error *err);

/* The central office's public key the store seals its exports to (replacing any earlier one:
 * the office changed keys). */
int ics_store_set_central_key(ics_store *store, const unsigned char key[32], ics_error *err);
/* The public half of the store's signing key in hex (what the central office records), when
 * the store has one (a store made before keys existed gets it at its first export). */
bool ics_store_signer(ics_store *store, char hex[65]);
/* Whether exports are sealed; if so, *fingerprint (ICS_FINGERPRINT_SIZE bytes) names the key. */
bool ics_store_sealed(ics_store *store, char *fingerprint);

/* Writes every finalized and void record (newest non-draft revision) into a bundle and logs
 * the export. With none to write it refuses (ICS_E_STATE: only drafts, or no record at all),
 * unless opts->allow_empty. The bundle is signed with the store's own key (made at init, or at the first
 * export of a store made before keys existed) and, when the store has the central office's
 * key, sealed to it. *records_out gets the number of records written. */
int ics_store_export(ics_store *store, const char *bundle_path, const ics_export_options *opts,
                     uint64_t *records_out, ics_error *err);

/* ---- what the office sends back ------------------------------------------------------------ */
typedef struct {
  size_t records; /* records of the store the receipt lists */
  size_t unknown; /* records it lists that the store does not have (left alone) */
  size_t bundles; /* exports of the store it lists */
} ics_receipt_counts;

/* Takes an office's receipt (its signature checked by ics_receipt_read): refused when it is
 * signed by another key than the office's this store trusts (ICS_E_KEY; also for a store not
 * made from a kit, which knows no such key) or made for another store (ICS_E_REFUSED). The
 * revisions it lists are marked received, never unmarked (an older receipt marks less). */
int ics_store_take_receipt(ics_store *store, const ics_receipt *receipt, ics_receipt_counts *counts,
                           ics_error *err);

/* Where the store stands (collect status, the browser's home page). */
typedef struct {
  size_t drafts, finalized, voided; /* the round's records, by status */
  size_t office_has, office_lacks;  /* of the round's records with something to send */
  size_t unconfirmed;               /* carried over by a pre-filled kit, not confirmed yet */
  size_t pending;                   /* what export --pending carries (of every round) */
  size_t earlier;                   /* records of earlier rounds kept in the store */
  size_t exports, exports_received; /* bundles written; of them, those a receipt lists */
  char last_receipt[21];            /* when the newest receipt was made; "" without one */
} ics_store_summary;
int ics_store_summarize(ics_store *store, ics_store_summary *summary, ics_error *err);

/* ---- platform seams ------------------------------------------------------------------ */
/* A new instance id: a version 7 UUID (time-ordered, 74 random bits from the OS). */
void ics_uuid_new(char out[37]);

/* ---- importing an answers file ------------------------------------------------------------ */
typedef struct {
  ics_answers_mode mode;     /* full, draft or patch */
  const ics_record *base;    /* patch: the record being edited */
  const char *edit_id;       /* patch: its id; the file's record becomes its next revision */
  ics_record_status status;  /* what the stored records become */
  ics_lang lang;
  bool encoding_given;       /* spreadsheet text without a byte-order mark is in `encoding` */
  ics_encoding encoding;
} ics_import_options;

/* What an import did with the file's records. */
typedef struct {
  size_t added;     /* new records */
  size_t updated;   /* records of the store (the same natural key) whose answers changed */
  size_t unchanged; /* records of the store the file holds as they are */
} ics_import_counts;

/* Imports every record of an answers file (text in memory when text is given, path then only
 * names it) in one transaction: all of them or none. A record whose natural key is a record
 * of the store (not void) replaces that record's answers (ics_store_replace) unless they are
 * the same; every other record is added. The ids of the file's records, new or not, are
 * appended to ids, one per line in file order; the reader's notes (guesses, dropped answers)
 * to notes; what was done to counts (each may be NULL). On failure *err is the store's error,
 * ICS_E_NO_MEMORY when memory ran out (in the store, the reader or ids and notes), or
 * ICS_E_INVALID ("Nothing of 'FILE' was stored: correct the errors above ...") when the
 * file's problems are in diags ("record N: FIELD: MESSAGE"). */
int ics_store_import(ics_store *store, const ics_form *form, const char *path, const char *text,
                     size_t len, const ics_import_options *opts, ics_buf *ids, ics_buf *notes,
                     ics_import_counts *counts, ics_errors *diags, ics_error *err);

/* ---- the wizard ----------------------------------------------------------------------------
 * A line-oriented terminal wizard: one question at a time with its label, hint, choices and
 * progress; every confirmed answer saved at once; commands to go back, skip, get help, save
 * and quit; a review screen before finalizing. Works on any terminal and on piped input. */
typedef struct {
  FILE *in;   /* answers are read from it */
  FILE *out;  /* questions and messages */
  ics_lang lang;
  const char *resume_command; /* the command that continues a draft, said on quitting; or NULL */
  int columns, rows;          /* the screen's size; 0: the terminal's (80x25 when unknown) */
} ics_wizard_io;

typedef enum {
  ICS_WIZARD_FINALIZED = 0, /* the record was checked and finalized */
  ICS_WIZARD_SAVED = 1,     /* saved as a draft: the surveyor quit, or input ended */
  ICS_WIZARD_ERROR = 2,     /* *err says why */
} ics_wizard_result;

/* Fills a new record of `form` (instance_id NULL) or continues one (a draft, or a finalized
 * record to edit). The record's id is written to id_out. */
ics_wizard_result ics_wizard_run(ics_store *store, const ics_form *form, const char *instance_id,
                                 ics_wizard_io *io, char id_out[37], ics_error *err);
/* A session of the wizard for one form: the form's drafts are listed by their titles to be
 * continued, else a new record starts; after each finalized record the surveyor may go on to
 * the next, with the answers the form carries over proposed. `saved` is told the id of each
 * record stored (finalized or left as a draft). Ends when the surveyor quits or input ends. */
ics_wizard_result ics_wizard_session(ics_store *store, const ics_form *form, ics_wizard_io *io,
                                     void (*saved)(void *ctx, const char *id), void *ctx,
                                     ics_error *err);
/* Asks a yes/no question on the wizard's terminal; `fallback` when input ends. */
bool ics_wizard_confirm(ics_wizard_io *io, const char *question, bool fallback);

#endif

/* web_private.h - what the parts of the web server share: the embedded assets, HTML
 * escaping and templates, the parser of request bodies, and the pages. */
#ifndef ICS_WEB_PRIVATE_H
#define ICS_WEB_PRIVATE_H

#include "collector.h"

/* ---- the assets of web/assets/, embedded by embed.py ------------------------------------- */
typedef struct {
  const char *name;         /* the file's base name: "app.css" */
  const char *content_type;
  const unsigned char *data; /* NUL-terminated (not counted in size) */
  size_t size;
} ics_web_asset;

extern const ics_web_asset ics_web_assets[];
extern const size_t ics_web_asset_count;
/* The asset of that name, or NULL. */
const ics_web_asset *ics_web_asset_find(const char *name);

/* ---- HTML and JSON -------------------------------------------------------------------------- */
/* Appends s escaped for HTML text and attribute values (& < > " ' ). */
void ics_html_escape(ics_buf *b, const char *s);
/* Appends s as a JSON string, quotes included. */
void ics_json_string(ics_buf *b, const char *s);
/* Appends the template asset `name` with every {{key}} replaced by the value of that key
 * (keys[i] -> values[i], values already escaped); an unknown key becomes nothing. */
void ics_html_template(ics_buf *b, const char *name, const char *const *keys,
                       const char *const *values, size_t count);

/* ---- request bodies (application/x-www-form-urlencoded) ---------------------------------- */
enum { ICS_WEB_MAX_PAIRS = 64 };

typedef struct {
  char *names[ICS_WEB_MAX_PAIRS];  /* decoded, NUL-terminated, valid UTF-8 */
  char *values[ICS_WEB_MAX_PAIRS];
  size_t count;
  char *storage; /* one allocation holding every name and value */
} ics_web_form;

/* Parses a form-encoded body of len bytes (not NUL-terminated). ICS_OK, ICS_E_SYNTAX (a bad
 * %-escape), ICS_E_NOT_UTF8 (a name or value that is not UTF-8, or holds NUL), ICS_E_LIMIT
 * (more than ICS_WEB_MAX_PAIRS pairs) or ICS_E_NO_MEMORY; the form is empty unless ICS_OK. */
ics_code ics_web_form_parse(const char *body, size_t len, ics_web_form *form);
/* The first value of name, or NULL. */
const char *ics_web_form_get(const ics_web_form *form, const char *name);
void ics_web_form_free(ics_web_form *form);

/* ---- pages ----------------------------------------------------------------------------------- */
typedef struct {
  ics_store *store;
  const char *store_path; /* the store's file: exports go beside it unless told otherwise */
  ics_lang lang;      /* the page's (every link names it) */
} ics_web_page;

/* A text in the page's language; "vi" or "en"; a record status in the page's words. */
const char *ics_web_tr(const ics_web_page *page, const char *vi, const char *en);
const char *ics_web_lang_name(ics_lang lang);
const char *ics_web_status_words(ics_record_status status, ics_lang lang);
/* The whole page into b: the layout (assets/page.html) around body (HTML already); path is
 * the page's own address, which the link to the other language repeats. */
void ics_web_layout(ics_buf *b, const ics_web_page *page, const char *title, const char *path,
                    const char *body);

/* The home page into b. 0, or -1 with *err set (the store could not be read). */
int ics_web_home(const ics_web_page *page, const char *search, ics_buf *b, ics_error *err);

/* The record page into out: a stored record (instance_id), or a new record of form_id not
 * stored yet, with the answers that record `from` (or NULL) carries over. finalize_refused:
 * the problems that keep it from being finalized are listed, each a link to its question.
 * 0, 1 when there is no such record or form, -1 with *err set. */
int ics_web_record(const ics_web_page *page, const char *instance_id, const char *form_id,
                   const char *from, bool finalize_refused, ics_buf *out, ics_error *err);

/* One answer the page sent (fields instance, or form and from for a record not stored yet;
 * field; value, repeated for checkboxes): set, checked by the form's engine and stored in one
 * transaction. JSON into json: the record's id and status, and for every field its relevance,
 * its message, a calculation's value, the choices its filter offers. Returns an HTTP status:
 * 200 (an answer refused is said beside its question, nothing stored), 400 (no such
 * question), 404 (no such record or form), 409 (a void record), 500 with *err set. */
int ics_web_answer(const ics_web_page *page, const ics_web_form *body, ics_buf *json, ics_error *err);

/* Finalizes a record when it is complete and valid: 303 (back to the record page), 200 with
 * the record page listing what is missing in out, 404, 409 (void), 500 with *err set. */
int ics_web_finalize(const ics_web_page *page, const char *instance_id, ics_buf *out, ics_error *err);
/* Voids a record once confirmed (303); before that, the question into out (200). */
int ics_web_void(const ics_web_page *page, const char *instance_id, bool confirmed, ics_buf *out,
                 ics_error *err);
/* Undoes a void: 303, or 404, 409 (not void, or its void already exported) with *err set. */
int ics_web_unvoid(const ics_web_page *page, const char *instance_id, ics_error *err);

/* The home page's export section into b (with the choice to send only what the office lacks
 * once a receipt came: summary), and the export itself into folder (NULL or "": the store's),
 * only what no receipt lists when pending: the result page into out, the bundle's path into
 * *written (replacing it) when one was written. 0, or -1 with *err set (the store could not be
 * read, memory). */
void ics_web_export_form(const ics_web_page *page, const ics_store_summary *summary, ics_buf *b);
int ics_web_export(const ics_web_page *page, const char *folder, bool pending, char **written,
                   ics_buf *out, ics_error *err);

#endif

/* answers_yaml.c - answers files in YAML, read as a stream of libyaml events, one record at
 * a time, without building a document tree. */
#include <yaml.h>

#include "ics_yaml.h"
#include "answers_private.h"

/* ---- YAML ----------------------------------------------------------------------------------
 * The shape is fixed: a sequence (the records) of mappings (field -> value), a value being a
 * scalar or, for select_multiple, a sequence of scalars. Anything else is skipped with an
 * error; libyaml's stacks are kept small by refusing deep nesting outright. */

/* What the reader needs of a libyaml event. */
typedef struct {
  yaml_event_type_t type;
  int line, col;        /* 1-based start */
  bool anchored;        /* carries an anchor, or is an alias */
  bool plain;           /* a plain scalar (where ~, null and nothing mean null) */
  bool too_long;        /* a scalar longer than ICS_ANSWERS_MAX_VALUE (value left empty) */
  bool has_nul;         /* a scalar holding a NUL (a "\0" escape): value is cut there */
  const char *value;    /* a scalar's text, NUL-terminated, in the libyaml event; "" else */
} yevent;

typedef struct {
  builder *b;
  source src;
  yaml_parser_t parser;
  size_t mark_index;    /* where the last event ended (characters), for the runaway check */
  int mark_line, mark_col;
  yevent ev;            /* the current event */
  yaml_event_t lib_ev;  /* the libyaml event behind it */
  bool have_lib_ev;
  char **codes;         /* the codes of a select_multiple being read */
  size_t code_count;
} yreader;

static int yaml_read(void *data, unsigned char *buffer, size_t size, size_t *size_read) {
  yreader *y = data;
  /* libyaml keeps a value it is scanning in memory: stop one that never ends */
  if (y->parser.mark.index > y->mark_index + ICS_ANSWERS_MAX_RUNAWAY) {
    src_error(&y->src, y->mark_line, y->mark_col, A_RUNAWAY, 0);
    return 0;
  }
  *size_read = src_read(&y->src, buffer, size);
  return !y->src.failed;
}

/* e describes le; a scalar's value points into le. */
static void describe(const yaml_event_t *le, yevent *e) {
  *e = (yevent){.type = le->type, .value = ""};
  ics_yaml_position(le->start_mark, &e->line, &e->col);
  switch (le->type) {
  case YAML_ALIAS_EVENT: e->anchored = true; break;
  case YAML_SEQUENCE_START_EVENT: e->anchored = le->data.sequence_start.anchor != NULL; break;
  case YAML_MAPPING_START_EVENT: e->anchored = le->data.mapping_start.anchor != NULL; break;
  case YAML_SCALAR_EVENT:
    e->anchored = le->data.scalar.anchor != NULL;
    e->plain = le->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
    e->too_long = le->data.scalar.length > ICS_ANSWERS_MAX_VALUE;
    if (!e->too_long) {
      e->value = (const char *)le->data.scalar.value;
      e->has_nul = memchr(e->value, '\0', le->data.scalar.length) != NULL;
    }
    break;
  default: break;
  }
}

/* The next event from libyaml into y->ev; false when libyaml or the source failed. */
static bool fetch(yreader *y) {
  if (y->have_lib_ev) yaml_event_delete(&y->lib_ev);
  y->have_lib_ev = yaml_parser_parse(&y->parser, &y->lib_ev);
  if (!y->have_lib_ev) return false;
  y->mark_index = y->lib_ev.end_mark.index;
  ics_yaml_position(y->lib_ev.end_mark, &y->mark_line, &y->mark_col);
  describe(&y->lib_ev, &y->ev);
  return true;
}

/* The next event into y->ev; false on an error (reported) or after a fatal error. */
static bool next_event(yreader *y) {
  builder *b = y->b;
  if (b->stop) return false;
  if (!fetch(y)) {
    if (y->src.failed) { /* the source says why */
      src_report(&y->src, b->name, b->lang, b->diags);
      b->stop = true;
      b->record_failed = true;
      return false;
    }
    if (y->parser.error == YAML_MEMORY_ERROR) {
      out_of_memory(b);
      return false;
    }
    int line, col;
    ics_yaml_position(y->parser.problem_mark, &line, &col);
    if (y->parser.error == YAML_READER_ERROR) { /* no mark: the scanner's position is close */
      ics_yaml_position(y->parser.mark, &line, &col);
    } else if (y->parser.context && y->src.eof && y->parser.problem_mark.index >= y->src.chars) {
      /* the file ended inside something (an unclosed quote): say where that began */
      ics_yaml_position(y->parser.context_mark, &line, &col);
    }
    ics_buf what = {0};
    ics_buf_puts(&what, y->parser.problem ? y->parser.problem : "?");
    if (y->parser.context) ics_buf_printf(&what, " (%s)", y->parser.context);
    if (what.failed) out_of_memory(b); /* not a mistake in the file */
    else fatal(b, line, col, A_YAML_SYNTAX, what.data);
    ics_buf_free(&what);
    return false;
  }
  const yevent *e = &y->ev;
  if (e->anchored) {
    fatal(b, e->line, e->col, A_ALIAS);
    return false;
  }
  if (e->too_long) {
    fatal(b, e->line, e->col, A_VALUE_TOO_LONG, ICS_ANSWERS_MAX_VALUE);
    return false;
  }
  return true;
}

static bool is_start(const yevent *e) {
  return e->type == YAML_SEQUENCE_START_EVENT || e->type == YAML_MAPPING_START_EVENT;
}

/* Skips the node whose first event is the current one. `depth` is how deep that node is. */
static bool skip_node(yreader *y, int depth) {
  if (!is_start(&y->ev)) return true;
  int open = 1;
  while (open > 0) {
    if (!next_event(y)) return false;
    if (is_start(&y->ev)) {
      open++;
      if (depth + open > ICS_DEF_MAX_DEPTH) {
        fatal(y->b, y->ev.line, y->ev.col, A_TOO_DEEP, ICS_DEF_MAX_DEPTH);
        return false;
      }
    } else if (y->ev.type == YAML_SEQUENCE_END_EVENT || y->ev.type == YAML_MAPPING_END_EVENT) {
      open--;
    }
  }
  return true;
}

static bool plain_null(const yevent *e) {
  if (e->type != YAML_SCALAR_EVENT || !e->plain) return false;
  const char *s = e->value;
  switch (s[0]) {
  case '\0': return true;
  case '~': return s[1] == '\0';
  case 'n': case 'N': return !strcmp(s, "null") || !strcmp(s, "Null") || !strcmp(s, "NULL");
  default: return false;
  }
}

static void free_codes(yreader *y) {
  for (size_t i = 0; i < y->code_count; i++) ics_free(y->codes[i]);
  y->code_count = 0;
}

/* A value holding a NUL ("\0" in double quotes) is refused like other control characters. */
static void nul_value(builder *b, int field) {
  b->bad[field] = true;
  report(b, ICS_E_TEXT_INVALID, 0, 0, b->form->fields[field].name, "%s",
         ics_status_message(ICS_E_TEXT_INVALID, b->lang));
}

/* A sequence of codes for a select_multiple field (the current event starts it). */
static bool read_codes(yreader *y, int field) {
  builder *b = y->b;
  const char *name = b->form->fields[field].name;
  bool ok = true;
  for (;;) {
    if (!next_event(y)) return false;
    const yevent *e = &y->ev;
    if (e->type == YAML_SEQUENCE_END_EVENT) break;
    if (e->type != YAML_SCALAR_EVENT || plain_null(e)) {
      if (ok) report(b, ICS_E_SYNTAX, e->line, e->col, name, "%s", msg(A_CODE_NOT_SCALAR, b->lang));
      ok = false;
      if (!skip_node(y, 4)) return false;
      continue;
    }
    if (!ok) continue;
    if (e->has_nul) {
      nul_value(b, field);
      ok = false;
      continue;
    }
    if (y->code_count == ICS_ANSWERS_MAX_CODES) {
      report(b, ICS_E_LIMIT, e->line, e->col, name, msg(A_TOO_MANY_CODES, b->lang), ICS_ANSWERS_MAX_CODES);
      ok = false;
      continue;
    }
    /* a code written with spaces around it is still the code */
    const char *s = e->value + strspn(e->value, " \t");
    size_t len = strlen(s);
    while (len && (s[len - 1] == ' ' || s[len - 1] == '\t')) len--;
    char *code = ics_strndup(s, len);
    if (!code) {
      out_of_memory(b);
      return false;
    }
    y->codes[y->code_count++] = code;
  }
  if (ok) set_codes(b, field, (const char *const *)y->codes, y->code_count);
  else b->bad[field] = true;
  free_codes(y);
  return !b->stop;
}

/* One record's answers: the current event starts its mapping. */
static bool read_record(yreader *y) {
  builder *b = y->b;
  for (;;) {
    if (!next_event(y)) return false;
    const yevent *e = &y->ev;
    if (e->type == YAML_MAPPING_END_EVENT) break;
    if (e->type != YAML_SCALAR_EVENT) {
      report(b, ICS_E_SYNTAX, e->line, e->col, NULL, "%s", msg(A_KEY_NOT_SCALAR, b->lang));
      if (!skip_node(y, 3) || !next_event(y) || !skip_node(y, 3)) return false;
      continue;
    }
    int field = e->has_nul ? -1 : find_field(b, e->value);
    if (field < 0 && e->has_nul) { /* shown with '?' for the NUL, as other control characters */
      ics_buf shown = {0};
      for (size_t i = 0; i < y->lib_ev.data.scalar.length; i++)
        ics_buf_putc(&shown, e->value[i] ? e->value[i] : '?');
      if (shown.failed) out_of_memory(b);
      else unknown_field(b, 0, 0, shown.data);
      ics_buf_free(&shown);
      if (!next_event(y) || !skip_node(y, 3)) return false;
      continue;
    }
    if (field < 0) {
      unknown_field(b, 0, 0, e->value);
      if (!next_event(y) || !skip_node(y, 3)) return false;
      continue;
    }
    bool first = mark_given(b, field);
    if (!next_event(y)) return false;
    const ics_field *f = &b->form->fields[field];
    if (!first) {
      if (!skip_node(y, 3)) return false;
    } else if (e->type == YAML_SCALAR_EVENT) {
      if (e->has_nul) nul_value(b, field);
      else set_text(b, field, plain_null(e) ? NULL : e->value);
    } else if (e->type == YAML_SEQUENCE_START_EVENT && f->type == ICS_SELECT_MULTIPLE) {
      if (!read_codes(y, field)) return false;
    } else {
      b->bad[field] = true;
      report(b, ICS_E_INVALID, e->line, e->col, f->name, "%s",
             msg(e->type == YAML_SEQUENCE_START_EVENT ? A_LIST_NOT_MULTIPLE : A_NESTED, b->lang));
      if (!skip_node(y, 3)) return false;
    }
    if (b->stop) return false;
  }
  return true; /* checked by the caller once the next event shows the syntax goes on */
}

void read_yaml(builder *b, source *src) {
  yreader y = {.b = b, .src = *src, .mark_line = 1, .mark_col = 1};
  y.src.yaml = true;
  y.codes = ics_calloc(ICS_ANSWERS_MAX_CODES, sizeof *y.codes);
  if (!y.codes) {
    out_of_memory(b);
    return;
  }
  if (!yaml_parser_initialize(&y.parser)) {
    ics_free(y.codes);
    out_of_memory(b);
    return;
  }
  yaml_parser_set_input(&y.parser, yaml_read, &y);
  yaml_parser_set_encoding(&y.parser, YAML_UTF8_ENCODING);

  int documents = 0;
  bool records = false; /* the root was a sequence */
  while (next_event(&y)) {
    const yevent *e = &y.ev;
    if (e->type == YAML_STREAM_END_EVENT) break;
    if (e->type == YAML_DOCUMENT_START_EVENT) {
      if (++documents > 1) {
        fatal(b, e->line, e->col, A_TWO_DOCUMENTS);
        break;
      }
      continue;
    }
    if (e->type != YAML_SEQUENCE_START_EVENT && e->type != YAML_MAPPING_START_EVENT &&
        e->type != YAML_SCALAR_EVENT)
      continue; /* stream start, document end */
    if (plain_null(e)) break; /* "~" or "---" alone: nothing */
    if (e->type != YAML_SEQUENCE_START_EVENT) {
      fatal(b, e->line, e->col, A_NOT_SEQUENCE);
      break;
    }
    records = true;
    /* A record is checked once the event after it was read: a syntax error right after its
     * end (a bad indentation closes the mapping first) leaves it unreported. */
    bool pending = false;
    for (;;) {
      if (!next_event(&y)) break;
      if (pending) {
        pending = false;
        end_record(b);
        if (b->stop) break;
      }
      e = &y.ev;
      if (e->type == YAML_SEQUENCE_END_EVENT) break;
      if (!begin_record(b, e->line, e->col)) break;
      if (e->type == YAML_MAPPING_START_EVENT) {
        if (!read_record(&y)) break;
        pending = true;
      } else {
        report(b, ICS_E_SYNTAX, e->line, e->col, NULL, "%s", msg(A_NOT_MAPPING, b->lang));
        if (!skip_node(&y, 2)) break;
      }
    }
    if (b->stop) break;
  }
  if (!b->stop && !records) fatal(b, 0, 0, A_EMPTY);
  if (y.have_lib_ev) yaml_event_delete(&y.lib_ev);
  yaml_parser_delete(&y.parser);
  free_codes(&y);
  ics_free(y.codes);
  *src = y.src;
}

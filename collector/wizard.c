/* wizard.c - the terminal wizard that surveyors fill forms with. Every changed answer is
 * written to the store before the next question, so a closed terminal or a power cut loses
 * at most the answer being typed; an answer that was only looked at changes nothing.
 *
 * A record is walked question by question (Enter keeps an answer, `<` goes back, `#N` jumps);
 * every change re-checks the whole record, so an answer that an earlier change made invalid is
 * asked again instead of being kept by Enter; the review screen lists every answer with its
 * problems, and finalizing asks each question still missing or invalid in turn. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "collector_private.h"

enum { LINE_MAX_BYTES = 4096, DEFAULT_COLUMNS = 80, DEFAULT_ROWS = 25, SHORT_LABEL = 40 };

/* Reads one line without its end; false at end of input or Ctrl-C. */
static bool read_line(ics_wizard_io *io, char *buf, size_t size) {
  return !ics_interrupted() && ics_read_line(io->in, buf, size);
}

#define OUT(io, ...) fprintf((io)->out, __VA_ARGS__)

/* A text of the wizard's screen (a prompt, a hint) in the surveyor's language; failures are
 * said with the message table instead. Both texts are checked as printf formats. */
static const char *text(const ics_wizard_io *io, const char *vi, const char *en)
    __attribute__((format_arg(2), format_arg(3)));
static const char *text(const ics_wizard_io *io, const char *vi, const char *en) {
  return io->lang == ICS_EN ? en : vi;
}

bool ics_wizard_confirm(ics_wizard_io *io, const char *question, bool fallback) {
  char line[64];
  for (;;) {
    OUT(io, "%s %s ", question, text(io, "(c/k)", "(y/n)"));
    fflush(io->out);
    if (!read_line(io, line, sizeof line)) return fallback;
    if (!strcmp(line, "c") || !strcmp(line, "có") || !strcmp(line, "y") || !strcmp(line, "yes"))
      return true;
    if (!strcmp(line, "k") || !strcmp(line, "không") || !strcmp(line, "n") || !strcmp(line, "no"))
      return false;
  }
}

/* ---- the screen: text wrapped at word boundaries ---------------------------------------- */
static void screen_size(const ics_wizard_io *io, int *columns, int *rows) {
  *columns = io->columns;
  *rows = io->rows;
  int c, r;
  if ((!*columns || !*rows) && ics_terminal_size(io->out, &c, &r)) {
    if (!*columns) *columns = c;
    if (!*rows) *rows = r;
  }
  if (*columns < 20) *columns = DEFAULT_COLUMNS;
  if (*rows < 10) *rows = DEFAULT_ROWS;
}

/* The columns a text takes on a terminal (a wide character takes two, a mark none). */
static size_t cells(const char *s, size_t n) {
  size_t width = 0;
  for (size_t i = 0; i < n;) {
    utf8proc_int32_t cp;
    utf8proc_ssize_t len = utf8proc_iterate((const utf8proc_uint8_t *)s + i, (utf8proc_ssize_t)(n - i), &cp);
    if (len <= 0) {
      width++;
      i++;
      continue;
    }
    width += (size_t)utf8proc_charwidth(cp);
    i += (size_t)len;
  }
  return width;
}

/* Prints text wrapped to the screen's width: the first line after `first` columns already
 * used, every next line indented by `indent` spaces; newlines in the text are kept. */
static void wrap(const ics_wizard_io *io, size_t first, size_t indent, const char *s) {
  int columns, rows;
  screen_size(io, &columns, &rows);
  size_t width = (size_t)columns - 1, col = first;
  while (*s) {
    if (*s == '\n') {
      OUT(io, "\n%*s", (int)indent, "");
      col = indent;
      s++;
      continue;
    }
    size_t spaces = strspn(s, " ");
    const char *word = s + spaces;
    size_t len = strcspn(word, " \n");
    size_t w = cells(word, len);
    if (col > indent && col + spaces + w > width) {
      OUT(io, "\n%*s", (int)indent, "");
      col = indent;
    } else {
      OUT(io, "%*s", (int)spaces, "");
      col += spaces;
    }
    OUT(io, "%.*s", (int)len, word);
    col += w;
    s = word + len;
  }
  OUT(io, "\n");
}

/* A line of the screen: `lead` (an indent, a marker) then the formatted text, wrapped with
 * its continuation lines under the text's start. */
static void say(const ics_wizard_io *io, const char *lead, const char *fmt, ...)
    ICS_PRINTF(3, 4);
static void say(const ics_wizard_io *io, const char *lead, const char *fmt, ...) {
  ics_buf b = {0};
  va_list ap;
  va_start(ap, fmt);
  ics_buf_vprintf(&b, fmt, ap);
  va_end(ap);
  size_t lead_cells = cells(lead, strlen(lead));
  OUT(io, "%s", lead);
  wrap(io, lead_cells, lead_cells, b.data ? b.data : fmt); /* no memory: the bare format */
  ics_buf_free(&b);
}

/* ---- the wizard ------------------------------------------------------------------------ */
typedef enum { OPENED_NEW, OPENED_DRAFT, OPENED_FINAL } opened_as;

typedef struct {
  ics_store *store;
  const ics_form *form;
  const ics_register *reg;
  ics_wizard_io *io;
  ics_record *rec;
  char id[37];         /* "" until the record is first stored */
  opened_as opened;
  bool stored;         /* a change was written in this session */
  ics_record_status stored_status;
  bool *relevant;      /* per field, as the answers now stand */
  const char **problem; /* per field: what is wrong with its value now (into `checked`) */
  ics_errors checked;
  int *order;          /* the questions now asked, in form order: question k+1 is order[k] */
  size_t total;
  bool *carried;       /* a value proposed from the previous record, not yet confirmed */
  int jump;            /* the field `#N` asks for */
  char open_id[37];    /* another record the surveyor chose to open instead */
  ics_error *err;
} wizard;

static bool askable(const ics_field *f) { return f->type != ICS_CALCULATE; }
static bool answerable(const ics_field *f) { return f->type != ICS_CALCULATE && f->type != ICS_NOTE; }

static const char *label_of(const wizard *w, int field) {
  return ics_text_get(w->form->fields[field].label, w->io->lang);
}

/* Checks the whole record as it now stands: relevance, the questions asked and their
 * numbers, and what is wrong with each answer. */
static int recheck(wizard *w) {
  ics_errors_free(&w->checked);
  ics_code st = ics_record_check(w->rec, w->reg, w->io->lang, ICS_CHECK_PARTIAL, &w->checked);
  if (st == ICS_E_NO_MEMORY) {
    ics_error_no_memory(w->err, w->io->lang);
    return -1;
  }
  ics_record_relevance(w->rec, w->reg, w->relevant);
  size_t n = w->form->field_count;
  for (size_t i = 0; i < n; i++) w->problem[i] = NULL;
  for (size_t k = 0; k < w->checked.count; k++) {
    const ics_error *e = &w->checked.items[k];
    int f = e->field ? ics_form_field_index(w->form, e->field) : -1;
    if (f >= 0 && !w->problem[f] && e->code != ICS_E_NOT_RELEVANT) w->problem[f] = e->message;
  }
  w->total = 0;
  for (size_t i = 0; i < n; i++)
    if (askable(&w->form->fields[i]) && w->relevant[i]) w->order[w->total++] = (int)i;
  return 0;
}

/* A question still to be answered: relevant, and missing although required, or invalid. */
static bool pending(const wizard *w, int i) {
  const ics_field *f = &w->form->fields[i];
  return w->relevant[i] && answerable(f) && (w->problem[i] || (f->required && !w->rec->values[i]));
}

static size_t number_of(const wizard *w, int field) {
  for (size_t k = 0; k < w->total; k++)
    if (w->order[k] == field) return k + 1;
  return 0;
}

/* The question after field i (form order), or -1 after the last. */
static int next_question(const wizard *w, int i) {
  for (size_t k = 0; k < w->total; k++)
    if (w->order[k] > i) return w->order[k];
  return -1;
}

static int first_pending(const wizard *w) {
  for (size_t k = 0; k < w->total; k++)
    if (pending(w, w->order[k])) return w->order[k];
  return -1;
}

/* Stores the record: the first time creates it (or, for a record already finalized, its next
 * revision); later times update that revision. */
static int store_record(wizard *w, ics_record_status status) {
  int rc;
  if (!w->id[0]) rc = ics_store_add(w->store, w->rec, status, w->id, w->err);
  else if (w->opened != OPENED_DRAFT && !w->stored) rc = ics_store_revise(w->store, w->id, w->rec, status, w->err);
  else rc = ics_store_update(w->store, w->id, w->rec, status, w->err);
  if (rc) return -1;
  w->stored = true;
  w->stored_status = status;
  return 0;
}

/* Writes a change. A finalized record being edited stays finalized while it is valid, and
 * becomes a draft only when a change leaves it incomplete (its finalized revision is still the
 * one exported). */
static int save_change(wizard *w) {
  ics_errors v = {0};
  int flags = ICS_CHECK_CLEAR_IRRELEVANT | (w->opened == OPENED_FINAL ? 0 : ICS_CHECK_PARTIAL);
  ics_code st = ics_record_check(w->rec, w->reg, w->io->lang, flags, &v);
  ics_errors_free(&v);
  if (st == ICS_E_NO_MEMORY) {
    ics_error_no_memory(w->err, w->io->lang);
    return -1;
  }
  ics_record_status status = w->opened == OPENED_FINAL && st == ICS_OK ? ICS_FINALIZED : ICS_DRAFT;
  return store_record(w, status) ? -1 : recheck(w);
}

/* After a change to field i: the other answers it made invalid, which will be asked again. */
static void report_invalidated(wizard *w, int changed) {
  ics_wizard_io *io = w->io;
  bool any = false;
  for (size_t k = 0; k < w->total; k++) {
    int f = w->order[k];
    if (f == changed || !w->rec->values[f] || !w->problem[f]) continue;
    if (!any)
      say(io, "  ! ", "%s", text(io, "Sau thay đổi này, các câu trả lời sau không còn hợp lệ và sẽ được hỏi lại:",
                                  "After this change these answers are no longer valid and will be asked again:"));
    any = true;
    char lead[64];
    snprintf(lead, sizeof lead, "    %s %zu. ", text(io, "Câu", "Question"), k + 1);
    say(io, lead, "%s: %s", label_of(w, f), w->problem[f]);
  }
}

static void print_help(wizard *w) {
  ics_wizard_io *io = w->io;
  OUT(io, "%s", text(io,
      "  Gõ câu trả lời rồi nhấn Enter.\n"
      "  Enter  giữ câu trả lời đang có, ghi trong [ ]\n"
      "  <      quay lại câu trước\n"
      "  -      bỏ qua câu không bắt buộc (xóa câu trả lời)\n"
      "  #N     tới câu số N, ví dụ #12\n"
      "  ?      xem hướng dẫn này\n"
      "  :q     lưu và thoát\n"
      "  *      sau câu hỏi: câu bắt buộc phải trả lời\n",
      "  Type the answer and press Enter.\n"
      "  Enter  keeps the current answer, shown in [ ]\n"
      "  <      back to the previous question\n"
      "  -      skip an optional question (clears the answer)\n"
      "  #N     go to question N, e.g. #12\n"
      "  ?      this help\n"
      "  :q     save and quit\n"
      "  *      after a question: it must be answered\n"));
  say(io, "  ", "%s", text(io, "Câu có danh sách lựa chọn: gõ số thứ tự, mã (chữ hoa hay chữ thường đều được) hoặc tên lựa chọn, có dấu hay không dấu.",
                           "Questions with a list: type the number, the code (in any case) or the choice's name."));
  if (io->resume_command)
    OUT(io, "%s\n    %s\n", text(io, "  Làm tiếp một bản nháp sau này bằng:", "  Continue a draft later with:"),
        io->resume_command);
}

/* The start of a label, cut at a word boundary, for prompts that remind of the question. */
static void short_label(const char *label, char *out, size_t size) {
  size_t n = strlen(label);
  if (cells(label, n) <= SHORT_LABEL || size < 8) {
    snprintf(out, size, "%s", label);
    return;
  }
  size_t cut = 0;
  for (size_t i = 0; i < n && i + 4 < size; i++) {
    if (label[i] == ' ' && cells(label, i) <= SHORT_LABEL - 1) cut = i;
    if (cells(label, i) > SHORT_LABEL) break;
  }
  if (!cut) cut = size - 5 < n ? size - 5 : n;
  while (cut && (label[cut] & 0xC0) == 0x80) cut--; /* never inside a character */
  snprintf(out, size, "%.*s…", (int)cut, label);
}

/* The choices offered now, numbered 1..count in the order shown: one per line, or in columns
 * when one per line would push the question off an 80x25 screen. */
static void print_choices(wizard *w, const ics_field *f, const size_t *offered, size_t count) {
  ics_wizard_io *io = w->io;
  int columns, rows;
  screen_size(io, &columns, &rows);
  ics_buf item = {0};
  size_t widest = 0;
  for (size_t k = 0; k < count; k++) {
    ics_choice c = ics_field_choice_at(f, w->reg, offered[k]);
    item.len = 0;
    ics_buf_printf(&item, "%2zu) %s [%s]", k + 1, ics_text_get(c.label, io->lang), c.code);
    if (item.data) {
      size_t width = cells(item.data, item.len);
      if (width > widest) widest = width;
    }
  }
  size_t per_row = 1;
  if (count > (size_t)rows - 10) {
    size_t cell = widest + 2;
    per_row = ((size_t)columns - 3) / cell;
    if (per_row < 2) per_row = 2; /* labels are cut to fit two columns */
  }
  size_t cell = per_row > 1 ? ((size_t)columns - 3) / per_row : widest;
  size_t lines = (count + per_row - 1) / per_row;
  for (size_t line = 0; line < lines; line++) {
    OUT(io, "  ");
    for (size_t col = 0; col < per_row; col++) {
      size_t k = col * lines + line; /* numbers run down the columns */
      if (k >= count) break;
      ics_choice c = ics_field_choice_at(f, w->reg, offered[k]);
      item.len = 0;
      ics_buf_printf(&item, "%2zu) %s [%s]", k + 1, ics_text_get(c.label, io->lang), c.code);
      if (!item.data) break;
      size_t width = cells(item.data, item.len);
      if (per_row > 1 && width > cell - 1) { /* cut the label, keep number and code */
        char code[80];
        snprintf(code, sizeof code, " [%s]", c.code);
        const char *label = ics_text_get(c.label, io->lang);
        size_t room = cell - 1 - cells(code, strlen(code)) - 5;
        size_t cut = 0;
        while (label[cut] && cells(label, cut) < room) {
          size_t len = ics_utf8_char(label + cut, strlen(label + cut));
          cut += len ? len : 1;
        }
        item.len = 0;
        ics_buf_printf(&item, "%2zu) %.*s…%s", k + 1, (int)cut, label, code);
        width = cells(item.data, item.len);
      }
      bool last = col + 1 == per_row || (col + 1) * lines + line >= count;
      OUT(io, "%s%*s", item.data, last ? 0 : (int)(cell - width), "");
    }
    OUT(io, "\n");
  }
  ics_buf_free(&item);
}

/* What the surveyor typed for a select question, as the codes ics_record_set takes: each
 * part (a select_multiple's parts are separated by commas, or by spaces when the whole part
 * is not a choice's name) a number, a code or a label. NULL with the problem said. */
static char *typed_choices(wizard *w, const ics_field *f, const char *line, const size_t *offered,
                           size_t count) {
  ics_wizard_io *io = w->io;
  ics_buf codes = {0};
  char range[32];
  if (count == 1) snprintf(range, sizeof range, "1");
  else snprintf(range, sizeof range, "1–%zu", count);
  bool multiple = f->type == ICS_SELECT_MULTIPLE;
  const char *p = line;
  while (*p) {
    size_t n = multiple ? strcspn(p, ",") : strlen(p);
    char *part = ics_strndup(p, n);
    if (!part) goto no_memory;
    p += n;
    if (*p == ',') p++;
    size_t choice, matches;
    ics_code st = ics_choice_match(f, w->reg, offered, count, part, &choice, &matches);
    if (st == ICS_E_UNKNOWN_CHOICE && multiple && !matches && strchr(part, ' ')) {
      /* "1 3" or "iu01 iu02": each word a choice */
      for (char *word = part; *word;) {
        size_t len = strcspn(word, " ");
        bool last = !word[len];
        word[len] = '\0';
        if (*word) {
          st = ics_choice_match(f, w->reg, offered, count, word, &choice, &matches);
          if (st != ICS_OK) {
            memmove(part, word, len + 1);
            break;
          }
          ics_buf_printf(&codes, "%s%s", codes.len ? " " : "", ics_field_choice_at(f, w->reg, choice).code);
        }
        if (last) break;
        word += len + 1;
      }
      if (st == ICS_OK) {
        ics_free(part);
        continue;
      }
    }
    if (st == ICS_E_NO_MEMORY) {
      ics_free(part);
      goto no_memory;
    }
    if (st != ICS_OK) {
      char *shown = part;
      while (*shown == ' ') shown++;
      if (!*shown) { /* ",," or a trailing comma: nothing to choose */
        ics_free(part);
        continue;
      }
      if (matches > 1)
        say(io, "  ", text(io, "'%s' khớp với %zu lựa chọn; hãy gõ số thứ tự (%s).",
                           "'%s' matches %zu choices; type its number (%s)."), shown, matches, range);
      else
        say(io, "  ", text(io, "Không có lựa chọn '%s'. Gõ số thứ tự (%s), mã hoặc tên lựa chọn.",
                           "There is no choice '%s'. Type a number (%s), a code or a choice's name."),
            shown, range);
      ics_free(part);
      ics_buf_free(&codes);
      return NULL;
    }
    ics_buf_printf(&codes, "%s%s", codes.len ? " " : "", ics_field_choice_at(f, w->reg, choice).code);
    ics_free(part);
  }
  if (!codes.data) ics_buf_puts(&codes, "");
  if (codes.data) return ics_buf_take(&codes);
no_memory:
  ics_buf_free(&codes);
  ics_error_no_memory(w->err, io->lang);
  return NULL;
}

static const char *type_hint(const ics_field *f, const ics_wizard_io *io) {
  switch (f->type) {
  case ICS_INTEGER: return text(io, "số nguyên", "a whole number");
  case ICS_DECIMAL: return text(io, "một số", "a number");
  case ICS_BOOLEAN: return text(io, "c = có, k = không", "y = yes, n = no");
  case ICS_DATE: return text(io, "ngày NNNN-TT-NN", "a date YYYY-MM-DD");
  default: return NULL;
  }
}

typedef enum { STEP_NEXT, STEP_BACK, STEP_JUMP, STEP_QUIT, STEP_ERROR } step;

/* Whether another record already has the natural key just typed, and the surveyor would
 * rather open it: then nothing of this record is kept. */
static int other_record_wanted(wizard *w, bool *wanted) {
  *wanted = false;
  const char *key = w->rec->values[w->form->key];
  if (!key) return 0;
  char found[37];
  bool seen;
  if (ics_store_find_key(w->store, w->form->id, key, w->id[0] ? w->id : NULL, found, &seen, w->err))
    return -1;
  if (!seen) return 0;
  ics_wizard_io *io = w->io;
  say(io, "  ! ", text(io, "Mã '%s' đã có trong kho (bản ghi %s): có thể người này đã được nhập.",
                       "The code '%s' is already in the store (record %s): this may be the same person."),
      key, found);
  if (ics_wizard_confirm(io, text(io, "  Mở bản ghi đó thay vì nhập mới?", "  Open that record instead?"), false)) {
    memcpy(w->open_id, found, 37);
    *wanted = true;
  }
  return 0;
}

/* "#12": the field of question 12, or -1 (said) when there is none. */
static int jump_target(wizard *w, const char *line) {
  char *end;
  long n = strtol(line + 1, &end, 10);
  if (end == line + 1 || *end || n < 1 || (size_t)n > w->total) {
    say(w->io, "  ", text(w->io, "Không có câu %s: các câu được đánh số 1–%zu.",
                          "There is no question %s: questions are numbered 1–%zu."), line + 1, w->total);
    return -1;
  }
  return w->order[n - 1];
}

/* Asks field i until it has an acceptable answer or the surveyor moves elsewhere. */
static step ask(wizard *w, int i) {
  ics_wizard_io *io = w->io;
  const ics_field *f = &w->form->fields[i];
  const char *section = f->group >= 0 ? ics_text_get(w->form->groups[f->group].label, io->lang) : "";
  OUT(io, "\n");
  say(io, "", "%s %zu/%zu%s%s", text(io, "Câu", "Question"), number_of(w, i), w->total,
      *section ? " · " : "", section);
  say(io, "", "%s%s", label_of(w, i), f->required ? " *" : "");
  const char *hint = ics_text_get(f->hint, io->lang);
  if (*hint) say(io, "  ", "(%s)", hint);
  char line[LINE_MAX_BYTES];
  if (f->type == ICS_NOTE) {
    OUT(io, "%s", text(io, "  [Enter để tiếp tục] ", "  [Enter to continue] "));
    fflush(io->out);
    if (!read_line(io, line, sizeof line) || !strcmp(line, ":q")) return STEP_QUIT;
    if (!strcmp(line, "<")) return STEP_BACK;
    if (line[0] == '#' && (w->jump = jump_target(w, line)) >= 0) return STEP_JUMP;
    return STEP_NEXT;
  }
  size_t *offered = NULL, count = 0;
  if (f->choices) {
    size_t all = ics_field_choice_count(f, w->reg);
    offered = ics_calloc(all ? all : 1, sizeof *offered);
    if (!offered) {
      ics_error_no_memory(w->err, io->lang);
      return STEP_ERROR;
    }
    for (size_t k = 0; k < all; k++)
      if (ics_record_choice_offered(w->rec, i, w->reg, k)) offered[count++] = k; /* choice_filter */
    if (count) print_choices(w, f, offered, count);
    else say(io, "  ", "%s", text(io, "(Không có lựa chọn nào phù hợp với các câu trả lời trước: gõ < để quay lại sửa chúng.)",
                                  "(No choice fits the earlier answers: type < to go back and change them.)"));
  }
  if (f->type == ICS_SELECT_MULTIPLE)
    say(io, "  ", "%s", text(io, "(chọn một hay nhiều, cách nhau bởi dấu phẩy)", "(choose one or more, separated by commas)"));
  if (w->carried[i]) say(io, "  ", "%s", text(io, "(câu trả lời trong [ ] lấy từ bản ghi trước; Enter để giữ)",
                                               "(the answer in [ ] comes from the previous record; Enter keeps it)"));
  char reminder[SHORT_LABEL * 4 + 8];
  short_label(label_of(w, i), reminder, sizeof reminder);
  step result;
  for (;;) {
    char *shown = ics_record_display(w->rec, i, w->reg, io->lang);
    const char *th = type_hint(f, io);
    char range[32] = "";
    if (f->choices && count) snprintf(range, sizeof range, count == 1 ? "1" : "1–%zu", count);
    ics_buf prompt = {0};
    ics_buf_printf(&prompt, "  %s", reminder);
    if (th || range[0]) ics_buf_printf(&prompt, " (%s%s%s)", range, range[0] && th ? "; " : "", th ? th : "");
    int columns, rows;
    screen_size(io, &columns, &rows);
    if (shown && *shown && prompt.data &&
        cells(prompt.data, prompt.len) + cells(shown, strlen(shown)) + 6 > (size_t)columns) {
      say(io, "  ", "[%s]", shown); /* too long for the prompt line: above it */
      ics_buf_puts(&prompt, " [ ]");
    } else if (shown && *shown) {
      ics_buf_printf(&prompt, " [%s]", shown);
    }
    OUT(io, "%s> ", prompt.data ? prompt.data : "");
    ics_buf_free(&prompt);
    ics_free(shown);
    fflush(io->out);
    if (!read_line(io, line, sizeof line)) {
      result = STEP_QUIT;
      break;
    }
    if (!strcmp(line, "?") || !strcmp(line, ":help")) {
      print_help(w);
      continue;
    }
    if (!strcmp(line, "<") || !strcmp(line, ":back")) {
      result = STEP_BACK;
      break;
    }
    if (!strcmp(line, ":q") || !strcmp(line, ":quit")) {
      result = STEP_QUIT;
      break;
    }
    if (line[0] == '#') {
      if ((w->jump = jump_target(w, line)) < 0) continue;
      result = STEP_JUMP;
      break;
    }
    char *before = w->rec->values[i] ? ics_strdup(w->rec->values[i]) : NULL;
    if (w->rec->values[i] && !before) goto no_memory;
    if (!strcmp(line, "-") || !strcmp(line, ":skip")) {
      if (f->required) {
        say(io, "  ", "%s", text(io, "Câu này bắt buộc, không bỏ qua được.", "This question is required and cannot be skipped."));
        ics_free(before);
        continue;
      }
      ics_record_clear(w->rec, i);
    } else if (!line[0]) {
      if (!w->rec->values[i] && f->default_value && !(w->rec->values[i] = ics_strdup(f->default_value))) {
        ics_free(before);
        goto no_memory;
      }
      if (!w->rec->values[i] && f->required) {
        say(io, "  ", "%s", ics_status_message(ICS_E_REQUIRED, io->lang));
        continue;
      }
    } else {
      char *codes = NULL;
      if (f->choices && !(codes = typed_choices(w, f, line, offered, count))) {
        ics_free(before);
        if (w->err && w->err->code == ICS_E_NO_MEMORY) goto error;
        continue;
      }
      ics_error why = {0};
      ics_code st = ics_record_set(w->rec, i, codes ? codes : line, w->reg, io->lang, &why);
      ics_free(codes);
      if (st != ICS_OK) {
        /* the general advice, then the precise problem when it says more */
        const char *advice = ics_status_message(st, io->lang);
        bool precise = why.message && strcmp(why.message, advice) && !f->choices;
        say(io, "  ", "%s%s%s", advice, precise ? " " : "", precise ? why.message : "");
        ics_error_clear(&why);
        ics_free(before);
        if (st == ICS_E_NO_MEMORY) goto no_memory;
        continue;
      }
    }
    bool changed = (before == NULL) != (w->rec->values[i] == NULL) ||
                   (before && strcmp(before, w->rec->values[i]));
    if (recheck(w)) {
      ics_free(before);
      goto error;
    }
    if (w->problem[i]) { /* this answer's own problem: asked again, the earlier answer kept */
      say(io, "  ", "%s", w->problem[i]);
      if (changed) {
        ics_free(w->rec->values[i]);
        w->rec->values[i] = before;
        before = NULL;
        if (recheck(w)) goto error;
      }
      ics_free(before);
      continue;
    }
    ics_free(before);
    w->carried[i] = false;
    if (!changed) {
      result = STEP_NEXT;
      break;
    }
    if (i == w->form->key) {
      bool wanted;
      if (other_record_wanted(w, &wanted)) goto error;
      if (wanted) {
        result = STEP_QUIT;
        break;
      }
    }
    if (save_change(w)) goto error;
    report_invalidated(w, i);
    result = STEP_NEXT;
    break;
  }
  ics_free(offered);
  return result;
no_memory:
  ics_error_no_memory(w->err, io->lang);
error:
  ics_free(offered);
  return STEP_ERROR;
}

/* The review screen: every answer under its question number, with what is wrong or missing.
 * Returns the field to ask again, or one of these. */
enum { REVIEW_FINALIZE = -1, REVIEW_QUIT = -2, REVIEW_BACK = -3 };

static int review(wizard *w) {
  ics_wizard_io *io = w->io;
  OUT(io, "\n%s\n", text(io, "== Xem lại các câu trả lời ==", "== Review your answers =="));
  for (size_t k = 0; k < w->total; k++) {
    int f = w->order[k];
    if (!answerable(&w->form->fields[f])) continue;
    char *shown = ics_record_display(w->rec, f, w->reg, io->lang);
    bool missing = w->form->fields[f].required && !w->rec->values[f];
    char lead[64];
    snprintf(lead, sizeof lead, "%s%3zu. ", w->problem[f] || missing ? " !" : "  ", k + 1);
    if (w->problem[f])
      say(io, lead, "%s: %s  (%s)", label_of(w, f), shown ? shown : "", w->problem[f]);
    else if (missing)
      say(io, lead, "%s: %s", label_of(w, f), text(io, "(chưa trả lời, bắt buộc)", "(no answer, required)"));
    else
      say(io, lead, "%s: %s", label_of(w, f), shown && *shown ? shown : text(io, "(bỏ trống)", "(no answer)"));
    ics_free(shown);
  }
  for (;;) {
    OUT(io, "%s", text(io, "Số câu để sửa · x hoàn tất · < quay lại · :q lưu và thoát> ",
                     "Question number to change · x finalize · < back · :q save and quit> "));
    fflush(io->out);
    char line[64];
    if (!read_line(io, line, sizeof line) || !strcmp(line, ":q")) return REVIEW_QUIT;
    if (!strcmp(line, "x") || !strcmp(line, "X")) return REVIEW_FINALIZE;
    if (!strcmp(line, "<")) return REVIEW_BACK;
    if (!strcmp(line, "?")) {
      print_help(w);
      continue;
    }
    char *end;
    const char *digits = line[0] == '#' ? line + 1 : line;
    long n = strtol(digits, &end, 10);
    if (end != digits && !*end && n >= 1 && (size_t)n <= w->total) return w->order[n - 1];
    say(io, "  ", text(io, "Gõ một số từ 1–%zu, 'x', '<' hoặc ':q'.", "Type a number from 1–%zu, 'x', '<' or ':q'."), w->total);
  }
}

/* Where a record opened again starts: at its first question that is missing or invalid
 * before its last answer, else after its last answer; a complete record at the review. */
static int start_field(const wizard *w) {
  int last = -1;
  for (size_t k = 0; k < w->total; k++)
    if (w->rec->values[w->order[k]]) last = w->order[k];
  for (size_t k = 0; k < w->total; k++) {
    int f = w->order[k];
    if (pending(w, f) || f > last) return w->opened == OPENED_FINAL && first_pending(w) < 0 ? -1 : f;
  }
  return -1;
}

/* Says what quitting left in the store. */
static void say_quit(wizard *w) {
  ics_wizard_io *io = w->io;
  OUT(io, "\n");
  if (!w->stored) {
    say(io, "", "%s", w->opened == OPENED_NEW
        ? text(io, "Chưa lưu gì: bản ghi này chưa có câu trả lời nào.", "Nothing was saved: this record has no answers yet.")
        : text(io, "Không có thay đổi nào; bản ghi vẫn như trước.", "Nothing changed; the record is as it was."));
    return;
  }
  if (w->stored_status == ICS_FINALIZED) {
    say(io, "", text(io, "Đã lưu các thay đổi; bản ghi %s vẫn là bản hoàn tất.",
                     "The changes are saved; the record %s stays finalized."), w->id);
    return;
  }
  say(io, "", text(io, "Đã lưu nháp (bản ghi %s).", "Saved as a draft (record %s)."), w->id);
  if (w->opened == OPENED_FINAL)
    say(io, "", "%s", text(io, "Bản ghi chưa đầy đủ nên được lưu thành nháp; bản hoàn tất trước đó vẫn là bản được gửi đi cho đến khi bạn hoàn tất lại.",
                           "The record is incomplete, so it was saved as a draft; its earlier finalized version is the one exported until you finalize it again."));
  if (io->resume_command) /* on a line of its own, never wrapped: it is copied as it is */
    OUT(io, "%s\n  %s\n", text(io, "Làm tiếp bằng:", "Continue with:"), io->resume_command);
}

/* Finalizes the record when it is complete and valid; else says what is missing. Returns 1
 * when finalized, 0 when not, -1 on failure. */
static int finalize(wizard *w) {
  ics_wizard_io *io = w->io;
  ics_errors v = {0};
  ics_code st = ics_record_check(w->rec, w->reg, io->lang, ICS_CHECK_CLEAR_IRRELEVANT, &v);
  if (st == ICS_E_NO_MEMORY) {
    ics_errors_free(&v);
    ics_error_no_memory(w->err, io->lang);
    return -1;
  }
  if (st != ICS_OK) {
    say(io, "", "%s", text(io, "Chưa hoàn tất được, còn các câu sau (sẽ hỏi lần lượt):",
                           "Not finalized yet; these questions remain (asked in turn):"));
    for (size_t k = 0; k < v.count; k++) {
      int f = v.items[k].field ? ics_form_field_index(w->form, v.items[k].field) : -1;
      size_t number = f >= 0 ? number_of(w, f) : 0;
      if (!number) { /* not a question of its own (a calculation): said as it is */
        say(io, "  ! ", "%s", v.items[k].message);
        continue;
      }
      char lead[64];
      snprintf(lead, sizeof lead, "  ! %s %zu. ", text(io, "Câu", "Question"), number);
      say(io, lead, "%s: %s", label_of(w, f), v.items[k].message);
    }
    ics_errors_free(&v);
    return recheck(w) ? -1 : 0;
  }
  ics_errors_free(&v);
  if (w->opened == OPENED_FINAL && !w->stored) {
    say(io, "", text(io, "\nKhông có thay đổi nào; bản ghi %s vẫn là bản hoàn tất.",
                     "\nNothing changed; the record %s stays finalized."), w->id);
    return 1;
  }
  if (store_record(w, ICS_FINALIZED)) return -1;
  say(io, "", text(io, "\nĐã hoàn tất và lưu bản ghi %s.", "\nFinalized and saved record %s."), w->id);
  return 1;
}

/* Fills one record: a new one (instance_id NULL; carry_from proposes the answers its form
 * carries over) or one already stored. *kept gets the record as it was left (may be NULL). */
static ics_wizard_result fill_record(ics_store *store, const ics_form *form, const char *instance_id,
                                     const ics_record *carry_from, ics_wizard_io *io, char id_out[37],
                                     char open_id[37], ics_record **kept, ics_error *err) {
  wizard w = {.store = store, .form = form, .reg = ics_store_register(store), .io = io, .err = err};
  ics_wizard_result result = ICS_WIZARD_ERROR;
  size_t n = form->field_count;
  int *history = ics_calloc(n + 1, sizeof *history);
  w.order = ics_calloc(n, sizeof *w.order);
  w.relevant = ics_calloc(n, sizeof *w.relevant);
  w.problem = ics_calloc(n, sizeof *w.problem);
  w.carried = ics_calloc(n, sizeof *w.carried);
  id_out[0] = open_id[0] = '\0';
  if (!history || !w.order || !w.relevant || !w.problem || !w.carried) {
    ics_error_no_memory(err, io->lang);
    goto done;
  }
  if (instance_id) {
    ics_record_info info;
    if (ics_store_get(store, instance_id, &w.rec, &info, err)) goto done;
    memcpy(w.id, info.instance_id, sizeof w.id);
    if (info.status == ICS_VOID) {
      ics_error_say(err, io->lang, CMSG(C_RECORD_VOID), w.id);
      goto done;
    }
    w.opened = info.status == ICS_DRAFT ? OPENED_DRAFT : OPENED_FINAL;
  } else {
    if (!(w.rec = ics_record_new(form))) {
      ics_error_no_memory(err, io->lang);
      goto done;
    }
    for (size_t k = 0; carry_from && k < n; k++) {
      if (!form->fields[k].carry || !carry_from->values[k]) continue;
      if (!(w.rec->values[k] = ics_strdup(carry_from->values[k]))) {
        ics_error_no_memory(err, io->lang);
        goto done;
      }
      w.carried[k] = true;
    }
  }
  if (recheck(&w)) goto done;

  OUT(io, "\n=== %s ===\n", ics_text_get(form->title, io->lang));
  say(io, "", text(io, "Đợt khảo sát %d · %s", "Survey round %d · %s"), ics_store_round(store), ics_store_site(store));
  say(io, "", "%s", text(io, "Enter giữ câu trả lời trong [ ] · < quay lại · - bỏ qua · #N tới câu N · :q lưu và thoát · ? hướng dẫn · * câu bắt buộc",
                         "Enter keeps the answer in [ ] · < back · - skip · #N go to question N · :q save and quit · ? help · * required"));

  enum { WALK, PENDING, REVIEW } mode = WALK;
  int cur = instance_id ? start_field(&w) : (w.total ? w.order[0] : -1);
  size_t depth = 0;
  if (cur < 0) mode = REVIEW;
  for (;;) {
    if (mode == PENDING && (cur = first_pending(&w)) < 0) mode = REVIEW;
    if (mode == WALK && cur < 0) mode = REVIEW;
    if (mode == REVIEW) {
      int choice = review(&w);
      if (choice == REVIEW_QUIT) {
        say_quit(&w);
        result = ICS_WIZARD_SAVED;
        break;
      }
      if (choice == REVIEW_BACK) {
        cur = w.total ? w.order[w.total - 1] : -1;
        mode = cur < 0 ? REVIEW : WALK;
        continue;
      }
      if (choice == REVIEW_FINALIZE) {
        int done = finalize(&w);
        if (done < 0) break;
        if (done) {
          result = ICS_WIZARD_FINALIZED;
          break;
        }
        mode = PENDING;
        continue;
      }
      step s = ask(&w, choice); /* one answer changed, then whatever it made necessary */
      if (s == STEP_ERROR) break;
      if (s == STEP_QUIT) {
        if (!w.open_id[0]) say_quit(&w);
        result = ICS_WIZARD_SAVED;
        break;
      }
      if (s == STEP_JUMP) {
        cur = w.jump;
        mode = WALK;
        continue;
      }
      mode = s == STEP_BACK ? REVIEW : PENDING;
      continue;
    }
    step s = ask(&w, cur);
    if (s == STEP_ERROR) break;
    if (s == STEP_QUIT) {
      if (!w.open_id[0]) say_quit(&w);
      result = ICS_WIZARD_SAVED;
      break;
    }
    if (s == STEP_BACK) {
      if (mode == PENDING) mode = REVIEW;
      else if (depth > 0) cur = history[--depth];
      continue;
    }
    if (s == STEP_JUMP) {
      if (depth < n) history[depth++] = cur;
      cur = w.jump;
      mode = WALK;
      continue;
    }
    if (mode == WALK) {
      if (depth < n) history[depth++] = cur;
      cur = next_question(&w, cur);
    }
  }
done:
  memcpy(id_out, w.id, 37);
  memcpy(open_id, w.open_id, 37);
  if (kept && result != ICS_WIZARD_ERROR) *kept = w.rec;
  else ics_record_free(w.rec);
  ics_errors_free(&w.checked);
  ics_free(history);
  ics_free(w.order);
  ics_free(w.relevant);
  ics_free(w.problem);
  ics_free(w.carried);
  return result;
}

/* One record, and the other record the surveyor chose to open instead when its key was
 * taken. */
static ics_wizard_result fill_one(ics_store *store, const ics_form *form, const char *instance_id,
                                  const ics_record *carry_from, ics_wizard_io *io, char id_out[37],
                                  ics_record **kept, ics_error *err) {
  char open_id[37];
  ics_wizard_result r = fill_record(store, form, instance_id, carry_from, io, id_out, open_id, kept, err);
  while (r != ICS_WIZARD_ERROR && open_id[0]) {
    if (kept) {
      ics_record_free(*kept);
      *kept = NULL;
    }
    char other[37];
    memcpy(other, open_id, 37);
    r = fill_record(store, form, other, NULL, io, id_out, open_id, kept, err);
  }
  return r;
}

ics_wizard_result ics_wizard_run(ics_store *store, const ics_form *form, const char *instance_id,
                                 ics_wizard_io *io, char id_out[37], ics_error *err) {
  ics_interrupt_catch(true);
  ics_wizard_result r = fill_one(store, form, instance_id, NULL, io, id_out, NULL, err);
  ics_interrupt_catch(false);
  return r;
}

/* ---- a session: drafts to resume, then record after record --------------------------- */
typedef struct {
  char id[37];
  char updated_at[21];
  char *title;
} draft;

typedef struct {
  const char *form_id;
  const ics_register *reg;
  ics_lang lang;
  draft *items;
  size_t count, cap;
} draft_list;

static int collect_draft(void *ctx, const ics_record_info *info, const char *natural_key,
                         const ics_record *rec, ics_error *err) {
  (void)natural_key;
  draft_list *d = ctx;
  if (info->status != ICS_DRAFT || strcmp(info->form_id, d->form_id)) return 0;
  if (d->count == d->cap) {
    size_t cap = d->cap ? d->cap * 2 : 8;
    draft *items = ics_realloc(d->items, cap * sizeof *items);
    if (!items) goto no_memory;
    d->items = items;
    d->cap = cap;
  }
  draft *item = &d->items[d->count];
  if (!(item->title = ics_record_title(rec, d->reg, d->lang))) goto no_memory;
  memcpy(item->id, info->instance_id, sizeof item->id);
  memcpy(item->updated_at, info->updated_at, sizeof item->updated_at);
  d->count++;
  return 0;
no_memory:
  ics_error_no_memory(err, d->lang);
  return -1;
}

/* Lists the form's drafts and asks which to continue: 1 with its id in `chosen`, 0 for a new
 * record, 2 to quit, -1 on failure. */
static int choose_draft(ics_store *store, const ics_form *form, ics_wizard_io *io, char chosen[37],
                        ics_error *err) {
  draft_list d = {.form_id = form->id, .reg = ics_store_register(store), .lang = io->lang};
  int answer = 0;
  if (ics_store_list(store, collect_draft, &d, err)) {
    answer = -1;
  } else if (d.count) {
    OUT(io, "\n");
    say(io, "", text(io, "Có %zu bản nháp của biểu mẫu '%s':", "There are %zu drafts of the form '%s':"), d.count, form->id);
    for (size_t k = 0; k < d.count; k++) {
      char lead[64];
      snprintf(lead, sizeof lead, "  %2zu) ", k + 1);
      say(io, lead, text(io, "%s  (sửa lần cuối %s)", "%s  (last changed %s)"),
          *d.items[k].title ? d.items[k].title : text(io, "(chưa có tên)", "(no name yet)"), d.items[k].updated_at);
    }
    char line[64];
    for (;;) {
      OUT(io, text(io, "Số bản nháp (1–%zu) để làm tiếp · Enter: bản ghi mới · :q thoát> ",
                   "Draft number (1–%zu) to continue · Enter: new record · :q quit> "), d.count);
      fflush(io->out);
      if (!read_line(io, line, sizeof line) || !strcmp(line, ":q")) {
        answer = 2;
        break;
      }
      if (!line[0] || !strcmp(line, "m") || !strcmp(line, "mới") || !strcmp(line, "n") || !strcmp(line, "new")) break;
      char *end;
      long k = strtol(line, &end, 10);
      if (end != line && !*end && k >= 1 && (size_t)k <= d.count) {
        memcpy(chosen, d.items[k - 1].id, 37);
        answer = 1;
        break;
      }
    }
  }
  for (size_t k = 0; k < d.count; k++) ics_free(d.items[k].title);
  ics_free(d.items);
  return answer;
}

ics_wizard_result ics_wizard_session(ics_store *store, const ics_form *form, ics_wizard_io *io,
                                     void (*saved)(void *ctx, const char *id), void *ctx,
                                     ics_error *err) {
  ics_interrupt_catch(true);
  char chosen[37], id[37];
  ics_wizard_result r = ICS_WIZARD_SAVED;
  int pick = choose_draft(store, form, io, chosen, err);
  if (pick < 0) r = ICS_WIZARD_ERROR;
  ics_record *previous = NULL;
  while (pick == 0 || pick == 1) {
    ics_record *kept = NULL;
    r = fill_one(store, form, pick == 1 ? chosen : NULL, previous, io, id, &kept, err);
    ics_record_free(previous);
    previous = kept;
    if (r == ICS_WIZARD_ERROR) break;
    if (id[0] && saved) saved(ctx, id);
    if (r != ICS_WIZARD_FINALIZED || ics_interrupted()) break;
    OUT(io, "\n");
    if (!ics_wizard_confirm(io, text(io, "Nhập bản ghi tiếp theo?", "Fill in the next record?"), false)) break;
    pick = 0;
  }
  ics_record_free(previous);
  ics_interrupt_catch(false);
  return r;
}

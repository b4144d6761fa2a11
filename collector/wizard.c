/* wizard.c - the terminal wizard that surveyors fill forms with. Every confirmed answer is
 * written to the store before the next question, so a closed terminal or a power cut loses
 * at most the answer being typed. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collector_private.h"

/* ---- the terminal seam: reading a line, noticing Ctrl-C ---------------------------------- */
static volatile sig_atomic_t interrupted;

static void on_interrupt(int sig) {
  (void)sig;
  interrupted = 1;
}

/* Ctrl-C ends the current question like end-of-input: the draft is already saved. */
static void catch_interrupt(bool on) {
#ifdef _WIN32
  signal(SIGINT, on ? on_interrupt : SIG_DFL);
#else
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on ? on_interrupt : SIG_DFL;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0; /* no SA_RESTART: a read in progress returns */
  sigaction(SIGINT, &sa, NULL);
#endif
}

enum { LINE_MAX_BYTES = 4096 };

/* Reads one line without its end; false at end of input or Ctrl-C. */
static bool read_line(ics_wizard_io *io, char *buf, size_t size) {
  FILE *in = io->in;
  if (interrupted || !fgets(buf, (int)size, in)) return false;
  size_t n = strlen(buf);
  if (n && buf[n - 1] != '\n' && !feof(in)) { /* too long: drop the rest of the line */
    int c;
    while ((c = fgetc(in)) != EOF && c != '\n') {
    }
  }
  while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r')) buf[--n] = '\0';
  return true;
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

/* ---- the wizard ------------------------------------------------------------------------ */
typedef struct {
  ics_store *store;
  const ics_form *form;
  const ics_register *reg;
  ics_wizard_io *io;
  ics_record *rec;
  char id[37];           /* "" until the first answer is saved */
  bool editing_final;    /* a finalized record: the first change makes a new revision */
  bool revised;
  bool *relevant;
  ics_error *err;
} wizard;

static bool askable(const ics_field *f) { return f->type != ICS_CALCULATE; }

/* Saves the record as it is now; the first save creates it (or its new revision). */
static int save(wizard *w, ics_record_status status) {
  ics_errors v = {0};
  ics_code st = ics_record_check(w->rec, w->reg, w->io->lang,
                                 ICS_CHECK_CLEAR_IRRELEVANT | ICS_CHECK_PARTIAL, &v);
  ics_errors_free(&v);
  if (st == ICS_E_NO_MEMORY) {
    ics_error_no_memory(w->err, w->io->lang);
    return -1;
  }
  if (!w->id[0]) return ics_store_add(w->store, w->rec, status, w->id, w->err);
  if (w->editing_final && !w->revised) {
    w->revised = true;
    return ics_store_revise(w->store, w->id, w->rec, status, w->err);
  }
  return ics_store_update(w->store, w->id, w->rec, status, w->err);
}

static void print_choices(wizard *w, const ics_field *f) {
  ics_wizard_io *io = w->io;
  size_t count = ics_field_choice_count(f, w->reg);
  for (size_t i = 0; i < count; i++) {
    ics_choice c = ics_field_choice_at(f, w->reg, i);
    OUT(io, "  %2zu) %s [%s]\n", i + 1, ics_text_get(c.label, io->lang), c.code);
  }
}

/* A choice's code from its number in the list, or NULL. */
static const char *choice_by_number(wizard *w, const ics_field *f, const char *word) {
  char *end;
  long n = strtol(word, &end, 10);
  if (*end || end == word || n < 1 || (size_t)n > ics_field_choice_count(f, w->reg)) return NULL;
  return ics_field_choice_at(f, w->reg, (size_t)n - 1).code;
}

/* Turns "1 3" or "gender codes" into codes: numbers pick from the list. */
static char *translate_choices(wizard *w, const ics_field *f, const char *line) {
  ics_buf b = {0};
  char word[128];
  for (const char *p = line; *p;) {
    while (*p == ' ' || *p == ',') p++;
    size_t n = strcspn(p, " ,");
    if (!n) break;
    snprintf(word, sizeof word, "%.*s", (int)(n < sizeof word ? n : sizeof word - 1), p);
    const char *code = choice_by_number(w, f, word);
    if (b.len) ics_buf_putc(&b, ' ');
    ics_buf_puts(&b, code ? code : word);
    p += n;
  }
  return ics_buf_take(&b);
}

static const char *type_hint(const ics_field *f, const ics_wizard_io *io) {
  switch (f->type) {
  case ICS_INTEGER: return text(io, "một số nguyên", "a whole number");
  case ICS_DECIMAL: return text(io, "một số", "a number");
  case ICS_BOOLEAN: return text(io, "c = có, k = không", "y = yes, n = no");
  case ICS_DATE: return text(io, "ngày dạng NNNN-TT-NN", "a date YYYY-MM-DD");
  case ICS_SELECT_ONE: return text(io, "gõ số thứ tự hoặc mã", "type a number or a code");
  case ICS_SELECT_MULTIPLE:
    return text(io, "một hay nhiều số hoặc mã, cách nhau bởi dấu cách",
                "one or more numbers or codes, separated by spaces");
  default: return NULL;
  }
}

static void print_help(ics_wizard_io *io) {
  OUT(io, "%s", text(io,
      "  Gõ câu trả lời rồi nhấn Enter. Enter trống: giữ câu trả lời đang có.\n"
      "  <   quay lại câu trước          -   bỏ qua câu không bắt buộc (xóa câu trả lời)\n"
      "  ?   xem hướng dẫn này           :q  lưu nháp và thoát (làm tiếp sau bằng 'collect fill')\n",
      "  Type the answer and press Enter. An empty line keeps the current answer.\n"
      "  <   back to the previous question   -   skip an optional question (clear the answer)\n"
      "  ?   this help                       :q  save as a draft and quit (continue later with 'collect fill')\n"));
}

typedef enum { STEP_NEXT, STEP_BACK, STEP_QUIT, STEP_ERROR, STEP_REVIEW } step;

/* Offers to open the record that already has this natural key. */
static step check_key(wizard *w, char *open_id) {
  const char *key = w->rec->values[w->form->key];
  if (!key) return STEP_NEXT;
  char found[37];
  bool seen;
  if (ics_store_find_key(w->store, w->form->id, key, w->id[0] ? w->id : NULL, found, &seen, w->err))
    return STEP_ERROR;
  if (!seen) return STEP_NEXT;
  ics_wizard_io *io = w->io;
  OUT(io, text(io, "  ! Mã '%s' đã có trong kho (bản ghi %s): có thể người này đã được nhập.\n",
                "  ! The code '%s' is already in the store (record %s): this may be the same person.\n"),
      key, found);
  if (ics_wizard_confirm(io, text(io, "  Mở bản ghi đó thay vì nhập mới?", "  Open that record instead?"), false)) {
    memcpy(open_id, found, 37);
    return STEP_QUIT;
  }
  return STEP_NEXT;
}

/* Asks field i until it has an acceptable answer or the surveyor moves elsewhere. */
static step ask(wizard *w, size_t i, size_t number, size_t total, char *open_id) {
  ics_wizard_io *io = w->io;
  const ics_field *f = &w->form->fields[i];
  const char *section = f->group >= 0 ? ics_text_get(w->form->groups[f->group].label, io->lang) : "";
  OUT(io, "\n%s %zu/%zu%s%s\n", text(io, "Câu", "Question"), number, total, *section ? " · " : "", section);
  OUT(io, "%s%s\n", ics_text_get(f->label, io->lang), f->required ? " *" : "");
  const char *hint = ics_text_get(f->hint, io->lang);
  if (*hint) OUT(io, "  (%s)\n", hint);
  if (f->type == ICS_NOTE) {
    OUT(io, "%s", text(io, "  [Enter để tiếp tục] ", "  [Enter to continue] "));
    fflush(io->out);
    char line[LINE_MAX_BYTES];
    if (!read_line(io, line, sizeof line)) return STEP_QUIT;
    return !strcmp(line, "<") ? STEP_BACK : !strcmp(line, ":q") ? STEP_QUIT : STEP_NEXT;
  }
  if (f->choices) print_choices(w, f);
  const char *th = type_hint(f, io);
  for (;;) {
    char *shown = ics_record_display(w->rec, (int)i, w->reg, io->lang);
    if (th) OUT(io, "  %s%s%s%s> ", th, shown && *shown ? " [" : "", shown && *shown ? shown : "",
                shown && *shown ? "]" : "");
    else OUT(io, "  %s%s%s> ", shown && *shown ? "[" : "", shown && *shown ? shown : "",
             shown && *shown ? "] " : "");
    ics_free(shown);
    fflush(io->out);
    char line[LINE_MAX_BYTES];
    if (!read_line(io, line, sizeof line)) return STEP_QUIT;
    if (!strcmp(line, "?") || !strcmp(line, ":help")) {
      print_help(io);
      continue;
    }
    if (!strcmp(line, "<") || !strcmp(line, ":back")) return STEP_BACK;
    if (!strcmp(line, ":q") || !strcmp(line, ":quit")) return STEP_QUIT;
    if (!strcmp(line, "-") || !strcmp(line, ":skip")) {
      if (f->required) {
        OUT(io, "  %s\n", text(io, "Câu này bắt buộc, không bỏ qua được.", "This question is required and cannot be skipped."));
        continue;
      }
      ics_record_clear(w->rec, (int)i);
      return save(w, ICS_DRAFT) ? STEP_ERROR : STEP_NEXT;
    }
    if (!line[0]) {
      if (!w->rec->values[i] && f->default_value) {
        w->rec->values[i] = ics_strdup(f->default_value);
        if (!w->rec->values[i]) {
          ics_error_no_memory(w->err, io->lang);
          return STEP_ERROR;
        }
      }
      if (!w->rec->values[i]) {
        if (f->required) {
          OUT(io, "  %s\n", ics_status_message(ICS_E_REQUIRED, io->lang));
          continue;
        }
        return STEP_NEXT;
      }
    } else {
      char *previous = w->rec->values[i] ? ics_strdup(w->rec->values[i]) : NULL;
      char *text = f->choices ? translate_choices(w, f, line) : NULL;
      ics_error why = {0};
      ics_code st = ics_record_set(w->rec, (int)i, text ? text : line, w->reg, io->lang, &why);
      ics_free(text);
      if (st != ICS_OK) {
        /* the general advice, then the precise problem when there is one */
        const char *advice = ics_status_message(st, io->lang);
        bool precise = why.message && strcmp(why.message, advice);
        OUT(io, "  %s%s%s\n", advice, precise ? " " : "", precise ? why.message : "");
        ics_error_clear(&why);
        ics_free(previous);
        continue;
      }
      /* this answer's own constraint, at once */
      ics_errors v = {0};
      ics_record_check(w->rec, w->reg, io->lang, ICS_CHECK_PARTIAL, &v);
      const char *problem = NULL;
      for (size_t k = 0; k < v.count && !problem; k++)
        if (v.items[k].code == ICS_E_CONSTRAINT && !strcmp(v.items[k].field, f->name))
          problem = v.items[k].message;
      if (problem) {
        OUT(io, "  %s\n", problem);
        ics_free(w->rec->values[i]);
        w->rec->values[i] = previous;
        ics_errors_free(&v);
        continue;
      }
      ics_errors_free(&v);
      ics_free(previous);
    }
    if (save(w, ICS_DRAFT)) return STEP_ERROR;
    if ((int)i == w->form->key) return check_key(w, open_id);
    return STEP_NEXT;
  }
}

/* The review screen: every answer, numbered; a number changes that answer. Returns the field
 * to ask again, -1 to finalize, -2 to quit. */
static int review(wizard *w, const size_t *order, size_t count) {
  ics_wizard_io *io = w->io;
  OUT(io, "\n%s\n", text(io, "== Xem lại các câu trả lời ==", "== Review your answers =="));
  for (size_t k = 0; k < count; k++) {
    char *shown = ics_record_display(w->rec, (int)order[k], w->reg, io->lang);
    OUT(io, "  %2zu. %s: %s\n", k + 1, ics_text_get(w->form->fields[order[k]].label, io->lang),
        shown && *shown ? shown : text(io, "(bỏ trống)", "(no answer)"));
    ics_free(shown);
  }
  for (;;) {
    OUT(io, "%s", text(io, "Gõ số câu để sửa, 'x' để hoàn tất, ':q' để lưu nháp> ",
                     "Type a number to change that answer, 'x' to finalize, ':q' to save a draft> "));
    fflush(io->out);
    char line[64];
    if (!read_line(io, line, sizeof line) || !strcmp(line, ":q")) return -2;
    if (!strcmp(line, "x") || !strcmp(line, "X")) return -1;
    char *end;
    long n = strtol(line, &end, 10);
    if (!*end && n >= 1 && (size_t)n <= count) return (int)order[n - 1];
  }
}

ics_wizard_result ics_wizard_run(ics_store *store, const ics_form *form, const char *instance_id,
                                 ics_wizard_io *io, char id_out[37], ics_error *err) {
  wizard w = {.store = store, .form = form, .reg = ics_store_register(store), .io = io,
              .err = err};
  ics_wizard_result result = ICS_WIZARD_ERROR;
  char open_id[37] = "";
  size_t n = form->field_count;
  size_t *order = ics_calloc(n, sizeof *order);
  size_t *history = ics_calloc(n + 1, sizeof *history);
  w.relevant = ics_calloc(n, sizeof *w.relevant);
  if (!order || !history || !w.relevant) {
    ics_error_no_memory(err, io->lang);
    goto done;
  }
  if (instance_id) {
    ics_record_info info;
    if (ics_store_get(store, instance_id, &w.rec, &info, err)) goto done;
    memcpy(w.id, info.instance_id, sizeof w.id);
    w.editing_final = info.status != ICS_DRAFT;
    if (info.status == ICS_VOID) {
      ics_error_say(err, io->lang, CMSG(C_RECORD_VOID), w.id);
      goto done;
    }
  } else {
    w.rec = ics_record_new(form);
    if (!w.rec) {
      ics_error_no_memory(err, io->lang);
      goto done;
    }
  }
  interrupted = 0;
  catch_interrupt(true);
  OUT(io, "\n=== %s ===\n", ics_text_get(form->title, io->lang));
  OUT(io, text(io, "Đợt khảo sát %d · %s · gõ ? để xem hướng dẫn\n", "Survey round %d · %s · type ? for help\n"),
      ics_store_round(store), ics_store_site(store));

  size_t i = 0, depth = 0;
  int revisit = -1; /* a field chosen on the review screen */
  for (;;) {
    ics_record_relevance(w.rec, w.reg, w.relevant);
    size_t total = 0, number = 0;
    for (size_t k = 0; k < n; k++)
      if (askable(&form->fields[k]) && w.relevant[k]) order[total++] = k;
    if (revisit < 0) {
      while (i < n && (!askable(&form->fields[i]) || !w.relevant[i])) i++;
    }
    if (revisit < 0 && i >= n) {
      size_t answered = 0;
      for (size_t k = 0; k < total; k++)
        if (form->fields[order[k]].type != ICS_NOTE) order[answered++] = order[k];
      int choice = review(&w, order, answered);
      if (choice == -2) {
        result = save(&w, ICS_DRAFT) ? ICS_WIZARD_ERROR : ICS_WIZARD_SAVED;
        break;
      }
      if (choice >= 0) {
        revisit = choice;
        continue;
      }
      ics_errors v = {0};
      ics_code st = ics_record_check(w.rec, w.reg, io->lang, ICS_CHECK_CLEAR_IRRELEVANT, &v);
      if (st == ICS_OK) {
        ics_errors_free(&v);
        if (save(&w, ICS_FINALIZED)) break;
        OUT(io, text(io, "\nĐã hoàn tất và lưu bản ghi %s.\n", "\nFinalized and saved record %s.\n"), w.id);
        result = ICS_WIZARD_FINALIZED;
        break;
      }
      for (size_t k = 0; k < v.count; k++) {
        int f = ics_form_field_index(form, v.items[k].field);
        OUT(io, "  ! %s: %s\n", f >= 0 ? ics_text_get(form->fields[f].label, io->lang) : v.items[k].field,
            v.items[k].message);
      }
      revisit = v.count ? ics_form_field_index(form, v.items[0].field) : -1;
      ics_errors_free(&v);
      if (st == ICS_E_NO_MEMORY) {
        ics_error_no_memory(err, io->lang);
        break;
      }
      continue;
    }
    size_t current = revisit >= 0 ? (size_t)revisit : i;
    for (size_t k = 0; k < total; k++)
      if (order[k] == current) number = k + 1;
    step s = ask(&w, current, number ? number : total, total, open_id);
    if (s == STEP_ERROR) break;
    if (s == STEP_QUIT) {
      if (w.id[0] && save(&w, ICS_DRAFT)) break;
      result = ICS_WIZARD_SAVED;
      if (!open_id[0])
        OUT(io, "%s", text(io, "\nĐã lưu nháp. Làm tiếp bằng: ictsurvey collect fill ... (chọn làm tiếp)\n",
                         "\nSaved as a draft. Continue with: ictsurvey collect fill ... (choose to resume)\n"));
      break;
    }
    if (revisit >= 0) { /* back to the review screen */
      revisit = -1;
      continue;
    }
    if (s == STEP_BACK) {
      if (depth > 0) i = history[--depth];
      continue;
    }
    history[depth++] = i;
    i++;
  }
  catch_interrupt(false);
  if (open_id[0]) { /* the surveyor chose the existing record */
    memcpy(id_out, open_id, 37);
    ics_record_free(w.rec);
    w.rec = NULL;
    ics_free(order);
    ics_free(history);
    ics_free(w.relevant);
    return ics_wizard_run(store, form, open_id, io, id_out, err);
  }
done:
  if (result != ICS_WIZARD_ERROR || w.id[0]) memcpy(id_out, w.id, 37);
  ics_record_free(w.rec);
  ics_free(order);
  ics_free(history);
  ics_free(w.relevant);
  return result;
}

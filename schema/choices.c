/* choices.c - finding the choice a person meant: by its number in the list shown, by its code
 * in any case, or by its label typed as people type it (any case, with or without Vietnamese
 * diacritics). The wizard uses it; answers typed in spreadsheets can use it too. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <utf8proc.h>

#include "schema.h"

char *ics_text_fold(const char *s, bool strip_marks) {
  utf8proc_option_t opts = UTF8PROC_NULLTERM | UTF8PROC_STABLE | UTF8PROC_CASEFOLD |
                           (strip_marks ? UTF8PROC_DECOMPOSE | UTF8PROC_STRIPMARK : UTF8PROC_COMPOSE);
  utf8proc_uint8_t *mapped = NULL;
  utf8proc_ssize_t len = utf8proc_map((const utf8proc_uint8_t *)s, 0, &mapped, opts);
  if (len == UTF8PROC_ERROR_NOMEM) return NULL;
  if (len < 0) return ics_strdup(s); /* not UTF-8: compared as it is */
  char *out = ics_malloc(strlen((char *)mapped) + 1);
  if (!out) {
    free(mapped); /* utf8proc allocates with malloc */
    return NULL;
  }
  size_t n = 0;
  bool space = false;
  for (const unsigned char *p = mapped; *p; p++) {
    if (*p == ' ' || *p == '\t') {
      space = n > 0;
      continue;
    }
    if (space) out[n++] = ' ';
    space = false;
    /* đ (U+0111) is a letter of its own, not d with a mark: people typing without
       diacritics write d */
    if (strip_marks && p[0] == 0xC4 && p[1] == 0x91) {
      out[n++] = 'd';
      p++;
      continue;
    }
    out[n++] = (char)*p;
  }
  out[n] = '\0';
  free(mapped);
  return out;
}

/* Whether a label (in either language) folds to `typed`, already folded the same way. */
static int label_matches(ics_text label, const char *typed, bool strip_marks) {
  for (int lang = ICS_VI; lang <= ICS_EN; lang++) {
    const char *text = ics_text_get(label, (ics_lang)lang);
    if (!*text) continue;
    char *folded = ics_text_fold(text, strip_marks);
    if (!folded) return -1;
    bool same = !strcmp(folded, typed);
    ics_free(folded);
    if (same) return 1;
  }
  return 0;
}

ics_code ics_choice_match(const ics_field *f, const ics_register *reg, const size_t *offered,
                          size_t offered_count, const char *typed, size_t *choice,
                          size_t *matches) {
  *matches = 0;
  while (*typed == ' ') typed++;
  size_t len = strlen(typed);
  while (len && typed[len - 1] == ' ') len--;
  if (!len) return ICS_E_UNKNOWN_CHOICE;

  char *end;
  long number = strtol(typed, &end, 10);
  if (end == typed + len && number >= 1 && (size_t)number <= offered_count) {
    *choice = offered[number - 1];
    *matches = 1;
    return ICS_OK;
  }
  for (size_t k = 0; k < offered_count; k++) { /* the code as written, then in any case */
    const char *code = ics_field_choice_at(f, reg, offered[k]).code;
    if (strlen(code) == len && !strncmp(code, typed, len)) {
      *choice = offered[k];
      *matches = 1;
      return ICS_OK;
    }
  }
  for (size_t k = 0; k < offered_count; k++) {
    const char *code = ics_field_choice_at(f, reg, offered[k]).code;
    if (strlen(code) == len && !strncasecmp(code, typed, len)) {
      *choice = offered[k];
      (*matches)++;
    }
  }
  if (*matches == 1) return ICS_OK;
  if (*matches > 1) return ICS_E_UNKNOWN_CHOICE;

  /* labels: exactly as spelled (in any case) first, so that "Nữ" never means "Nu" */
  for (int strip = 0; strip <= 1 && *matches == 0; strip++) {
    char *raw = ics_strndup(typed, len);
    char *want = raw ? ics_text_fold(raw, strip) : NULL;
    ics_free(raw);
    if (!want) return ICS_E_NO_MEMORY;
    for (size_t k = 0; k < offered_count; k++) {
      int m = label_matches(ics_field_choice_at(f, reg, offered[k]).label, want, strip);
      if (m < 0) {
        ics_free(want);
        return ICS_E_NO_MEMORY;
      }
      if (m) {
        *choice = offered[k];
        (*matches)++;
      }
    }
    ics_free(want);
  }
  return *matches == 1 ? ICS_OK : ICS_E_UNKNOWN_CHOICE;
}

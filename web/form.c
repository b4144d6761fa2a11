/* form.c - the parser of request bodies the pages send (application/x-www-form-urlencoded):
 * input from outside, parsed defensively (bounded pairs, every escape checked, UTF-8 only). */
#include <string.h>

#include "web_private.h"

static int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* Decodes in[0..n) into out (+ and %XX), NUL-terminating it; false on a bad escape. */
static bool decode(const char *in, size_t n, char *out, size_t *out_len) {
  size_t k = 0;
  for (size_t i = 0; i < n; i++) {
    if (in[i] == '+') {
      out[k++] = ' ';
    } else if (in[i] == '%') {
      if (i + 2 >= n) return false;
      int hi = hex_digit(in[i + 1]);
      int lo = hex_digit(in[i + 2]);
      if (hi < 0 || lo < 0) return false;
      out[k++] = (char)(hi * 16 + lo);
      i += 2;
    } else {
      out[k++] = in[i];
    }
  }
  out[k] = '\0';
  *out_len = k;
  return true;
}

ics_code ics_web_form_parse(const char *body, size_t len, ics_web_form *form) {
  memset(form, 0, sizeof *form);
  if (!len) return ICS_OK;
  /* decoded text is never longer than the body: one block of len + 1 per pair at most */
  size_t pairs = 1;
  for (size_t i = 0; i < len; i++) pairs += body[i] == '&';
  if (pairs > ICS_WEB_MAX_PAIRS) return ICS_E_LIMIT;
  char *storage = ics_malloc(len + 2 * pairs);
  if (!storage) return ICS_E_NO_MEMORY;
  char *at = storage;
  ics_code status = ICS_OK;
  size_t start = 0;
  while (start <= len && status == ICS_OK) {
    const char *pair = body + start;
    const char *amp = memchr(pair, '&', len - start);
    size_t n = amp ? (size_t)(amp - pair) : len - start;
    start += n + 1;
    if (!n) continue; /* "a=1&&b=2" */
    const char *eq = memchr(pair, '=', n);
    size_t name_n = eq ? (size_t)(eq - pair) : n;
    size_t name_len, value_len;
    char *name = at;
    if (!decode(pair, name_n, name, &name_len)) {
      status = ICS_E_SYNTAX;
      break;
    }
    char *value = name + name_len + 1;
    if (!decode(eq ? eq + 1 : pair + n, eq ? n - name_n - 1 : 0, value, &value_len)) {
      status = ICS_E_SYNTAX;
      break;
    }
    size_t bad;
    if (!ics_utf8_valid(name, name_len, &bad) || !ics_utf8_valid(value, value_len, &bad)) {
      status = ICS_E_NOT_UTF8;
      break;
    }
    at = value + value_len + 1;
    form->names[form->count] = name;
    form->values[form->count] = value;
    form->count++;
  }
  if (status != ICS_OK) {
    ics_free(storage);
    memset(form, 0, sizeof *form);
    return status;
  }
  form->storage = storage;
  return ICS_OK;
}

const char *ics_web_form_get(const ics_web_form *form, const char *name) {
  for (size_t i = 0; i < form->count; i++)
    if (!strcmp(form->names[i], name)) return form->values[i];
  return NULL;
}

void ics_web_form_free(ics_web_form *form) {
  ics_free(form->storage);
  memset(form, 0, sizeof *form);
}

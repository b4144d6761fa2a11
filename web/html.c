/* html.c - text made safe for the pages (HTML escaping, JSON strings), the page templates of
 * web/assets/ filled in, and the embedded assets found by name. */
#include <string.h>

#include "web_private.h"

const ics_web_asset *ics_web_asset_find(const char *name) {
  for (size_t i = 0; i < ics_web_asset_count; i++)
    if (!strcmp(ics_web_assets[i].name, name)) return &ics_web_assets[i];
  return NULL;
}

void ics_html_escape(ics_buf *b, const char *s) {
  if (!s) return;
  const char *run = s;
  for (; *s; s++) {
    const char *entity = NULL;
    switch (*s) {
    case '&': entity = "&amp;"; break;
    case '<': entity = "&lt;"; break;
    case '>': entity = "&gt;"; break;
    case '"': entity = "&quot;"; break;
    case '\'': entity = "&#39;"; break;
    default: continue;
    }
    ics_buf_append(b, run, (size_t)(s - run));
    ics_buf_puts(b, entity);
    run = s + 1;
  }
  ics_buf_append(b, run, (size_t)(s - run));
}

void ics_json_string(ics_buf *b, const char *s) {
  ics_buf_putc(b, '"');
  for (; s && *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\') {
      ics_buf_putc(b, '\\');
      ics_buf_putc(b, (char)c);
    } else if (c == '<') { /* never "</script>" in a page that inlines JSON */
      ics_buf_puts(b, "\\u003c");
    } else if (c < 0x20) {
      ics_buf_printf(b, "\\u%04x", c);
    } else {
      ics_buf_putc(b, (char)c);
    }
  }
  ics_buf_putc(b, '"');
}

void ics_html_template(ics_buf *b, const char *name, const char *const *keys,
                       const char *const *values, size_t count) {
  const ics_web_asset *asset = ics_web_asset_find(name);
  if (!asset) {
    b->failed = true; /* a template missing from the build: the page cannot be made */
    return;
  }
  const char *s = (const char *)asset->data, *end = s + asset->size;
  while (s < end) {
    const char *open = strstr(s, "{{");
    const char *close = open ? strstr(open + 2, "}}") : NULL;
    if (!open || !close) {
      ics_buf_append(b, s, (size_t)(end - s));
      break;
    }
    ics_buf_append(b, s, (size_t)(open - s));
    size_t n = (size_t)(close - open - 2);
    for (size_t i = 0; i < count; i++)
      if (strlen(keys[i]) == n && !memcmp(keys[i], open + 2, n)) ics_buf_puts(b, values[i]);
    s = close + 2;
  }
}

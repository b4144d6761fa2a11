/* central_schema.c - the names of the tables of current records (central_schema.h). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "central_private.h"

static const char prefix[] = "form_", child_separator[] = "__";

static int name(char *buf, size_t cap, const char *fmt, ...) ICS_PRINTF(3, 4);
static int name(char *buf, size_t cap, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(buf, cap, fmt, ap);
  va_end(ap);
  if (n >= 0 && (size_t)n < cap) return 0;
  if (cap) buf[0] = '\0';
  return -1;
}

int ics_central_form_table(char *buf, size_t cap, const char *form_id) {
  return name(buf, cap, "%s%s", prefix, form_id);
}

int ics_central_child_table(char *buf, size_t cap, const char *form_id, const char *field) {
  return name(buf, cap, "%s%s%s%s", prefix, form_id, child_separator, field);
}

int ics_central_key_index(char *buf, size_t cap, const char *form_id) {
  return name(buf, cap, "%s%s_by_key", prefix, form_id);
}

bool ics_central_form_of_table(const char *table, char form_id[ICS_CENTRAL_NAME_MAX],
                               const char **field) {
  size_t skip = sizeof prefix - 1;
  if (strncmp(table, prefix, skip) != 0 || !table[skip]) return false;
  const char *id = table + skip, *sep = strstr(id, child_separator);
  size_t len = sep ? (size_t)(sep - id) : strlen(id);
  const char *child = sep ? sep + sizeof child_separator - 1 : NULL;
  /* longer names are no form's (the loader allows ICS_NAME_MAX): so the names made from
   * these always fit */
  if (!len || len > ICS_NAME_MAX || (child && (!*child || strlen(child) > ICS_NAME_MAX))) return false;
  memcpy(form_id, id, len);
  form_id[len] = '\0';
  *field = child;
  return true;
}

/* register.c - the unit register: the districts and the agencies expected to report. */
#include <string.h>

#include "loader.h"

struct ics_register_private {
  ics_arena *arena;
};

const ics_district *ics_register_district(const ics_register *reg, const char *code) {
  for (size_t i = 0; i < reg->district_count; i++)
    if (!strcmp(reg->districts[i].code, code)) return &reg->districts[i];
  return NULL;
}

const ics_agency *ics_register_agency(const ics_register *reg, const char *code) {
  for (size_t i = 0; i < reg->agency_count; i++)
    if (!strcmp(reg->agencies[i].code, code)) return &reg->agencies[i];
  return NULL;
}

static bool all_of(const char *s, size_t n, size_t max, const char *allowed_extra, bool digits_only) {
  if (n < 1 || n > max) return false;
  for (size_t i = 0; i < n; i++) {
    char c = s[i];
    bool ok = (c >= '0' && c <= '9') ||
              (!digits_only && ((c >= 'A' && c <= 'Z') || strchr(allowed_extra, c)));
    if (!ok || c == '\0') return false;
  }
  return true;
}

/* The index of an earlier entry with the same code, or -1. */
static int find_earlier(const char *const *codes, size_t count, const char *code) {
  for (size_t i = 0; i < count; i++)
    if (codes[i] && !strcmp(codes[i], code)) return (int)i;
  return -1;
}

ics_register *ics_register_parse(const char *path, const char *text, size_t len, ics_lang lang,
                                 ics_errors *diags) {
  ics_arena *arena = ics_arena_new();
  ics_register *reg = arena ? ics_arena_alloc(arena, sizeof *reg) : NULL;
  struct ics_register_private *priv = reg ? ics_arena_alloc(arena, sizeof *priv) : NULL;
  if (!priv) {
    ics_arena_free(arena);
    ics_errors_say(diags, lang, path, 0, 0, MSG(M_NO_MEMORY));
    return NULL;
  }
  priv->arena = arena;
  reg->priv = priv;
  loader ld = {.path = path, .lang = lang, .diags = diags, .arena = arena};
  const ynode *root = ics_ld_open(&ld, text, len, NULL, NULL);
  static const char *const keys[] = {"register", "version", "districts", "agencies", NULL};
  if (!root || !ics_ld_check_keys(&ld, root, keys, ics_msg(M_TOP_LEVEL, lang))) goto done;
  const ynode *n;
  if ((n = ics_ld_require(&ld, root, "register"))) reg->id = ics_ld_identifier(&ld, n, "register id");
  if ((n = ics_ld_require(&ld, root, "version"))) reg->version = ics_ld_scalar(&ld, n, "'version'");

  const ynode *districts = ics_ld_require(&ld, root, "districts");
  if (districts && districts->kind != YN_SEQUENCE) {
    ics_ld_error(&ld, districts, M_EXPECTED_SEQUENCE, "'districts'");
  } else if (districts && districts->count > ICS_MAX_CHOICES) {
    ics_ld_error(&ld, districts, M_TOO_MANY, "districts", ICS_MAX_CHOICES);
  } else if (districts) {
    ics_district *items = ics_ld_alloc(&ld, (districts->count + 1) * sizeof *items);
    const char **codes = ics_ld_alloc(&ld, (districts->count + 1) * sizeof *codes);
    if (!items || !codes) goto done;
    static const char *const dkeys[] = {"code", "name", NULL};
    for (size_t i = 0; i < districts->count; i++) {
      const ynode *item = districts->items[i];
      if (!ics_ld_check_keys(&ld, item, dkeys, ics_msg(M_EACH_ITEM, lang))) continue;
      const ynode *code = ics_ld_require(&ld, item, "code");
      const char *c = ics_ld_scalar(&ld, code, "'code'");
      if (c && !all_of(c, code->len, 16, "", true)) {
        ics_ld_error(&ld, code, M_BAD_DISTRICT_CODE, code->len > 80 ? "..." : c);
        c = NULL;
      }
      int earlier = c ? find_earlier(codes, i, c) : -1;
      if (earlier >= 0) {
        ics_ld_error(&ld, code, M_DUPLICATE_CODE, c, ics_yd_get(districts->items[earlier], "code")->line);
        c = NULL;
      }
      codes[i] = items[reg->district_count].code = c;
      const ynode *name = ics_ld_require(&ld, item, "name");
      if (name) ics_ld_text(&ld, name, "'name'", &items[reg->district_count].name);
      if (c) reg->district_count++;
    }
    reg->districts = items;
  }

  const ynode *agencies = ics_ld_require(&ld, root, "agencies");
  if (agencies && agencies->kind != YN_SEQUENCE) {
    ics_ld_error(&ld, agencies, M_EXPECTED_SEQUENCE, "'agencies'");
  } else if (agencies && agencies->count > ICS_MAX_CHOICES) {
    ics_ld_error(&ld, agencies, M_TOO_MANY, "agencies", ICS_MAX_CHOICES);
  } else if (agencies) {
    ics_agency *items = ics_ld_alloc(&ld, (agencies->count + 1) * sizeof *items);
    const char **codes = ics_ld_alloc(&ld, (agencies->count + 1) * sizeof *codes);
    if (!items || !codes) goto done;
    static const char *const akeys[] = {"code", "name", "type", "district", NULL};
    for (size_t i = 0; i < agencies->count; i++) {
      const ynode *item = agencies->items[i];
      if (!ics_ld_check_keys(&ld, item, akeys, ics_msg(M_EACH_ITEM, lang))) continue;
      ics_agency *a = &items[reg->agency_count];
      const ynode *code = ics_ld_require(&ld, item, "code");
      const char *c = ics_ld_scalar(&ld, code, "'code'");
      if (c && !all_of(c, code->len, 32, "-", false)) {
        ics_ld_error(&ld, code, M_BAD_AGENCY_CODE, code->len > 80 ? "..." : c);
        c = NULL;
      }
      int earlier = c ? find_earlier(codes, i, c) : -1;
      if (earlier >= 0) {
        ics_ld_error(&ld, code, M_DUPLICATE_CODE, c, ics_yd_get(agencies->items[earlier], "code")->line);
        c = NULL;
      }
      codes[i] = a->code = c;
      const ynode *name = ics_ld_require(&ld, item, "name");
      if (name) ics_ld_text(&ld, name, "'name'", &a->name);
      const ynode *type = ics_ld_require(&ld, item, "type");
      a->type = ics_ld_scalar(&ld, type, "'type'");
      if (a->type && strcmp(a->type, "dept") && strcmp(a->type, "district_pc")) {
        ics_ld_error(&ld, type, M_BAD_AGENCY_TYPE, type->len > 80 ? "..." : a->type);
        a->type = NULL;
      }
      const ynode *district = ics_ld_require(&ld, item, "district");
      a->district = ics_ld_scalar(&ld, district, "'district'");
      if (a->district && !ics_register_district(reg, a->district)) {
        ics_ld_error(&ld, district, M_UNKNOWN_DISTRICT, district->len > 80 ? "..." : a->district);
        a->district = NULL;
      }
      if (c) reg->agency_count++;
    }
    reg->agencies = items;
  }
done:
  if (ld.failed) {
    ics_register_free(reg);
    return NULL;
  }
  return reg;
}

ics_register *ics_register_load(const char *path, ics_lang lang, ics_errors *diags) {
  return ics_register_parse(path, NULL, 0, lang, diags);
}

void ics_register_free(ics_register *reg) {
  if (reg) ics_arena_free(reg->priv->arena);
}

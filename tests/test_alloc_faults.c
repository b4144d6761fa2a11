/* test_alloc_faults.c - the Nth allocation fails, for every N, while loading the shipped
 * definitions: each load must either succeed or fail cleanly with a diagnostic, never crash
 * or leak (the sanitizer build checks leaks). */
#include <stdio.h>
#include <stdlib.h>

#include "schema.h"
#include "test.h"
#include "test_definitions.h"

static char *read_all(const char *name, size_t *size) {
  char *dir = test_definitions_dir();
  char *path = ics_path_join(dir, name);
  char *data = NULL;
  CHECK(ics_read_file(path, ICS_DEF_MAX_BYTES, &data, size) == ICS_OK);
  free(path);
  free(dir);
  return data;
}

typedef void *(*loader_fn)(const char *text, size_t size, ics_errors *diags);

static void *load_form(const char *text, size_t size, ics_errors *diags) {
  return ics_form_parse("f.yaml", text, size, ICS_EN, diags);
}
static void *load_register(const char *text, size_t size, ics_errors *diags) {
  return ics_register_parse("r.yaml", text, size, ICS_EN, diags);
}

static void sweep(const char *name, loader_fn load, void (*release)(void *)) {
  size_t size;
  char *text = read_all(name, &size);
  if (!text) return;
  long n = 0;
  for (;; n++) {
    ics_errors diags = {0};
    ics_alloc_fail_after(n);
    void *obj = load(text, size, &diags);
    ics_alloc_fail_after(-1);
    if (obj) {
      CHECK(diags.count == 0);
      release(obj);
      ics_errors_free(&diags);
      break;
    }
    /* failed: it said so (or could not even record why, which it counts) */
    if (!(diags.count > 0 || diags.dropped > 0)) fprintf(stderr, "%s: silent failure at allocation %ld\n", name, n);
    CHECK(diags.count > 0 || diags.dropped > 0);
    ics_errors_free(&diags);
    if (n > 1000000) {
      CHECK(!"never succeeded");
      break;
    }
  }
  fprintf(stderr, "%s: loaded after %ld failing allocations were each handled\n", name, n);
  CHECK(n > 10);
  free(text);
}

static void free_form(void *p) { ics_form_free(p); }
static void free_register(void *p) { ics_register_free(p); }

int main(void) {
  sweep("staff.yaml", load_form, free_form);
  sweep("school.yaml", load_form, free_form);
  sweep("units.yaml", load_register, free_register);
  TEST_MAIN_END();
}

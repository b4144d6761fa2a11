/* test_common.c - common's set of strings: values kept, growth, and running out of memory
 * at every allocation without losing what was added before; what errno values are called. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ics_common.h"
#include "test.h"

static void test_values_and_growth(void) {
  ics_strset set;
  ics_strset_init(&set);
  char key[32];
  size_t found = 99;
  for (size_t i = 1; i <= 100000; i++) {
    snprintf(key, sizeof key, "LA-%06zu", i);
    CHECK(ics_strset_add(&set, key, i, &found) == 0 && found == 0);
  }
  CHECK(set.count == 100000 && set.count * 2 < set.cap);
  for (size_t i = 1; i <= 100000; i += 999) {
    snprintf(key, sizeof key, "LA-%06zu", i);
    CHECK(ics_strset_add(&set, key, 7, &found) == 0 && found == i); /* the first value stays */
  }
  CHECK(ics_strset_add(&set, "", 5, &found) == 0 && found == 0);
  CHECK(ics_strset_add(&set, "", 6, &found) == 0 && found == 5);
  ics_strset_free(&set);
  CHECK(set.count == 0 && ics_strset_add(&set, "LA-000001", 1, &found) == 0 && found == 0);
  ics_strset_free(&set);
}

static void test_no_memory(void) {
  long n = 0;
  for (;; n++) {
    ics_strset set;
    ics_strset_init(&set);
    size_t found;
    CHECK(ics_strset_add(&set, "a", 1, &found) == 0);
    ics_alloc_fail_after(n);
    int rc = 0;
    char key[16];
    for (int i = 0; i < 3000 && rc == 0; i++) { /* grows past the first block and table */
      snprintf(key, sizeof key, "k%d", i);
      rc = ics_strset_add(&set, key, (size_t)i + 2, &found);
    }
    ics_alloc_fail_after(-1);
    CHECK(ics_strset_add(&set, "a", 9, &found) == 0 && found == 1); /* kept */
    ics_strset_free(&set);
    if (rc == 0 || n > 20) break; /* the allocations it needs all succeeded */
  }
  CHECK(n >= 3 && n <= 20); /* two tables grown and a block added, at least */
}

/* ics_errno_text: the common values in Vietnamese, the system's words in English, and never
 * English in a Vietnamese message. */
static void test_errno_text(void) {
  CHECK_STR(ics_errno_text(ENOENT, ICS_VI), "không có tệp hay thư mục này");
  CHECK_STR(ics_errno_text(ENOSPC, ICS_VI), "đĩa đã đầy");
  CHECK_STR(ics_errno_text(ENOENT, ICS_EN), strerror(ENOENT));
  const int common[] = {ENOENT, EACCES, EEXIST, ENOSPC, EISDIR, ENOTDIR, EROFS, EIO,
                        ENAMETOOLONG, EMFILE, ENFILE, ENOMEM, EPERM, EBUSY, EINVAL};
  for (size_t i = 0; i < sizeof common / sizeof *common; i++)
    CHECK(strcmp(ics_errno_text(common[i], ICS_VI), strerror(common[i])) != 0);
  char rare[40];
  snprintf(rare, sizeof rare, "lỗi hệ thống số %d", EDOM);
  CHECK_STR(ics_errno_text(EDOM, ICS_VI), rare);
}

int main(void) {
  test_values_and_growth();
  test_no_memory();
  test_errno_text();
  TEST_MAIN_END();
}

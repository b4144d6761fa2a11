/* definitions.c - which folder of definitions the commands use when none is named. The
 * libraries are always given the folder; only the command line reads the environment. */
#include <errno.h>
#include <stdlib.h>

#include "cli.h"

#ifndef ICS_DATADIR
#define ICS_DATADIR "/usr/local/share/ictsurvey"
#endif
/* The definitions seen from the folder of the installed executable (meson.build works it out
 * from bindir and datadir; empty when there is no such path), so that a copy installed under
 * a destdir or moved elsewhere with its data finds them too. */
#ifndef ICS_DEFINITIONS_FROM_BINDIR
#define ICS_DEFINITIONS_FROM_BINDIR "../share/ictsurvey/definitions"
#endif

/* The installed definitions beside the executable, when they are there (or, when `absent_too`,
 * where they should be); NULL otherwise. */
static char *beside_executable(bool absent_too) {
  if (!*ICS_DEFINITIONS_FROM_BINDIR) return NULL; /* an absolute bindir or datadir */
  char *exe = ics_executable_path();
  const char *base;
  char *bindir = exe ? ics_path_dir(exe, &base) : NULL;
  char *joined = bindir ? ics_path_join(bindir, ICS_DEFINITIONS_FROM_BINDIR) : NULL;
  char *dir = joined ? ics_path_resolve(joined) : NULL; /* messages name it without "bin/.." */
  if (!dir && absent_too) {
    dir = joined;
    joined = NULL;
  }
  ics_free(joined);
  ics_free(bindir);
  ics_free(exe);
  if (dir && !absent_too && !ics_path_is_dir(dir)) {
    ics_free(dir);
    dir = NULL;
  }
  return dir;
}

char *cli_definitions_dir(void) {
  const char *env = getenv("ICTSURVEY_DEFINITIONS");
  if (env && *env) return ics_strdup(env);
  errno = 0;
  char *dir = beside_executable(false);
  if (dir) return dir;
  if (errno == ENOMEM) return NULL; /* out of memory (ics_malloc says so too), not absent */
  if (*ICS_DATADIR && ics_path_is_dir(ICS_DATADIR "/definitions")) return ics_strdup(ICS_DATADIR "/definitions");
  if (ics_path_is_dir("schema/definitions")) return ics_strdup("schema/definitions"); /* the repository */
  /* absent: messages name where they should be (Windows has no data folder: beside the program) */
  if (!*ICS_DATADIR && (dir = beside_executable(true))) return dir;
  return ics_strdup(ICS_DATADIR "/definitions");
}

/* yamldoc.h (private) - a YAML file read into a small tree of scalars, sequences and
 * mappings, each node with its 1-based line and column, built with libyaml's event parser so
 * that depth, size and aliases are under our control. */
#ifndef ICS_YAMLDOC_H
#define ICS_YAMLDOC_H

#include "ics_common.h"

typedef enum { YN_SCALAR, YN_SEQUENCE, YN_MAPPING } yn_kind;

typedef struct ynode {
  yn_kind kind;
  int line, column;      /* 1-based */
  bool quoted;           /* scalar written in quotes or as a block */
  bool block;            /* scalar written as a block (| or >): positions inside are not kept */
  const char *str;       /* scalar text (NUL-terminated) */
  size_t len;            /* scalar length in bytes */
  struct ynode **items;  /* sequence items, or mapping keys and values alternating */
  size_t count;          /* number of items (2 per mapping entry) */
} ynode;

/* Parses text (len bytes) into a tree allocated in arena. Returns NULL with one diagnostic
 * on a syntax error, invalid UTF-8, aliases, more than one document or too deep nesting. */
ynode *ics_yd_parse(ics_arena *arena, const char *path, const char *text, size_t len,
                ics_lang lang, ics_errors *diags);

/* The value of key in a mapping, or NULL. */
ynode *ics_yd_get(const ynode *map, const char *key);
/* A plain null: ~, null or nothing at all. */
bool ics_yd_is_null(const ynode *n);

#endif

/* yamldoc.c - libyaml events into a tree of ynodes, with positions and limits, plus the
 * message table of the definition loaders. */
#include "yamldoc.h"

#include <string.h>
#include <yaml.h>

#include "ics_yaml.h"
#include "messages.h"
#include "schema.h"

const ics_message ics_schema_messages[M_COUNT] = {ICS_MESSAGES(ICS_MESSAGE_ENTRY)};

const char *ics_msg(schema_message id, ics_lang lang) {
  return ics_message_text(&ics_schema_messages[id], lang);
}

void ics_yaml_position(yaml_mark_t mark, int *line, int *column) {
  *line = (int)mark.line + 1;
  *column = (int)mark.column + 1;
}

/* Children of the nodes still open, collected before they are copied into the arena. */
typedef struct {
  ynode *node;
  ynode **items;
  size_t count, cap;
} open_node;

/* libyaml's marks are 0-based and count characters. A reader error has only a byte offset:
 * turn it into a line and column. */
static void offset_position(const char *text, size_t len, size_t offset, int *line, int *col) {
  *line = 1;
  *col = 1;
  for (size_t i = 0; i < offset && i < len; i++) {
    if (text[i] == '\n') {
      (*line)++;
      *col = 1;
    } else if (((unsigned char)text[i] & 0xC0) != 0x80) {
      (*col)++;
    }
  }
}

static bool push_child(open_node *parent, ynode *child) {
  if (parent->count == parent->cap) {
    size_t cap = parent->cap ? parent->cap * 2 : 8;
    ynode **items = ics_realloc(parent->items, cap * sizeof *items);
    if (!items) return false;
    parent->items = items;
    parent->cap = cap;
  }
  parent->items[parent->count++] = child;
  return true;
}

ynode *ics_yd_parse(ics_arena *arena, const char *path, const char *text, size_t len,
                ics_lang lang, ics_errors *diags) {
  size_t bad;
  if (!ics_utf8_valid(text, len, &bad)) {
    int line, col;
    offset_position(text, len, bad, &line, &col);
    ics_errors_say(diags, lang, path, line, col, MSG(M_NOT_UTF8), bad + 1);
    return NULL;
  }

  if (len >= 3 && !memcmp(text, "\xEF\xBB\xBF", 3)) { /* Notepad's UTF-8 byte-order mark */
    text += 3;
    len -= 3;
  }
  yaml_parser_t parser;
  if (!yaml_parser_initialize(&parser)) {
    ics_errors_say(diags, lang, path, 0, 0, MSG(M_NO_MEMORY));
    return NULL;
  }
  yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
  yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING);

  open_node stack[ICS_DEF_MAX_DEPTH + 1];
  size_t depth = 0;
  ynode *root = NULL;
  int documents = 0;
  bool ok = true, done = false;

  while (ok && !done) {
    yaml_event_t event;
    if (!yaml_parser_parse(&parser, &event)) {
      if (parser.error == YAML_MEMORY_ERROR) { /* libyaml ran out of memory: not a syntax error */
        ics_errors_say(diags, lang, path, 0, 0, MSG(M_NO_MEMORY));
        ok = false;
        break;
      }
      int line, col;
      ics_yaml_position(parser.problem_mark, &line, &col);
      if (parser.error == YAML_READER_ERROR)
        offset_position(text, len, parser.problem_offset, &line, &col);
      else if (parser.context && parser.problem_mark.index >= len)
        /* the file ended inside something (an unclosed quote): say where that began */
        ics_yaml_position(parser.context_mark, &line, &col);
      ics_buf what = {0};
      ics_buf_puts(&what, parser.problem ? parser.problem : "?");
      if (parser.context) ics_buf_printf(&what, " (%s)", parser.context);
      char *detail = ics_buf_take(&what);
      ics_errors_say(diags, lang, path, line, col, MSG(M_YAML_SYNTAX), detail ? detail : "?");
      ics_free(detail);
      ok = false;
      break;
    }
    int line, col;
    ics_yaml_position(event.start_mark, &line, &col);
    ynode *node = NULL;
    switch (event.type) {
    case YAML_STREAM_END_EVENT:
      done = true;
      break;
    case YAML_DOCUMENT_START_EVENT:
      if (++documents > 1) {
        ics_errors_say(diags, lang, path, line, col, MSG(M_TWO_DOCUMENTS));
        ok = false;
      }
      break;
    case YAML_ALIAS_EVENT:
      ics_errors_say(diags, lang, path, line, col, MSG(M_ALIAS));
      ok = false;
      break;
    case YAML_SCALAR_EVENT:
    case YAML_SEQUENCE_START_EVENT:
    case YAML_MAPPING_START_EVENT: {
      unsigned char *anchor = event.type == YAML_SCALAR_EVENT ? event.data.scalar.anchor
                              : event.type == YAML_SEQUENCE_START_EVENT
                                  ? event.data.sequence_start.anchor
                                  : event.data.mapping_start.anchor;
      if (anchor) {
        ics_errors_say(diags, lang, path, line, col, MSG(M_ALIAS));
        ok = false;
        break;
      }
      node = ics_arena_alloc(arena, sizeof *node);
      if (!node) {
        ok = false;
        ics_errors_say(diags, lang, path, 0, 0, MSG(M_NO_MEMORY));
        break;
      }
      node->line = line;
      node->column = col;
      if (event.type == YAML_SCALAR_EVENT) {
        node->kind = YN_SCALAR;
        node->len = event.data.scalar.length;
        node->str = ics_arena_strndup(arena, (const char *)event.data.scalar.value, node->len);
        node->quoted = event.data.scalar.style != YAML_PLAIN_SCALAR_STYLE;
        node->block = event.data.scalar.style == YAML_LITERAL_SCALAR_STYLE ||
                      event.data.scalar.style == YAML_FOLDED_SCALAR_STYLE ||
                      event.end_mark.line != event.start_mark.line;
        if (!node->str) {
          ok = false;
          ics_errors_say(diags, lang, path, 0, 0, MSG(M_NO_MEMORY));
          break;
        }
      } else {
        node->kind = event.type == YAML_SEQUENCE_START_EVENT ? YN_SEQUENCE : YN_MAPPING;
      }
      if (depth > 0 && !push_child(&stack[depth - 1], node)) {
        ok = false;
        ics_errors_say(diags, lang, path, 0, 0, MSG(M_NO_MEMORY));
        break;
      }
      if (depth == 0) root = node;
      if (node->kind != YN_SCALAR) {
        if (depth == ICS_DEF_MAX_DEPTH) {
          ics_errors_say(diags, lang, path, line, col, MSG(M_TOO_DEEP), ICS_DEF_MAX_DEPTH);
          ok = false;
          break;
        }
        stack[depth++] = (open_node){.node = node};
      }
      break;
    }
    case YAML_SEQUENCE_END_EVENT:
    case YAML_MAPPING_END_EVENT: {
      open_node *top = &stack[--depth];
      top->node->count = top->count;
      if (top->count) {
        top->node->items = ics_arena_alloc(arena, top->count * sizeof(ynode *));
        if (!top->node->items) {
          ok = false;
          ics_errors_say(diags, lang, path, 0, 0, MSG(M_NO_MEMORY));
        } else {
          memcpy(top->node->items, top->items, top->count * sizeof(ynode *));
        }
      }
      ics_free(top->items);
      break;
    }
    default:
      break;
    }
    yaml_event_delete(&event);
  }
  while (depth > 0) ics_free(stack[--depth].items);
  yaml_parser_delete(&parser);
  if (!ok) return NULL;
  if (!root || ics_yd_is_null(root)) {
    ics_errors_say(diags, lang, path, 1, 1, MSG(M_EMPTY));
    return NULL;
  }
  return root;
}

ynode *ics_yd_get(const ynode *map, const char *key) {
  if (!map || map->kind != YN_MAPPING) return NULL;
  for (size_t i = 0; i + 1 < map->count; i += 2)
    if (map->items[i]->kind == YN_SCALAR && !strcmp(map->items[i]->str, key))
      return map->items[i + 1];
  return NULL;
}

bool ics_yd_is_null(const ynode *n) {
  if (!n) return true;
  if (n->kind != YN_SCALAR || n->quoted) return false;
  return n->len == 0 || !strcmp(n->str, "~") || !strcmp(n->str, "null") ||
         !strcmp(n->str, "Null") || !strcmp(n->str, "NULL");
}

/* ics_yaml.h - what the project's two libyaml readers share (schema's definitions,
 * schema/yamldoc.c, and collector's answers files, collector/answers_yaml.c): positions. A
 * header of its own so that schema.h stays free of libyaml. */
#ifndef ICS_YAML_H
#define ICS_YAML_H

#include <yaml.h>

/* A libyaml mark (0-based line and column, columns in characters) as the 1-based line and
 * column of messages. */
void ics_yaml_position(yaml_mark_t mark, int *line, int *column);

#endif

/* cli.h - what the subcommands of the ictsurvey program share: option matching, the
 * language of messages, and printing diagnostics. Each command is `int cmd_X(argc, argv)`
 * returning the exit status (0 success, 1 a failure the user can fix, 2 a usage error). */
#ifndef ICS_CLI_H
#define ICS_CLI_H

#include "ics_common.h"

enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2 };

/* The language messages are printed in (--lang, else ICTSURVEY_LANG, else Vietnamese). */
extern ics_lang cli_lang;

/* Matches argv[*i] against an option taking a value ("--name VALUE" or "--name=VALUE").
 * Returns 1 and advances *i past the value, 0 when it is another argument, and -1 (after
 * printing why) when the value is missing. */
int cli_option_value(int argc, char **argv, int *i, const char *name, const char **value);
/* One of several options taking a value: names[k] fills *slots[k]. Returns 1 when argv[*i]
 * was one of them, 0 when it was not, -1 (after printing why) when its value is missing. */
int cli_options_value(int argc, char **argv, int *i, const char *const *names,
                      const char **const *slots, size_t count);
/* Sets cli_lang from any --lang of the whole command line, before anything is printed: a
 * `--help --lang en` is English too. A bad value is left for its option to report. */
void cli_scan_lang(int argc, char **argv);
/* Handles --lang and --help for every command; returns -1 when argv[*i] is neither, else
 * the exit status to stop with (help printed: 0; a bad --lang: 2) or 3 to go on. */
int cli_common_option(int argc, char **argv, int *i, const char *help_vi, const char *help_en);
/* "ictsurvey: <message>" on stderr, in the chosen language. */
void cli_error(const char *vi, const char *en, ...);
/* A library's error on stderr: "ictsurvey: MESSAGE", or "FILE:LINE:COLUMN: error: MESSAGE"
 * (or "FILE: error: MESSAGE") when it has a place, control characters escaped as cli_error
 * does; out of memory as cli_out_of_memory says it. */
void cli_print_error(const ics_error *err);
/* Prints every error of a list as FILE:LINE:COLUMN: error: MESSAGE on stderr, and how many
 * were not kept. */
void cli_print_errors(const ics_errors *diags);
/* Before a command writes `output`: refuses (printing why, returning EXIT_FAIL) an output
 * that is one of the command's inputs (the same file, through links too; a database's
 * journal files count as the database), a folder or a device, or an existing file of another
 * kind than `writes` unless `force`. 0 when the output may be written. */
int cli_check_output(const char *output, ics_file_kind writes, bool force,
                     const char *const *inputs, size_t input_count);
/* Like cli_error without the "ictsurvey: " prefix: one line on stderr, control characters of
 * the data in it escaped. */
void cli_note(const char *vi, const char *en, ...);
/* "Office fingerprint: xxxx-xxxx-xxxx-xxxx (read it back …)" on stderr: the fingerprint of
 * the office's Ed25519 signing key, in the same words wherever a command shows it. */
void cli_office_fingerprint(const unsigned char signing_key[32]);
/* Tells the office that opening a central database made before kits upgraded it
 * (cmd_central.c): what counts as published now, and how to publish more. */
void cli_note_upgraded(const char *db);
/* --db of status, export and report: an existing central database, upgraded when made by an
 * earlier version (cmd_central.c). NULL when it cannot be opened (the error is printed). */
struct ics_central *cli_open_central(const char *db);
/* The folder of definitions used when a command is given none (cli/definitions.c):
 * $ICTSURVEY_DEFINITIONS when set; else the installed folder beside the executable
 * (BINDIR/../share/ictsurvey/definitions); else the compiled-in data folder; else
 * ./schema/definitions, run from the repository. NULL when out of memory. Caller frees. */
char *cli_definitions_dir(void);
/* Chooses between two texts by cli_lang. */
const char *cli_tr(const char *vi, const char *en);
/* "ictsurvey: out of memory: close other programs and try again", without allocating; and
 * the text alone, for a sentence of one's own. */
void cli_out_of_memory(void);
const char *cli_no_memory_text(void);

int cmd_check(int argc, char **argv);
int cmd_collect(int argc, char **argv);
/* `collect serve` (cmd_serve.c), called by cmd_collect. */
int cmd_collect_serve(int argc, char **argv);
/* `collect serve --kit` (cmd_collect.c): when the store does not exist yet, it is made from
 * the kit at kit_place (a .kit file, or a folder holding one) as `collect init --kit` does,
 * in a folder made if need be, the site and the surveyor's name asked on the console (the
 * Windows launcher's first start). EXIT_OK when the store exists or was made. */
int cli_collect_first_start(const char *store, const char *kit_place);
int cmd_merge(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_simulate(int argc, char **argv);
int cmd_keys(int argc, char **argv);
int cmd_kit(int argc, char **argv);
int cmd_template(int argc, char **argv);
/* The data-entry template of form_id among forms (cmd_template.c), for `template --kit` and
 * `collect template`: written to output (already checked with cli_check_output), said on
 * stderr. holder names where the forms come from in the message for an unknown form ("the
 * store 'x'"); origin is kept in the workbook. The exit status. */
struct ics_form;
struct ics_register;
int cli_write_template(const struct ics_form *const *forms, size_t form_count, const struct ics_register *reg,
                       int round, const char *origin, const char *holder, const char *form_id, const char *output);

#endif

/* The command line: a table of command descriptors (one file per command,
 * harness/cli/cmd_<name>.c) and the dispatcher that runs them.  Shared set-up (which
 * database, opening it, one transaction per command) happens in the dispatcher,
 * driven by each descriptor's flags, and so does reading the arguments against the
 * descriptor's option table (once, before anything is opened); a handler takes the
 * values it is handed and calls the engine. */
#ifndef UPLIFT_CLI_H
#define UPLIFT_CLI_H

#include <getopt.h>
#include <stdint.h>
#include <stdio.h>

#include "uplift/status.h"

struct upl_store;

/* Exit codes (the conventions of README.md, Reference). */
enum { UPL_EXIT_OK = 0, UPL_EXIT_FAIL = 1, UPL_EXIT_USAGE = 2 };

/* Descriptor flags. */
enum {
    UPL_CMD_NEEDS_DB = 1 << 0, /* open the study database before the handler runs */
    UPL_CMD_WRITES = 1 << 1,   /* run in one write transaction: commit on exit 0, else roll back */
    UPL_CMD_CREATES_DB = 1 << 2, /* the handler creates the database itself (init) */
    UPL_CMD_HIDDEN = 1 << 3      /* internal (complete): not in help, completion or typo hints */
};

typedef struct upl_cli {
    const char *db_path;      /* --db, $UPLIFT_DB or ./uplift.db */
    unsigned wait_ms;         /* --wait, $UPLIFT_WAIT or 30 s: how long a writer waits */
    struct upl_store *store;  /* open when the command has UPL_CMD_NEEDS_DB */
    int progress;             /* an upl__progress_mode (progress.h): --quiet, $UPLIFT_PROGRESS */
    const char *command;      /* the name of the command being run ("task import") */
    const char *command_line; /* the whole invocation, for reports and the audit */
} upl_cli;

typedef struct upl_args upl_args;

typedef struct upl_command {
    const char *name;    /* "task add": one or two words */
    const char *summary; /* one line for `uplift help` */
    const char *usage;   /* "uplift task add --participant HANDLE --title TEXT [...]" */
    const char *help;    /* the options, one per line, for `uplift help COMMAND` */
    /* The long options (a static table ending in a zero entry).  The dispatcher reads
     * the arguments against it once, before it opens the study, and checks the number
     * of positional arguments (min_args..max_args, max_args -1: no limit), so a usage
     * error is exit 2 whatever state the database is in.  NULL: the command reads no
     * options, and every word after its name is a positional argument. */
    const struct option *options;
    int min_args;
    int max_args;
    unsigned flags;
    /* Returns an exit code; args holds what the dispatcher read (upl_args). */
    int (*run)(upl_cli *cli, const upl_args *args);
    /* Long options that may be given more than once (each use adds a value), NULL
     * terminated; the dispatcher refuses any other option given twice.  NULL: none. */
    const char *const *repeatable;
} upl_command;

/* One option as the dispatcher read it: the val of its entry in the command's options
 * and its value (NULL for an option that takes none).  The value points into argv; a
 * handler may modify it in place (split "KEY=VALUE", a list at its commas). */
typedef struct upl_optval {
    int code;
    char *arg;
} upl_optval;

/* A command's arguments, read once by upl__args_parse(): its options in the order
 * given (an option outside cmd->repeatable at most once) and its positional
 * arguments, as many as the descriptor allows. */
struct upl_args {
    const upl_command *cmd;
    upl_optval *opts;
    size_t n_opts;
    char **pos;
    size_t n_pos;
};

/* Reads argv (argv[0] the command's last word) against cmd->options with getopt_long:
 * an unknown, abbreviated or repeated option, a missing or unexpected value and a
 * wrong number of positional arguments are usage errors for cmd.  Returns UPL_EXIT_OK
 * with *args filled (release it with upl__args_release()), else an exit code after
 * printing the error. */
int upl__args_parse(const upl_command *cmd, int argc, char **argv, upl_args *args);
void upl__args_release(upl_args *args);

/* _value: the value of the option with this code, NULL when it was not given (the
 * first one of a repeatable option).  _has: 1 when it was given. */
char *upl__args_value(const upl_args *args, int code);
int upl__args_has(const upl_args *args, int code);

/* The table, in the order `uplift help` lists it; NULL-terminated. */
extern const upl_command *const upl__commands[];

/* The global options, given before the command (`uplift --db PATH status`), as a
 * getopt_long table: what main() reads and what `uplift complete options` lists. */
extern const struct option upl__global_options[];
/* The synopsis `uplift` alone prints, which names the global options' arguments. */
extern const char upl__global_usage[];

const upl_command *upl__command_find(int argc, char **argv, int *words);
void upl__command_print_help(const upl_command *cmd, FILE *out);

/* Command groups: the first word of two-word commands ("task" of "task add").
 * _is_group: 1 when word is one.  _group_list: its subcommands as "add, import, list
 * or show" into buf (cut to size).  _group_print_help: every subcommand's usage and
 * summary. */
int upl__command_is_group(const char *word);
void upl__command_group_list(const char *group, char *buf, size_t size);
void upl__command_group_print_help(const char *group, FILE *out);

/* "uplift: <message>" on stderr, one line. Returns UPL_EXIT_FAIL. */
int upl__fail(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;

/* A usage error for cmd: the message and where to look, one line.  Returns UPL_EXIT_USAGE. */
int upl__usage(const upl_command *cmd, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* Prints "uplift: <what>: <store error message with its advice>" and returns
 * UPL_EXIT_FAIL. */
int upl__fail_store(const upl_cli *cli, const char *what);

/* Advice (harness/cli/advice.c): what to type next, by the reason a library gives.
 * _advice: the text to append to a message for why ("; pause it with 'uplift pause 12'
 * ..."), "" when the reason has none, into buf.  _store_error and _diag_error: the
 * store's last message, or diag's, with its advice appended, in a buffer of each valid
 * until its next call.  _advise_warnings: appends the advice of each warning's reason to
 * the warning (before rendering); returns an exit code, after printing a failure. */
struct upl_analysis_result;
const char *upl__advice(const upl_why *why, char *buf, size_t size);
const char *upl__store_error(const struct upl_store *store);
const char *upl__diag_error(const upl_diag *diag);
int upl__advise_warnings(struct upl_analysis_result *res);

/* Parses a positive integer task id; prints a usage error and returns 0 on failure. */
int upl__parse_task_id(const upl_command *cmd, const char *text, long long *id);

/* --seed of analyze, report, simulate and power: an integer from 1 to 4294967295 (GSL's
 * mt19937 uses the low 32 bits of its seed and replaces 0 by its default 4357, so 0
 * would silently give seed 4357's numbers).  Returns 1 with *seed set, or 0 after
 * printing a usage error for cmd that states the range (the caller then returns
 * UPL_EXIT_USAGE). */
int upl__parse_seed(const upl_command *cmd, const char *text, unsigned long *seed);

/* The time a generated page (report, power curve) states: SOURCE_DATE_EPOCH when set to
 * a positive integer (reproducible bytes), else now. */
int64_t upl__page_time(void);

/* The study's key file: given (--key-file) when not NULL, else $UPLIFT_KEY_FILE, else
 * <db>.key beside a study file.  A study on a server has no place beside it: then *path
 * is NULL.  Returns 0, or -1 (the message printed) when out of memory; *path is the
 * caller's to free. */
int upl__key_path(const upl_cli *cli, const char *given, char **path);

/* As upl__key_path(), for a command that cannot go on without a key: -1 (the message
 * printed, telling how to name one) when there is none. */
int upl__key_path_required(const upl_cli *cli, const char *given, char **path);

/* Splits "KEY=VALUE" in place; returns 0 when there is no '=' or the key is empty. */
int upl__split_assignment(char *text, char **key, char **value);

/* An output file (--out) written whole or not at all, by one mechanism for every
 * command.  _open: stdout when path is NULL or "-"; otherwise it refuses (one line on
 * stderr, returns -1) a path that is the study database cli->db_path (or its -wal,
 * -shm, -journal) or its key file under any name, any other SQLite database or key
 * file (recognised by content), a symbolic link (never followed or replaced), a FIFO,
 * device or directory; then it opens a temporary file beside path.  Open every output
 * of a command before its long work, so that a refusal comes first.
 * _commit_all: flushes and syncs every output (any failure removes them all), then
 * checks each target again and renames it into place; 0 on success.  Commit only
 * after the command's own stdout was written, so a failed command leaves no file.
 * _failed: for a render that returned st: prints "cannot write ...: why" (standard
 * output or the path), aborts out, returns UPL_EXIT_FAIL.  _abort removes the
 * temporary file; it is a no-op on a committed, aborted or zeroed output.  Every
 * function prints its own failure. */
typedef struct upl_output {
    FILE *stream;
    char *path;
    char *tmp_path;
    const upl_cli *cli;
} upl_output;
int upl__output_open(upl_output *out, const upl_cli *cli, const char *path);
int upl__output_commit_all(upl_output *outs, size_t n);
int upl__output_commit(upl_output *out);
int upl__output_failed(upl_output *out, upl_status st);
void upl__output_abort(upl_output *out);

/* Prints a JSON document (jansson json_t *, stolen) on stdout, indented, with a final
 * newline.  Returns an exit code. */
struct json_t;
int upl__print_json(struct json_t *doc);

#endif

/* uplift's entry point: global options, the command table and the dispatcher that
 * opens the study and wraps each command in one transaction. */
#include <errno.h>
#include <gsl/gsl_errno.h>
#include <locale.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "printable.h"
#include "progress.h"
#include "uplift/duration.h"
#include "uplift/store.h"

#define UPL_COMMAND(sym) extern const upl_command sym;
#include "commands.def"
#undef UPL_COMMAND

const upl_command *const upl__commands[] = {
#define UPL_COMMAND(sym) &sym,
#include "commands.def"
#undef UPL_COMMAND
    NULL};

const char upl__global_usage[] =
    "usage: uplift [--db PATH] [--wait SECONDS] [--quiet] COMMAND [ARGS...]\n"
    "       uplift help [COMMAND]   uplift COMMAND --help   uplift --version\n";

enum { GLOBAL_DB = 1, GLOBAL_WAIT, GLOBAL_QUIET, GLOBAL_VERSION, GLOBAL_HELP };

const struct option upl__global_options[] = {
    {"db", required_argument, NULL, GLOBAL_DB}, {"wait", required_argument, NULL, GLOBAL_WAIT},
    {"quiet", no_argument, NULL, GLOBAL_QUIET}, {"version", no_argument, NULL, GLOBAL_VERSION},
    {"help", no_argument, NULL, GLOBAL_HELP},   {NULL, 0, NULL, 0}};

/* The global option argv[*i] ("--db PATH", "--db=PATH", "--version", "-h"): returns its
 * code with *value set for one that takes a value (*i moved past a value given as the
 * next word), 0 for an unknown option, -1 after printing a usage error for a missing
 * value. */
static int global_option(int argc, char **argv, int *i, const char **value)
{
    const char *word = argv[*i];
    if (strcmp(word, "-h") == 0)
        return GLOBAL_HELP;
    if (strncmp(word, "--", 2) != 0)
        return 0;
    size_t len = strcspn(word + 2, "=");
    for (const struct option *o = upl__global_options; o->name; o++) {
        if (strlen(o->name) != len || strncmp(o->name, word + 2, len) != 0)
            continue;
        if (o->has_arg == no_argument)
            return word[2 + len] ? 0 : o->val; /* "--version=1": unknown */
        if (word[2 + len] == '=') {
            *value = word + 3 + len;
        } else if (*i + 1 < argc) {
            *value = argv[++*i];
        } else {
            upl__usage(NULL, "option '--%s' needs %s", o->name,
                       o->val == GLOBAL_DB ? "a path" : "a number of seconds");
            return -1;
        }
        return o->val;
    }
    return 0;
}

int upl__fail(const char *fmt, ...)
{
    va_list ap;
    upl__progress_break(); /* the message on a line of its own */
    fputs("uplift: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return UPL_EXIT_FAIL;
}

int upl__usage(const upl_command *cmd, const char *fmt, ...)
{
    va_list ap;
    upl__progress_break(); /* the message on a line of its own */
    fputs("uplift: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    if (cmd)
        fprintf(stderr, " (see 'uplift %s --help')\n", cmd->name);
    else
        fputs(" (see 'uplift help')\n", stderr);
    return UPL_EXIT_USAGE;
}

int upl__fail_store(const upl_cli *cli, const char *what)
{
    return upl__fail("%s: %s", what, upl__store_error(cli->store));
}

int upl__parse_task_id(const upl_command *cmd, const char *text, long long *id)
{
    char *end = NULL;
    long long v = strtoll(text, &end, 10);
    if (!*text || *end || v <= 0) {
        upl__usage(cmd, "'%s' is not a task id (a positive integer, see 'uplift task list')", text);
        return 0;
    }
    *id = v;
    return 1;
}

/* Matches one or two words of argv against the table, longest first. */
const upl_command *upl__command_find(int argc, char **argv, int *words)
{
    if (argc >= 2) {
        for (const upl_command *const *c = upl__commands; *c; c++) {
            size_t len = strlen(argv[0]);
            const char *name = (*c)->name;
            if (strncmp(name, argv[0], len) == 0 && name[len] == ' ' &&
                strcmp(name + len + 1, argv[1]) == 0) {
                *words = 2;
                return *c;
            }
        }
    }
    for (const upl_command *const *c = upl__commands; *c; c++) {
        if (strcmp((*c)->name, argv[0]) == 0) {
            *words = 1;
            return *c;
        }
    }
    return NULL;
}

/* Does cmd belong to group, that is, is its name "<group> <word>"? */
static int in_group(const upl_command *cmd, const char *group)
{
    size_t len = strlen(group);
    return strncmp(cmd->name, group, len) == 0 && cmd->name[len] == ' ';
}

int upl__command_is_group(const char *word)
{
    for (const upl_command *const *c = upl__commands; *c; c++)
        if (in_group(*c, word))
            return 1;
    return 0;
}

void upl__command_group_list(const char *group, char *buf, size_t size)
{
    size_t n = 0, total = 0, len = strlen(group) + 1;
    for (const upl_command *const *c = upl__commands; *c; c++)
        total += in_group(*c, group) ? 1u : 0u;
    buf[0] = '\0';
    for (const upl_command *const *c = upl__commands; *c; c++) {
        if (!in_group(*c, group))
            continue;
        size_t used = strlen(buf);
        snprintf(buf + used, size - used, "%s%s",
                 n == 0           ? ""
                 : n + 1 == total ? " or "
                                  : ", ",
                 (*c)->name + len);
        n++;
    }
}

void upl__command_group_print_help(const char *group, FILE *out)
{
    size_t len = strlen(group) + 1;
    int first = 1;
    for (const upl_command *const *c = upl__commands; *c; c++) {
        if (!in_group(*c, group))
            continue;
        fprintf(out, "%s %s\n", first ? "usage:" : "   or:", (*c)->usage);
        first = 0;
    }
    fputs("\nSubcommands:\n", out);
    for (const upl_command *const *c = upl__commands; *c; c++)
        if (in_group(*c, group))
            fprintf(out, "  %-10s %s\n", (*c)->name + len, (*c)->summary);
    fprintf(out, "\n'uplift %s SUBCOMMAND --help' shows a subcommand's options.\n", group);
}

void upl__command_print_help(const upl_command *cmd, FILE *out)
{
    fprintf(out, "usage: %s\n\n%s\n", cmd->usage, cmd->summary);
    if (cmd->help && *cmd->help)
        fprintf(out, "\n%s", cmd->help);
    if (cmd->flags & UPL_CMD_NEEDS_DB)
        fputs("\nThe study database is --db PATH, else $UPLIFT_DB, else ./uplift.db.\n", out);
}

/* Does the argument list ask for help (before any "--")? */
static int wants_help(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0)
            return 0;
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
            return 1;
    }
    return 0;
}

/* Edit distance of two short words (command names), for the hint after a typo. */
static size_t edit_distance(const char *a, const char *b)
{
    size_t row[32];
    size_t lb = strlen(b);
    if (lb >= sizeof row / sizeof row[0] || strlen(a) >= 32)
        return (size_t)-1;
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; a[i - 1]; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j];
            size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            size_t best = diag + cost;
            if (row[j] + 1 < best)
                best = row[j] + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[lb];
}

/* The command whose first word is nearest to word, if it is near enough. */
static const char *closest_command(const char *word)
{
    static char best[32];
    size_t best_distance = 3; /* suggest only within two edits */
    for (const upl_command *const *c = upl__commands; *c; c++) {
        char first[32];
        if ((*c)->flags & UPL_CMD_HIDDEN)
            continue;
        snprintf(first, sizeof first, "%.*s", (int)strcspn((*c)->name, " "), (*c)->name);
        size_t d = edit_distance(word, first);
        if (d < best_distance) {
            best_distance = d;
            memcpy(best, first, sizeof best);
        }
    }
    return best_distance < 3 ? best : NULL;
}

/* A command's primary output must reach stdout: a full disk or a closed pipe turns
 * success into failure (as git does at exit). */
static int check_stdout(int rc)
{
    if (rc == UPL_EXIT_OK && (fflush(stdout) != 0 || ferror(stdout)))
        return upl__fail("cannot write to standard output: %s", strerror(errno));
    return rc;
}

/* Runs cmd on the arguments read from its words, in the set-up its flags ask for. */
static int run_parsed(upl_cli *cli, const upl_command *cmd, const upl_args *args)
{
    int rc;
    upl_diag diag = {0};
    if (!(cmd->flags & UPL_CMD_NEEDS_DB))
        return check_stdout(cmd->run(cli, args));

    unsigned open_flags = (cmd->flags & UPL_CMD_WRITES) ? 0 : UPL_STORE_READONLY;
    /* $UPLIFT_NOW replaces the clock (demos and tests that replay a past study): the
     * time every row and audit entry of this command records, and "now" for --at */
    int64_t now = 0;
    const char *now_text = getenv("UPLIFT_NOW");
    int set_clock = now_text && *now_text;
    if (set_clock && upl_time_parse(now_text, (int64_t)time(NULL), &now, &diag) != UPL_OK)
        return upl__usage(NULL, "$UPLIFT_NOW: %s", diag.msg);
    if (!upl_store_on_server(cli->db_path) && access(cli->db_path, F_OK) != 0)
        return upl__fail("no study at '%s': create one with 'uplift init --protocol FILE' "
                         "or point --db at it",
                         cli->db_path);
    upl_status st = upl_store_open(cli->db_path, open_flags, &cli->store, &diag);
    if (st == UPL_INVALID)
        return upl__fail("%s: point --db at a study, or create one on a new path with 'uplift "
                         "init --protocol FILE'",
                         upl__diag_error(&diag));
    if (st != UPL_OK)
        return upl__fail("%s", upl__diag_error(&diag));
    if (set_clock)
        upl_store_set_clock(cli->store, now);
    upl_store_set_wait(cli->store, cli->wait_ms);
    int write = (cmd->flags & UPL_CMD_WRITES) != 0;
    if ((st = upl_store_begin(cli->store, write)) != UPL_OK) {
        if (st == UPL_BUSY)
            rc = upl__fail("%s: try again later, or wait longer with --wait SECONDS",
                           upl__store_error(cli->store));
        else
            rc = upl__fail("%s", upl__store_error(cli->store));
        goto cleanup;
    }
    /* stdout is flushed before the commit: output that could not be written fails the
     * command, and then its change is rolled back too */
    rc = check_stdout(cmd->run(cli, args));
    if (rc == UPL_EXIT_OK && write) {
        if ((st = upl_store_commit(cli->store)) != UPL_OK)
            rc = upl__fail("%s%s", upl__store_error(cli->store),
                           st == UPL_BUSY ? ": try again, or wait longer with --wait SECONDS" : "");
    } else {
        upl_store_rollback(cli->store);
    }
cleanup:
    upl_store_close(cli->store);
    cli->store = NULL;
    return rc;
}

/* Reads the arguments once, before anything is opened, and runs the command on them. */
static int run_command(upl_cli *cli, const upl_command *cmd, int argc, char **argv)
{
    upl_args args;
    cli->command = cmd->name;
    int rc = upl__args_parse(cmd, argc, argv, &args);
    if (rc != UPL_EXIT_OK)
        return rc;
    rc = run_parsed(cli, cmd, &args);
    upl__args_release(&args);
    return rc;
}

/* A group word without a known subcommand ("uplift task", "uplift task frob"): the
 * group's help when asked for, else a usage error that lists the subcommands. */
static int run_group(const char *group, int argc, char **argv)
{
    char list[256];
    if (argc > 0 && (strcmp(argv[0], "--help") == 0 || strcmp(argv[0], "-h") == 0)) {
        upl__command_group_print_help(group, stdout);
        return check_stdout(UPL_EXIT_OK);
    }
    upl__command_group_list(group, list, sizeof list);
    if (argc == 0 || argv[0][0] == '-')
        fprintf(stderr, "uplift: '%s' needs a subcommand: %s (see 'uplift %s --help')\n", group,
                list, group);
    else
        fprintf(stderr,
                "uplift: unknown subcommand '%s' for '%s': use %s (see 'uplift %s --help')\n",
                argv[0], group, list, group);
    return UPL_EXIT_USAGE;
}

static char *join_args(int argc, char **argv)
{
    size_t len = 1;
    for (int i = 0; i < argc; i++)
        len += strlen(argv[i]) + 1;
    char *s = malloc(len);
    if (!s)
        return NULL;
    char *p = s;
    for (int i = 0; i < argc; i++) {
        size_t n = strlen(argv[i]);
        memcpy(p, argv[i], n);
        p += n;
        *p++ = i + 1 < argc ? ' ' : '\0';
    }
    if (argc == 0)
        *p = '\0';
    return s;
}

/* --wait SECONDS or $UPLIFT_WAIT: a number of seconds from 0 to a day, into *ms.
 * Prints a usage error and returns 0 when text is not one. */
static int parse_wait(const char *what, const char *text, unsigned *ms)
{
    char *end = NULL;
    double seconds = strtod(text, &end);
    if (!*text || *end || !(seconds >= 0 && seconds <= 86400)) {
        upl__usage(NULL, "%s must be a number of seconds from 0 to 86400, not '%s'", what, text);
        return 0;
    }
    *ms = (unsigned)(seconds * 1000.0 + 0.5);
    return 1;
}

int main(int argc, char **argv)
{
    setlocale(LC_ALL, "");
    setlocale(LC_NUMERIC, "C"); /* numbers in files and JSON always use '.' */
    gsl_set_error_handler_off();

    upl_cli cli = {0};
    char *command_line = join_args(argc, argv);
    cli.command_line = command_line ? command_line : "uplift";
    int quiet = 0;
    cli.db_path = getenv("UPLIFT_DB");
    if (!cli.db_path || !*cli.db_path)
        cli.db_path = "uplift.db";
    cli.wait_ms = UPL_STORE_DEFAULT_WAIT_MS;
    const char *wait_text = getenv("UPLIFT_WAIT"), *wait_what = "$UPLIFT_WAIT";
    if (wait_text && !*wait_text)
        wait_text = NULL; /* set but empty: the default, as for $UPLIFT_DB */

    int i = 1;
    int rc = UPL_EXIT_OK;
    for (; i < argc && argv[i][0] == '-'; i++) {
        const char *value = NULL;
        int start = i;
        switch (global_option(argc, argv, &i, &value)) {
        case GLOBAL_DB:
            cli.db_path = value;
            break;
        case GLOBAL_WAIT:
            wait_text = value;
            wait_what = "--wait";
            break;
        case GLOBAL_QUIET:
            quiet = 1;
            break;
        case GLOBAL_VERSION: /* the version command, "--version" its name: --verbose follows */
            rc = run_command(&cli, &upl__cmd_version, argc - i, argv + i);
            goto out;
        case GLOBAL_HELP: {
            const upl_args no_args = {.cmd = &upl__cmd_help};
            rc = check_stdout(upl__cmd_help.run(&cli, &no_args));
            goto out;
        }
        case -1:
            rc = UPL_EXIT_USAGE;
            goto out;
        default:
            rc = upl__usage(NULL, "unknown option '%s'", argv[start]);
            goto out;
        }
    }
    if (i >= argc) {
        fputs(upl__global_usage, stderr);
        rc = UPL_EXIT_USAGE;
        goto out;
    }
    if (wait_text && !parse_wait(wait_what, wait_text, &cli.wait_ms)) {
        rc = UPL_EXIT_USAGE;
        goto out;
    }
    upl__progress_mode mode;
    const char *progress_text = getenv("UPLIFT_PROGRESS");
    if (!upl__progress_mode_parse(progress_text, isatty(STDERR_FILENO), quiet, &mode)) {
        char shown[UPL_PRINTABLE_SIZE];
        rc = upl__usage(NULL, "$UPLIFT_PROGRESS must be never, auto or always, not '%s'",
                        upl__printable(progress_text, shown, sizeof shown));
        goto out;
    }
    cli.progress = (int)mode;

    int words = 0;
    const upl_command *cmd = upl__command_find(argc - i, argv + i, &words);
    if (!cmd && upl__command_is_group(argv[i])) {
        rc = run_group(argv[i], argc - i - 1, argv + i + 1);
        goto out;
    }
    if (!cmd) {
        const char *near = closest_command(argv[i]);
        if (near)
            rc = upl__usage(NULL, "unknown command '%s'; did you mean '%s'?", argv[i], near);
        else
            rc = upl__usage(NULL, "unknown command '%s'", argv[i]);
        goto out;
    }
    int sub_argc = argc - i - (words - 1);
    char **sub_argv = argv + i + (words - 1);
    if (wants_help(sub_argc, sub_argv)) {
        upl__command_print_help(cmd, stdout);
        rc = check_stdout(UPL_EXIT_OK);
        goto out;
    }
    rc = run_command(&cli, cmd, sub_argc, sub_argv);
out:
    free(command_line);
    return rc;
}

/* uplift complete WHAT [ARGS...]: the words the shell completion (completions/uplift.bash)
 * offers, one per line, all taken from the command table and the model's vocabulary so
 * that the completion follows the binary it completes.  Internal (UPL_CMD_HIDDEN): not
 * in `uplift help`.  It never fails loudly: a question it cannot answer (an unknown
 * command, no study) prints nothing and exits 0, since a completion must not print
 * into the user's command line. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "protocol_find.h"
#include "uplift/model.h"
#include "uplift/ri.h"
#include "uplift/simulate.h"
#include "uplift/store.h"

static int run_complete(upl_cli *cli, const upl_args *args);

const upl_command upl__cmd_complete = {
    .name = "complete",
    .summary = "Words for the shell completion (internal).",
    .usage = "uplift complete WHAT [ARGS...]",
    .help = "What the bash completion asks; one word (or line) per line:\n"
            "  commands                  the commands' first words\n"
            "  subcommands GROUP         the subcommands of GROUP (task, participant, ...)\n"
            "  options [COMMAND]         COMMAND's long options (without: the global ones);\n"
            "                            one that takes a value as --NAME=ARG, ARG as its\n"
            "                            usage shows it (FILE, PATH, csv|json, ...)\n"
            "  values COMMAND --OPTION   the values OPTION takes (--se: classical, hc0, ...;\n"
            "                            --protocol: the shipped protocols; --participant:\n"
            "                            the study's participants)\n"
            "  arguments COMMAND         COMMAND's positional arguments as its usage names\n"
            "                            them (TASK, FILE.csv, COMMAND, ...)\n"
            "  tasks                     ID<TAB>TITLE of each task of the study\n"
            "  participants              the handles of the study's participants\n"
            "  protocols                 the names of the shipped protocols\n"
            "COMMAND is one or two words (task add).  The study is --db PATH, else $UPLIFT_DB,\n"
            "else ./uplift.db; without one, tasks and participants print nothing.\n",
    .flags = UPL_CMD_HIDDEN,
    .run = run_complete,
};

static int is_hidden(const upl_command *cmd)
{
    return (cmd->flags & UPL_CMD_HIDDEN) != 0;
}

/* The command named by exactly the n words, or NULL. */
static const upl_command *command_named(int n, char **words)
{
    int used = 0;
    const upl_command *cmd = n > 0 ? upl__command_find(n, words, &used) : NULL;
    return cmd && used == n ? cmd : NULL;
}

static void print_commands(void)
{
    for (const upl_command *const *c = upl__commands; *c; c++) {
        size_t len = strcspn((*c)->name, " ");
        int seen = is_hidden(*c);
        for (const upl_command *const *d = upl__commands; d != c && !seen; d++)
            seen = strncmp((*d)->name, (*c)->name, len) == 0 && strcspn((*d)->name, " ") == len;
        if (!seen)
            printf("%.*s\n", (int)len, (*c)->name);
    }
}

static void print_subcommands(const char *group)
{
    size_t len = strlen(group);
    for (const upl_command *const *c = upl__commands; *c; c++)
        if (!is_hidden(*c) && strncmp((*c)->name, group, len) == 0 && (*c)->name[len] == ' ')
            printf("%s\n", (*c)->name + len + 1);
}

/* The word that follows "--name" in text as its argument ("FILE", "csv|json",
 * "participant"), into buf: in a synopsis (lines = 0) wherever the option appears, in a
 * help text (lines = 1) only on a line that documents it (starts with "--name").
 * Returns 0 when text shows none (the option takes no value, or prose follows it). */
static int argument_word(const char *text, const char *name, int lines, char *buf, size_t size)
{
    size_t len = strlen(name);
    for (const char *p = text; text && (p = strstr(p, "--")) != NULL; p += 2) {
        if (strncmp(p + 2, name, len) != 0 || (p[2 + len] != ' ' && p[2 + len] != '='))
            continue;
        if (lines) {
            const char *bol = p;
            while (bol > text && bol[-1] == ' ')
                bol--;
            if (bol > text && bol[-1] != '\n')
                continue;
        }
        const char *w = p + 3 + len;
        size_t n = strcspn(w, " ]),\n");
        if (n == 0 || *w == '-' || *w == '[' || *w == '|' || *w == '(' || n >= size)
            continue;
        memcpy(buf, w, n);
        buf[n] = '\0';
        return 1;
    }
    return 0;
}

/* The argument word of option name of cmd (NULL: a global option): its usage, then its
 * help. */
static int option_argument(const upl_command *cmd, const char *name, char *buf, size_t size)
{
    if (!cmd)
        return argument_word(upl__global_usage, name, 0, buf, size);
    return argument_word(cmd->usage, name, 0, buf, size) ||
           argument_word(cmd->help, name, 1, buf, size);
}

static void print_options(const upl_command *cmd)
{
    const struct option *options = cmd ? cmd->options : upl__global_options;
    for (const struct option *o = options; o && o->name; o++) {
        char arg[128] = "";
        if (o->has_arg == no_argument) {
            printf("--%s\n", o->name);
        } else {
            option_argument(cmd, o->name, arg, sizeof arg);
            printf("--%s=%s\n", o->name, arg);
        }
    }
    if (cmd)
        puts("--help"); /* every command takes it (the dispatcher answers it) */
}

/* ---- values of options ---- */

/* The i-th name of a vocabulary, NULL past the last one the options accept. */
#define VOCABULARY(prefix, type, limit)                                                            \
    static const char *prefix##_at(int i)                                                          \
    {                                                                                              \
        type v;                                                                                    \
        const char *name = prefix##_name((type)i);                                                 \
        return i < (limit) && prefix##_from_name(name, &v) == 0 && (int)v == i ? name : NULL;      \
    }
VOCABULARY(upl_outcome, upl_outcome, 64)
VOCABULARY(upl_covariate, upl_covariate, 64)
VOCABULARY(upl_se_type, upl_se_type, UPL_SE_TYPE_COUNT) /* not "auto": the default's name */
VOCABULARY(upl_dist, upl_dist, 64)
VOCABULARY(upl_impute, upl_impute, 64)
VOCABULARY(upl_ri_design, upl_ri_design, 64) /* not "replay": a study's own scheme */
VOCABULARY(upl_sim_scheme, upl_sim_scheme, 64)

static int print_participant(void *ctx, int64_t id, const char *handle, const upl_attr *attrs,
                             size_t n_attrs, size_t n_tasks)
{
    (void)ctx;
    (void)id;
    (void)attrs;
    (void)n_attrs;
    (void)n_tasks;
    printf("%s\n", handle);
    return 0;
}

/* Opens the study read-only in a read transaction, or returns NULL quietly. */
static upl_store *open_study(const upl_cli *cli)
{
    upl_store *store = NULL;
    if ((!upl_store_on_server(cli->db_path) && access(cli->db_path, R_OK) != 0) ||
        upl_store_open(cli->db_path, UPL_STORE_READONLY, &store, NULL) != UPL_OK)
        return NULL;
    upl_store_set_wait(store, 500); /* a shell waiting on Tab must not hang on a writer */
    if (upl_store_begin(store, 0) != UPL_OK) {
        upl_store_close(store);
        return NULL;
    }
    return store;
}

static void print_participants(const upl_cli *cli)
{
    upl_store *store = open_study(cli);
    if (store)
        upl_store_participant_each(store, print_participant, NULL);
    upl_store_close(store);
}

static void print_tasks(const upl_cli *cli)
{
    upl_store *store = open_study(cli);
    upl_dataset ds;
    if (store && upl_store_task_table(store, NULL, &ds) == UPL_OK) {
        /* titles are printable text (no tab, no line break): the store refuses others */
        for (size_t i = 0; i < ds.n; i++)
            printf("%s\t%s\n", ds.task_id[i], ds.title[i] ? ds.title[i] : "");
        upl_dataset_release(&ds);
    }
    upl_store_close(store);
}

static void print_protocols(const upl_cli *cli)
{
    (void)cli;
    char names[4096];
    upl__protocol_list_shipped(names, sizeof names, "\n");
    if (*names)
        printf("%s\n", names);
}

/* The task statuses of the task table, in order (task list --status). */
static const char *task_status_at(int i)
{
    return i >= 0 && i <= (int)UPL_TASK_ABANDONED ? upl_task_status_name((upl_task_status)i) : NULL;
}

/* Where the values of an option come from, by its name, whatever the command: a
 * vocabulary of the model, or the study and the installation. */
static const struct value_source {
    const char *option;
    const char *(*at)(int i);
    void (*list)(const upl_cli *cli);
} value_sources[] = {
    {"outcome", upl_outcome_at, NULL},
    {"covariate", upl_covariate_at, NULL},
    {"se", upl_se_type_at, NULL},
    {"dist", upl_dist_at, NULL},
    {"impute", upl_impute_at, NULL},
    {"ri-design", upl_ri_design_at, NULL},
    {"scheme", upl_sim_scheme_at, NULL},
    {"protocol", NULL, print_protocols},
    {"participant", NULL, print_participants},
    {"status", task_status_at, NULL},
};

/* Choices a synopsis spells out ("csv|json", "yes|no", "participant"): every
 * alternative lowercase letters, digits, '-' and '_'.  Metavariables are uppercase. */
static void print_choices(const char *word)
{
    for (const char *p = word; *p; p++)
        if (!(islower((unsigned char)*p) || isdigit((unsigned char)*p) || strchr("-_|", *p)))
            return;
    for (const char *p = word; *p;) {
        size_t n = strcspn(p, "|");
        if (n)
            printf("%.*s\n", (int)n, p);
        p += n + (p[n] == '|');
    }
}

static void print_values(const upl_cli *cli, const upl_command *cmd, const char *option)
{
    if (strncmp(option, "--", 2) == 0)
        option += 2;
    const struct option *o = cmd ? cmd->options : upl__global_options;
    while (o && o->name && strcmp(o->name, option) != 0)
        o++;
    if (!o || !o->name || o->has_arg == no_argument)
        return;
    for (size_t i = 0; i < sizeof value_sources / sizeof value_sources[0]; i++) {
        const struct value_source *v = &value_sources[i];
        if (strcmp(v->option, option) != 0)
            continue;
        if (v->list)
            v->list(cli);
        for (int k = 0; v->at && v->at(k); k++)
            printf("%s\n", v->at(k));
        return;
    }
    char arg[128];
    if (option_argument(cmd, option, arg, sizeof arg))
        print_choices(arg);
}

/* ---- positional arguments ---- */

/* The positional arguments of cmd's synopsis, in order: the uppercase words that are
 * no option's argument ("TASK", "TASK...", "FILE.csv"). */
static void print_arguments(const upl_command *cmd)
{
    const char *p = cmd->usage;
    int words = 0, expect_value = 0;
    while (p && *p) {
        p += strspn(p, " \n");
        size_t n = strcspn(p, " \n");
        if (n == 0)
            break;
        char token[128];
        snprintf(token, sizeof token, "%.*s", (int)n, p);
        p += n;
        if (words < 2 + (strchr(cmd->name, ' ') != NULL)) { /* "uplift task add" */
            words++;
            continue;
        }
        int repeats = strstr(token, "...") != NULL; /* "TASK...", "[--attr K=V]..." */
        char *t = token + strspn(token, "[(");
        t[strcspn(t, "])")] = '\0';
        char *dots = strstr(t, "...");
        if (dots)
            *dots = '\0';
        if (!*t || strcmp(t, "|") == 0) {
            expect_value = 0;
        } else if (strncmp(t, "--", 2) == 0) {
            const struct option *o = cmd->options;
            size_t len = strcspn(t + 2, "=");
            while (o && o->name && (strlen(o->name) != len || strncmp(o->name, t + 2, len) != 0))
                o++;
            expect_value = !strchr(t, '=') && !(o && o->name && o->has_arg == no_argument);
        } else if (expect_value) {
            expect_value = 0;
        } else if (isupper((unsigned char)*t)) {
            printf("%s%s\n", t, repeats ? "..." : ""); /* as written: "FILE.csv" */
        }
    }
}

static int run_complete(upl_cli *cli, const upl_args *args)
{
    /* no option table: every word after "complete" is an argument */
    if (args->n_pos < 1)
        return upl__usage(&upl__cmd_complete, "'complete' needs what to complete");
    const char *what = args->pos[0];
    int n = (int)args->n_pos - 1;
    char **rest = args->pos + 1;
    if (strcmp(what, "commands") == 0) {
        print_commands();
    } else if (strcmp(what, "subcommands") == 0) {
        if (n == 1)
            print_subcommands(rest[0]);
    } else if (strcmp(what, "options") == 0) {
        const upl_command *cmd = command_named(n, rest);
        if (n == 0 || cmd)
            print_options(cmd);
    } else if (strcmp(what, "values") == 0) {
        const upl_command *cmd = command_named(n - 1, rest);
        if (n >= 1 && (n == 1 || cmd))
            print_values(cli, cmd, rest[n - 1]);
    } else if (strcmp(what, "arguments") == 0) {
        const upl_command *cmd = command_named(n, rest);
        if (cmd)
            print_arguments(cmd);
    } else if (strcmp(what, "tasks") == 0) {
        print_tasks(cli);
    } else if (strcmp(what, "participants") == 0) {
        print_participants(cli);
    } else if (strcmp(what, "protocols") == 0) {
        print_protocols(cli);
    } else {
        return upl__usage(&upl__cmd_complete, "cannot complete '%s'", what);
    }
    return UPL_EXIT_OK;
}

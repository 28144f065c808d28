/* Reading a command's arguments against its option table, once, for the dispatcher
 * (upl__args_parse in cli.h).  getopt_long does the reading; this file adds the rules
 * every command shares: whole option names only, one use of an option unless the
 * descriptor lets it repeat, the number of positional arguments, one line per error. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* The option in longopts whose name is exactly name[0..len), or NULL. */
static const struct option *exact_option(const struct option *longopts, const char *name,
                                         size_t len)
{
    for (const struct option *o = longopts; o->name; o++)
        if (strlen(o->name) == len && strncmp(o->name, name, len) == 0)
            return o;
    return NULL;
}

/* Reports a refused option: "--json=1" for an option that takes no value, an unknown
 * or ambiguous long option (named without its "=value"), an unknown short option.
 * text is the word getopt_long just read, NULL inside a cluster of short options. */
static void refuse_option(const upl_command *cmd, const char *text, const struct option *longopts)
{
    if (text && strncmp(text, "--", 2) == 0) {
        size_t len = strcspn(text + 2, "=");
        const struct option *o = exact_option(longopts, text + 2, len);
        if (o && o->has_arg == no_argument && text[2 + len] == '=')
            upl__usage(cmd, "option '--%s' takes no value", o->name);
        else
            upl__usage(cmd, "unknown option '%.*s' for '%s'", (int)(len + 2), text, cmd->name);
    } else if (optopt > 0 && optopt < 128) {
        upl__usage(cmd, "unknown option '-%c' for '%s'", optopt, cmd->name);
    } else {
        upl__usage(cmd, "unknown option '%s' for '%s'", text ? text : "?", cmd->name);
    }
}

static int repeatable(const upl_command *cmd, const char *name)
{
    for (const char *const *r = cmd->repeatable; r && *r; r++)
        if (strcmp(*r, name) == 0)
            return 1;
    return 0;
}

/* getopt_long with the rules above: returns the option's code, -1 at the end, or '?'
 * after printing a usage error.  seen has one flag per entry of cmd->options (the
 * options given so far). */
static int next_option(const upl_command *cmd, int argc, char **argv, unsigned char *seen)
{
    const struct option *longopts = cmd->options;
    int index = -1;
    int before = optind > 0 ? optind : 1; /* optind 0: getopt_long starts at 1 */
    opterr = 0;
    optopt = 0;
    optarg = NULL;
    int c = getopt_long(argc, argv, ":", longopts, &index);
    if (c == -1)
        return c;
    /* The word just read (the option, or its value when given as the next word); a
     * long option always moves optind past it, a short option inside a cluster such
     * as "-xy" does not. */
    const char *text = optind != before && optind >= 1 && optind <= argc ? argv[optind - 1] : NULL;
    if (c == ':') {
        if (text && strncmp(text, "--", 2) == 0 &&
            !exact_option(longopts, text + 2, strcspn(text + 2, "=")))
            refuse_option(cmd, text, longopts); /* "--outc" abbreviating "--outcome" */
        else
            upl__usage(cmd, "option '%s' needs a value", text ? text : "?");
        return '?';
    }
    if (c == '?') {
        refuse_option(cmd, text, longopts);
        return '?';
    }
    /* getopt_long takes any unambiguous prefix ("--out" for "--outcome"): require the
     * option's whole name, so that a typo is never read as another option */
    if (text && optarg == text && optind >= 2)
        text = argv[optind - 2];
    if (text && index >= 0 && strncmp(text, "--", 2) == 0 &&
        !exact_option(longopts, text + 2, strcspn(text + 2, "="))) {
        refuse_option(cmd, text, longopts);
        return '?';
    }
    if (index >= 0) {
        if (seen[index] && !repeatable(cmd, longopts[index].name)) {
            upl__usage(cmd, "option '--%s' is given more than once: give it once",
                       longopts[index].name);
            return '?';
        }
        seen[index] = 1;
    }
    return c;
}

/* Checks that the positional arguments left after the options number between the
 * descriptor's min_args and max_args; prints a usage error and returns 0 otherwise. */
static int check_positionals(const upl_command *cmd, int argc)
{
    int have = argc - optind, min = cmd->min_args, max = cmd->max_args;
    if (have < min) {
        upl__usage(cmd, "'%s' needs %s argument%s; usage: %s", cmd->name, min == 1 ? "an" : "more",
                   min == 1 ? "" : "s", cmd->usage);
        return 0;
    }
    if (max >= 0 && have > max) {
        upl__usage(cmd, "too many arguments for '%s'; usage: %s", cmd->name, cmd->usage);
        return 0;
    }
    return 1;
}

int upl__args_parse(const upl_command *cmd, int argc, char **argv, upl_args *args)
{
    unsigned char *seen = NULL;
    int rc = UPL_EXIT_USAGE, c;
    memset(args, 0, sizeof *args);
    args->cmd = cmd;
    if (!cmd->options) {
        args->pos = argv + 1;
        args->n_pos = argc > 1 ? (size_t)(argc - 1) : 0;
        return UPL_EXIT_OK;
    }
    size_t n_longopts = 0;
    while (cmd->options[n_longopts].name)
        n_longopts++;
    /* every option takes at least one word of argv */
    seen = calloc(n_longopts + 1, 1);
    args->opts = malloc((argc > 0 ? (size_t)argc : 1) * sizeof *args->opts);
    if (!seen || !args->opts) {
        rc = upl__fail("out of memory");
        goto fail;
    }
    optind = 0; /* glibc: full reinitialisation of getopt for these arguments */
    while ((c = next_option(cmd, argc, argv, seen)) != -1) {
        if (c == '?')
            goto fail;
        args->opts[args->n_opts++] = (upl_optval){c, optarg};
    }
    if (!check_positionals(cmd, argc))
        goto fail;
    args->pos = argv + optind; /* getopt_long moved them after the options */
    args->n_pos = (size_t)(argc - optind);
    free(seen);
    return UPL_EXIT_OK;
fail:
    free(seen);
    upl__args_release(args);
    return rc;
}

char *upl__args_value(const upl_args *args, int code)
{
    for (size_t i = 0; i < args->n_opts; i++)
        if (args->opts[i].code == code)
            return args->opts[i].arg;
    return NULL;
}

int upl__args_has(const upl_args *args, int code)
{
    for (size_t i = 0; i < args->n_opts; i++)
        if (args->opts[i].code == code)
            return 1;
    return 0;
}

void upl__args_release(upl_args *args)
{
    free(args->opts);
    memset(args, 0, sizeof *args);
}

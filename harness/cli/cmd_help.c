/* uplift help [COMMAND] */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static int run_help(upl_cli *cli, const upl_args *args);

const upl_command upl__cmd_help = {
    .name = "help",
    .summary = "Show the commands, or the options of one command.",
    .usage = "uplift help [COMMAND]",
    .help = "",
    .flags = 0,
    .run = run_help,
};

static int run_help(upl_cli *cli, const upl_args *args)
{
    (void)cli;
    char **word = args->pos; /* no option table: every word after "help" */
    if (args->n_pos > 0) {
        int words = 0;
        const upl_command *cmd = upl__command_find((int)args->n_pos, word, &words);
        if (!cmd && args->n_pos == 1 && upl__command_is_group(word[0])) {
            upl__command_group_print_help(word[0], stdout);
            return UPL_EXIT_OK;
        }
        if (!cmd && upl__command_is_group(word[0])) {
            char list[256];
            upl__command_group_list(word[0], list, sizeof list);
            return upl__usage(NULL, "no such command '%s %s': '%s' has %s", word[0], word[1],
                              word[0], list);
        }
        if (!cmd)
            return upl__usage(NULL, "no such command '%s'", word[0]);
        upl__command_print_help(cmd, stdout);
        return UPL_EXIT_OK;
    }
    printf("usage: uplift [--db PATH] [--wait SECONDS] [--quiet] COMMAND [ARGS...]\n\n"
           "uplift runs randomized controlled trials of developer productivity.\n\n"
           "Commands:\n");
    for (const upl_command *const *c = upl__commands; *c; c++)
        if (!((*c)->flags & UPL_CMD_HIDDEN))
            printf("  %-20s %s\n", (*c)->name, (*c)->summary);
    printf("\nGlobal options:\n"
           "  --db PATH            study database (default $UPLIFT_DB, else ./uplift.db)\n"
           "  --wait SECONDS       how long a change waits for another writer to finish\n"
           "                       (default $UPLIFT_WAIT, else 30; 0: fail at once)\n"
           "  --quiet              no progress on stderr (else $UPLIFT_PROGRESS: auto, the\n"
           "                       default, on a terminal only; always; never)\n"
           "  --version            print the version ('uplift version'); with --verbose\n"
           "                       also the versions of the linked libraries\n"
           "\n'uplift help COMMAND' or 'uplift COMMAND --help' shows a command's options.\n");
    return UPL_EXIT_OK;
}

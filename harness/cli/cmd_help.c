/* uplift help [COMMAND] */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static int run_help(upl_cli *cli, int argc, char **argv);

const upl_command upl__cmd_help = {
    .name = "help",
    .summary = "Show the commands, or the options of one command.",
    .usage = "uplift help [COMMAND]",
    .help = "",
    .flags = 0,
    .run = run_help,
};

static int run_help(upl_cli *cli, int argc, char **argv)
{
    (void)cli;
    if (argc > 1) {
        int words = 0;
        const upl_command *cmd = upl__command_find(argc - 1, argv + 1, &words);
        if (!cmd && argc == 2 && upl__command_is_group(argv[1])) {
            upl__command_group_print_help(argv[1], stdout);
            return UPL_EXIT_OK;
        }
        if (!cmd && upl__command_is_group(argv[1])) {
            char list[256];
            upl__command_group_list(argv[1], list, sizeof list);
            return upl__usage(NULL, "no such command '%s %s': '%s' has %s", argv[1], argv[2],
                              argv[1], list);
        }
        if (!cmd)
            return upl__usage(NULL, "no such command '%s'", argv[1]);
        upl__command_print_help(cmd, stdout);
        return UPL_EXIT_OK;
    }
    printf("usage: uplift [--db PATH] [--wait SECONDS] COMMAND [ARGS...]\n\n"
           "uplift runs randomized controlled trials of developer productivity.\n\n"
           "Commands:\n");
    for (const upl_command *const *c = upl__commands; *c; c++)
        if (!((*c)->flags & UPL_CMD_HIDDEN))
            printf("  %-20s %s\n", (*c)->name, (*c)->summary);
    printf("\nGlobal options:\n"
           "  --db PATH            study database (default $UPLIFT_DB, else ./uplift.db)\n"
           "  --wait SECONDS       how long a change waits for another writer to finish\n"
           "                       (default $UPLIFT_WAIT, else 30; 0: fail at once)\n"
           "  --version            print the version ('uplift version'); with --verbose\n"
           "                       also the versions of the linked libraries\n"
           "\n'uplift help COMMAND' or 'uplift COMMAND --help' shows a command's options.\n");
    return UPL_EXIT_OK;
}

/* uplift exclude TASK --reason TEXT [--abandoned] */
#include <stdio.h>

#include "cli.h"
#include "uplift/store.h"

static int run_exclude(upl_cli *cli, const upl_args *args);

static const struct option exclude_options[] = {{"reason", required_argument, NULL, 'r'},
                                                {"abandoned", no_argument, NULL, 'a'},
                                                {NULL, 0, NULL, 0}};

const upl_command upl__cmd_exclude = {
    .name = "exclude",
    .summary = "Take a task out of the study, with a reason (counted in the CONSORT flow).",
    .usage = "uplift exclude TASK --reason TEXT [--abandoned]",
    .help = "Options:\n"
            "  --reason TEXT   why (e.g. 'duplicate issue', 'out of scope'); required\n"
            "  --abandoned     the participant gave the task up after assignment: it stays in\n"
            "                  the flow diagram as abandoned rather than excluded\n",
    .options = exclude_options,
    .min_args = 1,
    .max_args = 1,
    .flags = UPL_CMD_NEEDS_DB | UPL_CMD_WRITES,
    .run = run_exclude,
};

static int run_exclude(upl_cli *cli, const upl_args *args)
{
    const char *reason = upl__args_value(args, 'r');
    int abandoned = upl__args_has(args, 'a');
    long long id;
    if (!upl__parse_task_id(&upl__cmd_exclude, args->pos[0], &id))
        return UPL_EXIT_USAGE;
    if (!reason || !*reason)
        return upl__usage(&upl__cmd_exclude, "exclude needs --reason TEXT");
    if (upl_store_task_exclude(cli->store, id, reason, abandoned) != UPL_OK)
        return upl__fail_store(cli, "cannot exclude the task");
    printf("task %lld %s: %s\n", id, abandoned ? "abandoned" : "excluded", reason);
    return UPL_EXIT_OK;
}

/* uplift forecast TASK --ai DUR --no-ai DUR */
#include <stdio.h>

#include "cli.h"
#include "uplift/duration.h"
#include "uplift/store.h"

static int run_forecast(upl_cli *cli, const upl_args *args);

static const struct option forecast_options[] = {{"ai", required_argument, NULL, 'a'},
                                                 {"no-ai", required_argument, NULL, 'n'},
                                                 {NULL, 0, NULL, 0}};

const upl_command upl__cmd_forecast = {
    .name = "forecast",
    .summary = "Record a participant's time forecasts with and without AI, before the draw.",
    .usage = "uplift forecast TASK --ai DUR --no-ai DUR",
    .help = "Options:\n"
            "  --ai DUR      expected time if AI is allowed (90, 12.5, 90m, 1h30m, 1:30, 45s)\n"
            "  --no-ai DUR   expected time if AI is not allowed\n"
            "\nForecasts can be changed until the task is assigned to an arm, never after.\n",
    .options = forecast_options,
    .min_args = 1,
    .max_args = 1,
    .flags = UPL_CMD_NEEDS_DB | UPL_CMD_WRITES,
    .run = run_forecast,
};

static int run_forecast(upl_cli *cli, const upl_args *args)
{
    const char *ai_text = upl__args_value(args, 'a'), *no_ai_text = upl__args_value(args, 'n');
    double ai, no_ai;
    long long id;
    upl_diag diag = {0};
    if (!upl__parse_task_id(&upl__cmd_forecast, args->pos[0], &id))
        return UPL_EXIT_USAGE;
    if (!ai_text || !no_ai_text)
        return upl__usage(&upl__cmd_forecast, "forecast needs both --ai and --no-ai");
    if (upl_duration_parse(ai_text, &ai, &diag) != UPL_OK)
        return upl__usage(&upl__cmd_forecast, "--ai: %s", diag.msg);
    if (upl_duration_parse(no_ai_text, &no_ai, &diag) != UPL_OK)
        return upl__usage(&upl__cmd_forecast, "--no-ai: %s", diag.msg);
    if (upl_store_task_forecast(cli->store, id, ai, no_ai) != UPL_OK)
        return upl__fail_store(cli, "cannot record the forecast");
    printf("task %lld: forecast %g min with AI, %g min without\n", id, ai, no_ai);
    return UPL_EXIT_OK;
}

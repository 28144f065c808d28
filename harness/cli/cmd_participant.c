/* uplift participant add HANDLE [--attr KEY=VALUE]...; uplift participant list [--json] */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "uplift/store.h"

static int run_add(upl_cli *cli, const upl_args *args);
static int run_list(upl_cli *cli, const upl_args *args);

static const struct option add_options[] = {
    {"attr", required_argument, NULL, 'a'}, {"force", no_argument, NULL, 'f'}, {NULL, 0, NULL, 0}};

const upl_command upl__cmd_participant_add = {
    .name = "participant add",
    .summary = "Enrol a participant (a developer: the cluster of the analysis).",
    .usage = "uplift participant add HANDLE [--attr KEY=VALUE]... [--force]",
    .help = "Options:\n"
            "  --attr KEY=VALUE  a participant attribute (e.g. years=7, repo=astropy); repeatable\n"
            "  --force           add HANDLE even when a participant's handle differs from it\n"
            "                    only in case\n"
            "\nHANDLE is 1-64 letters, digits or ._@+- and names the participant everywhere.\n"
            "Handles are compared without case for uniqueness: 'Ben' is refused as a likely\n"
            "duplicate when 'ben' exists, unless --force.\n",
    .options = add_options,
    .min_args = 1,
    .max_args = 1,
    .flags = UPL_CMD_NEEDS_DB | UPL_CMD_WRITES,
    .run = run_add,
    .repeatable = (const char *const[]){"attr", NULL},
};

static const struct option list_options[] = {{"json", no_argument, NULL, 'j'}, {NULL, 0, NULL, 0}};

const upl_command upl__cmd_participant_list = {
    .name = "participant list",
    .summary = "List participants with their attributes and task counts.",
    .usage = "uplift participant list [--json]",
    .help = "Options:\n"
            "  --json            one JSON array on stdout\n",
    .options = list_options,
    .min_args = 0,
    .max_args = 0,
    .flags = UPL_CMD_NEEDS_DB,
    .run = run_list,
};

static int run_add(upl_cli *cli, const upl_args *args)
{
    upl_attr *attrs = calloc(args->n_opts + 1, sizeof *attrs); /* at most one per option */
    size_t n_attrs = 0;
    int rc = UPL_EXIT_USAGE;
    if (!attrs)
        return upl__fail("out of memory");
    for (size_t i = 0; i < args->n_opts; i++) {
        char *arg = args->opts[i].arg, *key, *value;
        if (args->opts[i].code != 'a')
            continue;
        if (!upl__split_assignment(arg, &key, &value)) {
            upl__usage(&upl__cmd_participant_add, "--attr needs KEY=VALUE, not '%s'", arg);
            goto cleanup;
        }
        attrs[n_attrs].key = key;
        attrs[n_attrs].value = value;
        n_attrs++;
    }
    const char *handle = args->pos[0];
    int64_t exact_id;
    /* the handle itself taken: the store says "already exists" */
    if (!upl__args_has(args, 'f') &&
        upl_store_participant_id(cli->store, handle, &exact_id) != UPL_OK) {
        char *existing = NULL;
        if (upl_store_participant_like(cli->store, handle, &existing) != UPL_OK) {
            rc = upl__fail_store(cli, "cannot add the participant");
            goto cleanup;
        }
        if (existing) {
            rc = upl__fail("participant '%s' is likely a duplicate of '%s' (the handles differ "
                           "only in case): use '%s', or add '%s' anyway with --force",
                           handle, existing, existing, handle);
            free(existing);
            goto cleanup;
        }
    }
    if (upl_store_participant_add(cli->store, handle, attrs, n_attrs, NULL) != UPL_OK) {
        rc = upl__fail_store(cli, "cannot add the participant");
        goto cleanup;
    }
    printf("participant %s added\n", handle);
    rc = UPL_EXIT_OK;
cleanup:
    free(attrs);
    return rc;
}

typedef struct list_ctx {
    json_t *json; /* NULL: text */
    int failed;
} list_ctx;

static int print_participant(void *arg, int64_t id, const char *handle, const upl_attr *attrs,
                             size_t n_attrs, size_t n_tasks)
{
    list_ctx *ctx = arg;
    (void)id;
    if (ctx->json) {
        json_t *obj = json_object();
        json_t *attr_obj = json_object();
        if (!obj || !attr_obj)
            goto oom;
        for (size_t i = 0; i < n_attrs; i++)
            json_object_set_new(attr_obj, attrs[i].key, json_string(attrs[i].value));
        json_object_set_new(obj, "participant", json_string(handle));
        json_object_set_new(obj, "tasks", json_integer((json_int_t)n_tasks));
        json_object_set_new(obj, "attributes", attr_obj);
        json_array_append_new(ctx->json, obj);
        return 0;
    oom:
        json_decref(obj);
        json_decref(attr_obj);
        ctx->failed = 1;
        return 1;
    }
    printf("%-20s %5zu", handle, n_tasks);
    for (size_t i = 0; i < n_attrs; i++)
        printf("  %s=%s", attrs[i].key, attrs[i].value);
    putchar('\n');
    return 0;
}

static int run_list(upl_cli *cli, const upl_args *args)
{
    list_ctx ctx = {0};
    int json = upl__args_has(args, 'j');
    if (json && !(ctx.json = json_array()))
        return upl__fail("out of memory");
    if (!json)
        printf("%-20s %5s  %s\n", "PARTICIPANT", "TASKS", "ATTRIBUTES");
    if (upl_store_participant_each(cli->store, print_participant, &ctx) != UPL_OK || ctx.failed) {
        json_decref(ctx.json);
        return upl__fail_store(cli, "cannot list participants");
    }
    return json ? upl__print_json(ctx.json) : UPL_EXIT_OK;
}

/* Options and input shared by `uplift analyze` and `uplift report`
 * (harness/cli/analysis_input.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analysis_input.h"
#include "uplift/dataset_csv.h"
#include "uplift/protocol.h"
#include "uplift/store.h"

int upl__analysis_opt(upl__analysis_opts *o, int c, const char *arg)
{
    if (upl__model_opt(&o->model, c, arg))
        return 1;
    switch (c) {
    case UPL__AOPT_CSV:
        o->csv = arg;
        return 1;
    case UPL__AOPT_MAP:
        if (o->n_map < UPL__MAX_MAP_OPTIONS)
            o->map[o->n_map++] = arg;
        o->n_map_given++;
        return 1;
    case UPL__AOPT_TREATED:
        o->treated = arg;
        return 1;
    case UPL__AOPT_ARM_NAMES:
        o->arm_names = arg;
        return 1;
    default:
        return 0;
    }
}

/* Reads the study's protocol defaults and task table, read-only.  On success the store
 * stays open in its read transaction, and *protocol_out is its protocol. */
static int load_study(upl_cli *cli, upl_dataset *ds, upl_model_spec *spec, upl_store **store_out,
                      const upl_protocol **protocol_out)
{
    upl_store *store = NULL;
    const upl_protocol *protocol = NULL;
    upl_diag diag = {0};
    int rc = UPL_EXIT_OK;
    if (!upl_store_on_server(cli->db_path) && access(cli->db_path, F_OK) != 0)
        return upl__fail("no study at '%s': point --db at one, or analyse a CSV with --csv "
                         "FILE",
                         cli->db_path);
    if (upl_store_open(cli->db_path, UPL_STORE_READONLY, &store, &diag) != UPL_OK)
        return upl__fail("%s", upl__diag_error(&diag));
    if (upl_store_begin(store, 0) != UPL_OK) {
        rc = upl__fail("cannot read '%s': %s", cli->db_path, upl__store_error(store));
        goto out;
    }
    if (upl_store_protocol(store, &protocol) != UPL_OK) {
        rc = upl__fail("cannot read the protocol of '%s': %s", cli->db_path,
                       upl__store_error(store));
        goto out;
    }
    spec->outcome = protocol->outcome;
    spec->covariate = protocol->covariate;
    spec->se_type = protocol->se_type;
    spec->dist = protocol->dist;
    spec->level = 1.0 - protocol->alpha;
    spec->impute = protocol->impute;
    if (upl_store_task_table(store, NULL, ds) != UPL_OK) {
        rc = upl__fail("cannot read the tasks of '%s': %s", cli->db_path, upl__store_error(store));
        goto out;
    }
out:
    if (rc == UPL_EXIT_OK) {
        *store_out = store;
        *protocol_out = protocol;
        return rc;
    }
    upl_store_close(store); /* rolls the read transaction back */
    return rc;
}

/* The --map lists as one "FIELD=COLUMN,..." list (heap; NULL when out of memory). */
static char *join_maps(const upl__analysis_opts *o)
{
    size_t len = 1;
    for (size_t i = 0; i < o->n_map; i++)
        len += strlen(o->map[i]) + 1;
    char *joined = malloc(len), *end = joined;
    if (!joined)
        return NULL;
    for (size_t i = 0; i < o->n_map; i++) {
        size_t n = strlen(o->map[i]);
        if (i)
            *end++ = ',';
        memcpy(end, o->map[i], n);
        end += n;
    }
    *end = '\0';
    return joined;
}

int upl__analysis_load(upl_cli *cli, const upl_command *cmd, const upl__analysis_opts *o,
                       upl_dataset *ds, upl_model_spec *spec, upl_store **store_out,
                       const upl_protocol **protocol_out)
{
    upl_diag diag = {0};
    int rc;
    *store_out = NULL;
    *protocol_out = NULL;
    memset(ds, 0, sizeof *ds);
    if (!o->csv && (o->n_map_given || o->treated || o->arm_names))
        return upl__usage(cmd, "--map, --treated and --arm-names apply to --csv input only");
    if (o->n_map_given > UPL__MAX_MAP_OPTIONS)
        return upl__usage(cmd, "--map given %zu times: join the lists (at most %d --map)",
                          o->n_map_given, UPL__MAX_MAP_OPTIONS);
    upl_model_spec_default(spec);
    if (!upl__model_apply(cmd, &o->model, spec)) /* usage errors before any reading */
        return UPL_EXIT_USAGE;
    if (upl_dataset_csv_check_arm_names(o->arm_names, &diag) != UPL_OK)
        return upl__usage(cmd, "%s", upl__diag_error(&diag));
    upl_model_spec_default(spec);
    if (o->csv) {
        char *map = NULL;
        if (o->n_map && !(map = join_maps(o)))
            return upl__fail("out of memory");
        upl_status st = upl_dataset_read_csv(ds, o->csv, map, o->treated, o->arm_names, &diag);
        free(map);
        if (st == UPL_INVALID) /* the --map, --treated or --arm-names argument itself */
            return upl__usage(cmd, "%s", upl__diag_error(&diag));
        if (st != UPL_OK)
            return upl__fail("%s", diag.msg[0] ? upl__diag_error(&diag) : upl_strerror(st));
    } else if ((rc = load_study(cli, ds, spec, store_out, protocol_out)) != UPL_EXIT_OK) {
        return rc;
    }
    if (!upl__model_apply(cmd, &o->model, spec)) { /* over the protocol's defaults */
        upl_dataset_release(ds);
        upl_store_close(*store_out);
        *store_out = NULL;
        *protocol_out = NULL;
        return UPL_EXIT_USAGE;
    }
    return UPL_EXIT_OK;
}

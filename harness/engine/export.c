/* `export`: the task table of CONTRACT section 4 as CSV (libcsv) or JSON (jansson). */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "uplift/csv.h"
#include "uplift/exchange.h"

void upl_format_number(double v, char *buf, size_t size)
{
    if (isnan(v)) {
        if (size)
            buf[0] = '\0';
        return;
    }
    snprintf(buf, size, "%.15g", v);
}

static const char *ai_used_text(int v)
{
    return v == UPL_AI_USED_YES ? "yes" : v == UPL_AI_USED_NO ? "no" : NULL;
}

enum { N_NUMBERS = 6, N_FIXED = UPL_TASK_COLUMNS };

static void row_numbers(const upl_dataset *ds, size_t i, double v[N_NUMBERS])
{
    v[0] = ds->forecast_ai_min[i];
    v[1] = ds->forecast_no_ai_min[i];
    v[2] = ds->measured_min[i];
    v[3] = ds->reported_min[i];
    v[4] = ds->post_review_min[i];
    v[5] = ds->perceived_pct[i];
}

upl_status upl_export_csv(const upl_dataset *ds, FILE *out, unsigned flags)
{
    size_t width = N_FIXED + ds->n_extra;
    const char **fields = calloc(width, sizeof *fields);
    unsigned char numeric[N_FIXED] = {0}; /* the number columns are never guarded */
    unsigned char *kinds = calloc(width, 1);
    char numbers[N_NUMBERS][32];
    upl_status rc = UPL_OK;
    if (!fields || !kinds) {
        free(fields);
        free(kinds);
        return UPL_NOMEM;
    }
    for (int k = 0; k < N_NUMBERS; k++)
        numeric[4 + k] = 1;
    memcpy(kinds, numeric, sizeof numeric);
    for (size_t c = 0; c < N_FIXED; c++)
        fields[c] = upl_task_columns[c];
    for (size_t j = 0; j < ds->n_extra; j++)
        fields[N_FIXED + j] = ds->extra_names[j];
    if ((rc = upl_csv_write_row(out, fields, kinds, width, flags)) != UPL_OK)
        goto cleanup;
    for (size_t i = 0; i < ds->n; i++) {
        double v[N_NUMBERS];
        row_numbers(ds, i, v);
        for (int k = 0; k < N_NUMBERS; k++)
            upl_format_number(v[k], numbers[k], sizeof numbers[k]);
        fields[0] = ds->task_id[i];
        fields[1] = ds->participant[i];
        fields[2] = ds->category[i];
        fields[3] = ds->arm[i];
        for (int k = 0; k < N_NUMBERS; k++)
            fields[4 + k] = numbers[k];
        fields[10] = ai_used_text(ds->ai_used[i]);
        fields[11] = upl_task_status_name(ds->status[i]);
        fields[12] = ds->excluded_reason[i];
        fields[13] = ds->title[i];
        fields[14] = ds->url[i];
        for (size_t j = 0; j < ds->n_extra; j++)
            fields[N_FIXED + j] = ds->extra_values[j][i];
        if ((rc = upl_csv_write_row(out, fields, kinds, width, flags)) != UPL_OK)
            goto cleanup;
    }
cleanup:
    free(fields);
    free(kinds);
    return rc;
}

static json_t *string_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

static json_t *number_or_null(double v)
{
    return isnan(v) ? json_null() : json_real(v);
}

upl_status upl_export_json(const upl_dataset *ds, FILE *out)
{
    json_t *rows = json_array();
    upl_status rc = UPL_OK;
    if (!rows)
        return UPL_NOMEM;
    for (size_t i = 0; i < ds->n; i++) {
        json_t *row = json_object();
        double v[N_NUMBERS];
        row_numbers(ds, i, v);
        char *end = NULL;
        long long id = strtoll(ds->task_id[i], &end, 10);
        int ok = row != NULL;
        /* a study's ids are integers; a foreign table's may be text */
        ok = ok && json_object_set_new(row, "task_id",
                                       *end ? json_string(ds->task_id[i])
                                            : json_integer((json_int_t)id)) == 0;
        ok = ok && json_object_set_new(row, "participant", string_or_null(ds->participant[i])) == 0;
        ok = ok && json_object_set_new(row, "category", string_or_null(ds->category[i])) == 0;
        ok = ok && json_object_set_new(row, "arm", string_or_null(ds->arm[i])) == 0;
        for (int k = 0; k < N_NUMBERS; k++)
            ok = ok && json_object_set_new(row, upl_task_columns[4 + k], number_or_null(v[k])) == 0;
        ok = ok &&
             json_object_set_new(row, "ai_used", string_or_null(ai_used_text(ds->ai_used[i]))) == 0;
        ok = ok && json_object_set_new(row, "status",
                                       json_string(upl_task_status_name(ds->status[i]))) == 0;
        ok = ok && json_object_set_new(row, "excluded_reason",
                                       string_or_null(ds->excluded_reason[i])) == 0;
        ok = ok && json_object_set_new(row, "title", string_or_null(ds->title[i])) == 0;
        ok = ok && json_object_set_new(row, "url", string_or_null(ds->url[i])) == 0;
        for (size_t j = 0; j < ds->n_extra; j++)
            ok = ok && json_object_set_new(row, ds->extra_names[j],
                                           string_or_null(ds->extra_values[j][i])) == 0;
        if (!ok || json_array_append_new(rows, row) != 0) {
            json_decref(row);
            rc = UPL_NOMEM;
            goto cleanup;
        }
    }
    if (json_dumpf(rows, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER) != 0 || fputc('\n', out) == EOF)
        rc = UPL_IO;
cleanup:
    json_decref(rows);
    return rc;
}

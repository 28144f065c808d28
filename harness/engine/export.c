/* `export`: the task table of README.md as CSV (libcsv) or JSON (jansson). */
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

enum { N_FIXED = UPL_TASK_COLUMNS };

/* Each column's cell by its kind in the task table's map (uplift/task.h); a number is
 * formatted into buf. */
#define CELL_TEXT(v, buf)    (v)
#define CELL_MINUTES(v, buf) (upl_format_number(v, buf, sizeof buf), buf)
#define CELL_SHARE(v, buf)   (upl_format_number(v, buf, sizeof buf), buf)
#define CELL_AI_USED(v, buf) ai_used_text(v)
#define CELL_STATUS(v, buf)  upl_task_status_name(v)
/* a number column is never guarded against spreadsheet formulas */
#define NUMERIC_TEXT    0
#define NUMERIC_MINUTES 1
#define NUMERIC_SHARE   1
#define NUMERIC_AI_USED 0
#define NUMERIC_STATUS  0

upl_status upl_export_csv(const upl_dataset *ds, FILE *out, unsigned flags)
{
    size_t width = N_FIXED + ds->n_extra;
    const char **fields = calloc(width, sizeof *fields);
    static const unsigned char numeric[N_FIXED] = {
#define NUMERIC_COLUMN(id, name, kind) NUMERIC_##kind,
        UPL_TASK_COLUMN_MAP(NUMERIC_COLUMN)
#undef NUMERIC_COLUMN
    };
    unsigned char *kinds = calloc(width, 1);
    char numbers[N_FIXED][32];
    upl_status rc = UPL_OK;
    if (!fields || !kinds) {
        free(fields);
        free(kinds);
        return UPL_NOMEM;
    }
    memcpy(kinds, numeric, sizeof numeric);
    for (size_t c = 0; c < N_FIXED; c++)
        fields[c] = upl_task_columns[c];
    for (size_t j = 0; j < ds->n_extra; j++)
        fields[N_FIXED + j] = ds->extra_names[j];
    if ((rc = upl_csv_write_row(out, fields, kinds, width, flags)) != UPL_OK)
        goto cleanup;
    for (size_t i = 0; i < ds->n; i++) {
#define CSV_CELL(id, name, kind)                                                                   \
    fields[UPL_COL_##id] = CELL_##kind(ds->name[i], numbers[UPL_COL_##id]);
        UPL_TASK_COLUMN_MAP(CSV_CELL)
#undef CSV_CELL
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

/* A study's ids are integers; a foreign table's may be text. */
static json_t *task_id_json(const char *id)
{
    char *end = NULL;
    long long n = strtoll(id, &end, 10);
    return *end ? json_string(id) : json_integer((json_int_t)n);
}

upl_status upl_export_json(const upl_dataset *ds, FILE *out)
{
    json_t *rows = json_array();
    upl_status rc = UPL_OK;
    if (!rows)
        return UPL_NOMEM;
    for (size_t i = 0; i < ds->n; i++) {
        json_t *row = json_object();
        int ok = row != NULL;
#define JSON_TEXT(v)    string_or_null(v)
#define JSON_MINUTES(v) number_or_null(v)
#define JSON_SHARE(v)   number_or_null(v)
#define JSON_AI_USED(v) string_or_null(ai_used_text(v))
#define JSON_STATUS(v)  json_string(upl_task_status_name(v))
#define JSON_CELL(id, name, kind)                                                                  \
    ok = ok &&                                                                                     \
         json_object_set_new(row, #name,                                                           \
                             UPL_COL_##id == UPL_COL_TASK_ID ? task_id_json(ds->task_id[i])        \
                                                             : JSON_##kind(ds->name[i])) == 0;
        UPL_TASK_COLUMN_MAP(JSON_CELL)
#undef JSON_CELL
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

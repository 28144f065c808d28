/* Fuzz target: the CSV reader and writer (harness/csv.c).
 *
 * Every accepted record is written back with upl_csv_write_record; that text must parse
 * again, to the very same records (written out a second time, the bytes are equal). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "uplift/csv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct sink {
    FILE *out;
    size_t n_fields;
    size_t last_line;
} sink;

static upl_status write_row(void *ctx, size_t record, size_t line, const char *const *fields,
                            size_t n_fields, upl_diag *diag)
{
    sink *s = ctx;
    (void)diag;
    if (record == 0)
        s->n_fields = n_fields;
    if (n_fields != s->n_fields || n_fields == 0 || line <= s->last_line)
        abort(); /* column counts are checked; lines only go forward */
    s->last_line = line;
    return upl_csv_write_record(s->out, fields, n_fields);
}

/* Parses data and writes its records to a new memory buffer (*out, *out_len). */
static upl_status rewrite(const char *data, size_t size, char **out, size_t *out_len)
{
    sink s = {NULL, 0, 0};
    upl_diag diag;
    *out = NULL;
    *out_len = 0;
    s.out = open_memstream(out, out_len);
    if (!s.out)
        abort();
    upl_status rc = upl_csv_parse_buffer(data, size, "fuzz.csv", write_row, &s, &diag);
    fclose(s.out);
    if (rc != UPL_OK && (!diag.msg[0] || strchr(diag.msg, '\n')))
        abort();
    return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *first = NULL, *second = NULL;
    size_t first_len = 0, second_len = 0;
    if (rewrite((const char *)data, size, &first, &first_len) == UPL_OK &&
        !(first_len >= 3 && memcmp(first, "\xEF\xBB\xBF", 3) == 0)) { /* a BOM-like field */
        if (rewrite(first, first_len, &second, &second_len) != UPL_OK)
            abort();
        if (first_len != second_len || memcmp(first, second, first_len) != 0)
            abort();
    }
    free(first);
    free(second);
    return 0;
}

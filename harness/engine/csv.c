/* RFC 4180 CSV through libcsv, streamed in chunks.
 *
 * libcsv hands over one field at a time (cb_field) and the end of each record
 * (cb_row).  Fields are copied into one reused buffer; at the end of a record their
 * offsets become the pointer array given to the caller, so a file of any length costs
 * memory proportional to its longest record.  Line numbers are counted from the
 * terminators libcsv reports (CSV_REPALL_NL reports every unquoted CR and LF, blank
 * lines included) and from the line breaks inside quoted fields. */
#include "uplift/csv.h"

#include <csv.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK_SIZE (256 * 1024)

typedef struct reader {
    const char *name;
    upl_csv_row_fn fn;
    void *ctx;
    upl_diag *diag;
    upl_status rc;   /* first failure; once set, callbacks do nothing */
    size_t line;     /* 1-based line where the next unread text starts */
    int after_cr;    /* the last terminator was a CR (so an LF right after is CRLF) */
    size_t record;   /* records handed to fn so far */
    size_t row_line; /* line where the current record started */
    size_t n_header; /* fields in the header, 0 before it */
    char *buf;       /* field text of the current record, each NUL-terminated */
    size_t buf_len, buf_cap;
    size_t *offsets;     /* start of each field in buf */
    const char **fields; /* pointers into buf, filled when the record is complete */
    size_t n_fields, offsets_cap, fields_cap;
    char **header; /* copies of the header fields, for messages */
} reader;

static upl_status fail(reader *r, size_t line, upl_status status, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

static upl_status fail(reader *r, size_t line, upl_status status, const char *fmt, ...)
{
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (r->diag) {
        r->diag->line = line;
        r->diag->column = 0;
    }
    if (line > 0)
        upl_diag_set(r->diag, status, "%s:%zu: %s", r->name, line, msg);
    else
        upl_diag_set(r->diag, status, "%s: %s", r->name, msg);
    r->rc = status;
    return status;
}

/* Length of the valid UTF-8 prefix of s[0..len); len when all is valid.  Overlong
 * forms, surrogates and code points above U+10FFFF are invalid (RFC 3629). */
static size_t utf8_valid_prefix(const unsigned char *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        unsigned char c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t need;
        unsigned char lo = 0x80, hi = 0xBF;
        if (c >= 0xC2 && c <= 0xDF) {
            need = 1;
        } else if (c >= 0xE0 && c <= 0xEF) {
            need = 2;
            if (c == 0xE0)
                lo = 0xA0; /* overlong */
            else if (c == 0xED)
                hi = 0x9F; /* surrogates */
        } else if (c >= 0xF0 && c <= 0xF4) {
            need = 3;
            if (c == 0xF0)
                lo = 0x90; /* overlong */
            else if (c == 0xF4)
                hi = 0x8F; /* above U+10FFFF */
        } else {
            return i;
        }
        if (len - i <= need)
            return i;
        if (s[i + 1] < lo || s[i + 1] > hi)
            return i;
        for (size_t k = 2; k <= need; k++)
            if (s[i + k] < 0x80 || s[i + k] > 0xBF)
                return i;
        i += need + 1;
    }
    return len;
}

/* Line breaks inside text: LF, CRLF and a lone CR each count once. */
static size_t count_breaks(const char *s, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '\n')
            n++;
        else if (s[i] == '\r' && (i + 1 == len || s[i + 1] != '\n'))
            n++;
    }
    return n;
}

static int grow(void **p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return 0;
    size_t cap2 = *cap ? *cap : 16;
    while (cap2 < need) {
        if (cap2 > ((size_t)-1) / 2 / elem)
            return -1;
        cap2 *= 2;
    }
    void *q = realloc(*p, cap2 * elem);
    if (!q)
        return -1;
    *p = q;
    *cap = cap2;
    return 0;
}

static void cb_field(void *data, size_t len, void *priv)
{
    reader *r = priv;
    if (r->rc != UPL_OK)
        return;
    if (r->n_fields == 0)
        r->row_line = r->line;
    r->after_cr = 0;
    if (grow((void **)&r->offsets, &r->offsets_cap, r->n_fields + 1, sizeof *r->offsets) != 0 ||
        grow((void **)&r->fields, &r->fields_cap, r->n_fields + 1, sizeof *r->fields) != 0 ||
        grow((void **)&r->buf, &r->buf_cap, r->buf_len + len + 1, 1) != 0) {
        fail(r, r->row_line, UPL_NOMEM, "out of memory");
        return;
    }
    r->offsets[r->n_fields++] = r->buf_len;
    if (len)
        memcpy(r->buf + r->buf_len, data, len);
    r->buf_len += len;
    r->buf[r->buf_len++] = '\0';
    r->line += count_breaks(data, len);
}

/* The header's name of column i for messages, or its 1-based position when the name
 * is unknown (the header itself), empty, long or holds control characters. */
static const char *column_name(const reader *r, size_t i, char *buf, size_t size)
{
    if (r->header && i < r->n_header) {
        const char *name = r->header[i];
        size_t len = strlen(name), k = 0;
        while (k < len && (unsigned char)name[k] >= 0x20 && name[k] != 0x7f)
            k++;
        if (len > 0 && len <= 64 && k == len)
            return name;
    }
    snprintf(buf, size, "%zu", i + 1);
    return buf;
}

static upl_status finish_record(reader *r)
{
    char num[32];
    for (size_t i = 0; i < r->n_fields; i++) {
        const char *f = r->buf + r->offsets[i];
        size_t flen =
            (i + 1 < r->n_fields ? r->offsets[i + 1] - 1 : r->buf_len - 1) - r->offsets[i];
        if (strlen(f) != flen)
            return fail(r, r->row_line, UPL_PARSE, "column '%s': contains a NUL byte",
                        column_name(r, i, num, sizeof num));
        if (utf8_valid_prefix((const unsigned char *)f, flen) != flen)
            return fail(r, r->row_line, UPL_PARSE, "column '%s': invalid UTF-8",
                        column_name(r, i, num, sizeof num));
        r->fields[i] = f;
    }
    if (r->record == 0) {
        r->n_header = r->n_fields;
        r->header = calloc(r->n_fields, sizeof *r->header);
        if (!r->header)
            return fail(r, r->row_line, UPL_NOMEM, "out of memory");
        for (size_t i = 0; i < r->n_fields; i++)
            if (!(r->header[i] = strdup(r->fields[i])))
                return fail(r, r->row_line, UPL_NOMEM, "out of memory");
    } else if (r->n_fields != r->n_header) {
        return fail(r, r->row_line, UPL_PARSE, "expected %zu columns, found %zu", r->n_header,
                    r->n_fields);
    }
    if (r->diag) {
        r->diag->line = r->row_line;
        r->diag->column = 0;
    }
    upl_status rc = r->fn(r->ctx, r->record, r->row_line, r->fields, r->n_fields, r->diag);
    if (rc != UPL_OK) {
        r->rc = rc;
        return rc;
    }
    r->record++;
    return UPL_OK;
}

static void cb_row(int c, void *priv)
{
    reader *r = priv;
    if (r->rc != UPL_OK)
        return;
    if (r->n_fields > 0)
        finish_record(r); /* sets r->rc on failure */
    r->n_fields = 0;
    r->buf_len = 0;
    /* Advance past the terminator: CR, LF, or the LF of a CRLF (counted at the CR). */
    if (c == '\n' && r->after_cr) {
        r->after_cr = 0;
    } else if (c == '\n' || c == '\r') {
        r->line++;
        r->after_cr = c == '\r';
    } else {
        r->after_cr = 0;
    }
}

static void reader_release(reader *r)
{
    free(r->buf);
    free(r->offsets);
    free(r->fields);
    for (size_t i = 0; r->header && i < r->n_header; i++)
        free(r->header[i]);
    free(r->header);
}

/* The line of the record being read, for errors libcsv reports without a callback. */
static size_t current_line(const reader *r)
{
    return r->n_fields > 0 ? r->row_line : r->line;
}

/* Feeds one chunk; returns the status so far. */
static upl_status feed(reader *r, struct csv_parser *p, const char *data, size_t len)
{
    if (r->rc != UPL_OK)
        return r->rc;
    size_t used = csv_parse(p, data, len, cb_field, cb_row, r);
    if (r->rc != UPL_OK)
        return r->rc;
    if (used != len) {
        if (csv_error(p) == CSV_EPARSE)
            return fail(r, current_line(r), UPL_PARSE,
                        "malformed quoting (a quote inside an unquoted field, or text after a "
                        "closing quote; double a quote inside a quoted field)");
        return fail(r, current_line(r), UPL_NOMEM, "out of memory (%s)",
                    csv_strerror(csv_error(p)));
    }
    return UPL_OK;
}

static upl_status finish(reader *r, struct csv_parser *p)
{
    if (r->rc != UPL_OK)
        return r->rc;
    size_t start_line = current_line(r);
    if (csv_fini(p, cb_field, cb_row, r) != 0 && r->rc == UPL_OK)
        return fail(r, start_line, UPL_PARSE, "unterminated quoted field");
    if (r->rc != UPL_OK)
        return r->rc;
    if (r->record == 0)
        return fail(r, 0, UPL_PARSE, "empty file (expected a header row)");
    return UPL_OK;
}

static int start(reader *r, struct csv_parser *p, const char *name, upl_csv_row_fn fn, void *ctx,
                 upl_diag *diag)
{
    memset(r, 0, sizeof *r);
    r->name = name ? name : "csv";
    r->fn = fn;
    r->ctx = ctx;
    r->diag = diag;
    r->line = 1;
    if (csv_init(p, CSV_STRICT | CSV_STRICT_FINI | CSV_REPALL_NL | CSV_APPEND_NULL) != 0) {
        fail(r, 0, UPL_NOMEM, "out of memory");
        return -1;
    }
    return 0;
}

static size_t skip_bom(const char *data, size_t len)
{
    return len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
}

upl_status upl_csv_parse_buffer(const char *data, size_t len, const char *name, upl_csv_row_fn fn,
                                void *ctx, upl_diag *diag)
{
    reader r;
    struct csv_parser p;
    if (start(&r, &p, name, fn, ctx, diag) != 0)
        return r.rc;
    size_t skip = data ? skip_bom(data, len) : 0;
    upl_status rc = data && len > skip ? feed(&r, &p, data + skip, len - skip) : UPL_OK;
    if (rc == UPL_OK)
        rc = finish(&r, &p);
    csv_free(&p);
    reader_release(&r);
    return rc;
}

upl_status upl_csv_parse_file(const char *path, upl_csv_row_fn fn, void *ctx, upl_diag *diag)
{
    reader r;
    struct csv_parser p;
    FILE *f = NULL;
    char *chunk = NULL;
    upl_status rc = UPL_OK;
    if (start(&r, &p, path, fn, ctx, diag) != 0)
        return r.rc;
    if (!(f = fopen(path, "rb"))) {
        rc = upl_diag_set(diag, UPL_IO, "cannot open '%s': %s", path, strerror(errno));
        goto cleanup;
    }
    if (!(chunk = malloc(CHUNK_SIZE))) {
        rc = fail(&r, 0, UPL_NOMEM, "out of memory");
        goto cleanup;
    }
    int first = 1;
    for (;;) {
        size_t got = fread(chunk, 1, CHUNK_SIZE, f);
        if (got == 0)
            break;
        size_t skip = first ? skip_bom(chunk, got) : 0;
        first = 0;
        if ((rc = feed(&r, &p, chunk + skip, got - skip)) != UPL_OK)
            goto cleanup;
    }
    if (ferror(f)) {
        rc = upl_diag_set(diag, UPL_IO, "cannot read '%s': %s", path, strerror(errno));
        goto cleanup;
    }
    rc = finish(&r, &p);
cleanup:
    if (f)
        fclose(f);
    free(chunk);
    csv_free(&p);
    reader_release(&r);
    return rc;
}

/* A field needs quotes when the reader would otherwise change it: separators, quotes,
 * line breaks, and leading or trailing blanks (libcsv trims those off unquoted fields). */
static int needs_quotes(const char *s, size_t len)
{
    if (len == 0)
        return 0;
    if (s[0] == ' ' || s[0] == '\t' || s[len - 1] == ' ' || s[len - 1] == '\t')
        return 1;
    return strpbrk(s, ",\"\r\n") != NULL;
}

static int formula_start(char c)
{
    return c == '=' || c == '+' || c == '-' || c == '@' || c == '\t' || c == '\r';
}

/* Single quotes (any number) then a character that starts a formula. */
static int formula_like(const char *s)
{
    while (*s == '\'')
        s++;
    return formula_start(*s);
}

/* [+-]digits[.digits][(e|E)[+-]digits]: a number a spreadsheet reads as one, not a
 * formula. */
static int plain_number(const char *s)
{
    int digits = 0;
    if (*s == '+' || *s == '-')
        s++;
    for (; *s >= '0' && *s <= '9'; s++)
        digits++;
    if (*s == '.')
        for (s++; *s >= '0' && *s <= '9'; s++)
            digits++;
    if (!digits)
        return 0;
    if (*s == 'e' || *s == 'E') {
        s++;
        if (*s == '+' || *s == '-')
            s++;
        if (!(*s >= '0' && *s <= '9'))
            return 0;
        while (*s >= '0' && *s <= '9')
            s++;
    }
    return *s == '\0';
}

const char *upl_csv_restore_cell(const char *cell)
{
    return cell && cell[0] == '\'' && formula_like(cell + 1) ? cell + 1 : cell;
}

upl_status upl_csv_write_record(FILE *out, const char *const *fields, size_t n_fields)
{
    return upl_csv_write_row(out, fields, NULL, n_fields, 0);
}

upl_status upl_csv_write_row(FILE *out, const char *const *fields, const unsigned char *numeric,
                             size_t n_fields, unsigned flags)
{
    char *guarded = NULL;
    upl_status rc = UPL_IO;
    for (size_t i = 0; i < n_fields; i++) {
        const char *f = fields[i] ? fields[i] : "";
        size_t len = strlen(f);
        if (i > 0 && fputc(',', out) == EOF)
            goto cleanup;
        if ((flags & UPL_CSV_NEUTRALISE) && !(numeric && numeric[i]) && formula_like(f) &&
            !plain_number(f)) {
            free(guarded);
            if (!(guarded = malloc(len + 2))) {
                rc = UPL_NOMEM;
                goto cleanup;
            }
            guarded[0] = '\'';
            memcpy(guarded + 1, f, len + 1);
            f = guarded;
            len++;
        }
        /* a lone empty field is written "" so that it does not read back as a blank line */
        if (needs_quotes(f, len) || (n_fields == 1 && len == 0)) {
            if (csv_fwrite(out, f, len) != 0)
                goto cleanup;
        } else if (len > 0 && fwrite(f, 1, len, out) != len) {
            goto cleanup;
        }
    }
    rc = fputc('\n', out) == EOF ? UPL_IO : UPL_OK;
cleanup:
    free(guarded);
    return rc;
}

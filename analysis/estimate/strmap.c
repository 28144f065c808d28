/* Open addressing with linear probing and FNV-1a hashing. */
#include "strmap.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static uint64_t hash(const char *s)
{
    uint64_t h = 14695981039346656037ULL;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        h ^= *p;
        h *= 1099511628211ULL;
    }
    return h;
}

upl_status upl__strmap_init(upl__strmap *m, size_t expected)
{
    size_t cap = 16;
    while (cap < 2 * expected + 1)
        cap *= 2;
    m->cap = cap;
    m->n = 0;
    m->key = calloc(cap, sizeof *m->key);
    m->value = malloc(cap * sizeof *m->value);
    if (!m->key || !m->value) {
        upl__strmap_release(m);
        return UPL_NOMEM;
    }
    return UPL_OK;
}

void upl__strmap_release(upl__strmap *m)
{
    if (!m)
        return;
    free(m->key);
    free(m->value);
    memset(m, 0, sizeof *m);
}

static void put_raw(const char **key, size_t *value, size_t cap, const char *k, size_t v)
{
    size_t i = (size_t)(hash(k) & (cap - 1));
    while (key[i])
        i = (i + 1) & (cap - 1);
    key[i] = k;
    value[i] = v;
}

static upl_status grow(upl__strmap *m)
{
    size_t cap = m->cap * 2;
    const char **key = calloc(cap, sizeof *key);
    size_t *value = malloc(cap * sizeof *value);
    if (!key || !value) {
        free(key);
        free(value);
        return UPL_NOMEM;
    }
    for (size_t i = 0; i < m->cap; i++)
        if (m->key[i])
            put_raw(key, value, cap, m->key[i], m->value[i]);
    free(m->key);
    free(m->value);
    m->key = key;
    m->value = value;
    m->cap = cap;
    return UPL_OK;
}

upl_status upl__strmap_get_or_put(upl__strmap *m, const char *key, size_t value, size_t *out,
                                  int *found)
{
    size_t i = (size_t)(hash(key) & (m->cap - 1));
    while (m->key[i]) {
        if (strcmp(m->key[i], key) == 0) {
            if (found)
                *found = 1;
            if (out)
                *out = m->value[i];
            return UPL_OK;
        }
        i = (i + 1) & (m->cap - 1);
    }
    if (found)
        *found = 0;
    if (2 * (m->n + 1) > m->cap) {
        upl_status rc = grow(m);
        if (rc != UPL_OK)
            return rc;
        put_raw(m->key, m->value, m->cap, key, value);
    } else {
        m->key[i] = key;
        m->value[i] = value;
    }
    m->n++;
    if (out)
        *out = value;
    return UPL_OK;
}

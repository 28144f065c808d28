/* The release functions of the study's data types (uplift/study.h). */
#include <stdlib.h>
#include <string.h>

#include "uplift/study.h"

void upl_study_info_release(upl_study_info *info)
{
    if (!info)
        return;
    free(info->title);
    free(info->protocol_text);
    free(info->rng_name);
    free(info->revealed_secret);
    memset(info, 0, sizeof *info);
}

void upl_consort_release(upl_consort *c)
{
    if (!c)
        return;
    for (size_t a = 0; a < c->n_arms; a++)
        free(c->arms[a].arm);
    free(c->arms);
    for (size_t r = 0; r < c->n_reasons; r++)
        free(c->reasons[r].reason);
    free(c->reasons);
    memset(c, 0, sizeof *c);
}

void upl_alloc_balance_release(upl_alloc_balance *b)
{
    if (!b)
        return;
    for (size_t i = 0; i < b->n_arms; i++)
        free(b->arms[i]);
    for (size_t i = 0; i < b->n_strata; i++)
        free(b->strata[i]);
    free(b->arms);
    free(b->strata);
    free(b->counts);
    memset(b, 0, sizeof *b);
}

/* Vocabulary shared by protocols, the study engine and the estimators: which outcome,
 * covariate, standard error, interval and missing-data rule an analysis uses. */
#ifndef UPLIFT_MODEL_H
#define UPLIFT_MODEL_H

typedef enum {
    UPL_OUTCOME_TOTAL,   /* reported + post-review */
    UPL_OUTCOME_INITIAL, /* reported (time to first review-ready submission) */
    UPL_OUTCOME_MEASURED /* active time logged with start/pause/resume/stop */
} upl_outcome;

typedef enum {
    UPL_COVARIATE_LOG_FORECAST_NO_AI,
    UPL_COVARIATE_LOG_FORECAST_AI,
    UPL_COVARIATE_NONE
} upl_covariate;

/* Order matters: it is the order of the SE panel. */
typedef enum {
    UPL_SE_CLASSICAL,
    UPL_SE_HC0,
    UPL_SE_HC1,
    UPL_SE_HC2,
    UPL_SE_HC3,
    UPL_SE_CR0,
    UPL_SE_CR1, /* estimatr's "stata" */
    UPL_SE_CR2, /* Bell-McCaffrey with Satterthwaite df */
    UPL_SE_CR3, /* the cluster jackknife of clubSandwich, Satterthwaite df */
    UPL_SE_AUTO /* cr2 when there are clusters, else hc2 */
} upl_se_type;
#define UPL_SE_TYPE_COUNT 9

typedef enum { UPL_DIST_T, UPL_DIST_Z } upl_dist;

typedef enum { UPL_IMPUTE_ARM_MEAN, UPL_IMPUTE_COMPLETE_CASE } upl_impute;

/* Name <-> value for each enum, as written in protocols, options and JSON.
 * _from_name returns 0 and sets *out on success, -1 for an unknown name. */
const char *upl_outcome_name(upl_outcome v);
int upl_outcome_from_name(const char *name, upl_outcome *out);
const char *upl_covariate_name(upl_covariate v);
int upl_covariate_from_name(const char *name, upl_covariate *out);
const char *upl_se_type_name(upl_se_type v);
int upl_se_type_from_name(const char *name, upl_se_type *out);
/* 1 for the types that cluster by participant (cr0 to cr3), else 0. */
int upl_se_type_clustered(upl_se_type v);
const char *upl_dist_name(upl_dist v);
int upl_dist_from_name(const char *name, upl_dist *out);
const char *upl_impute_name(upl_impute v);
int upl_impute_from_name(const char *name, upl_impute *out);

#endif

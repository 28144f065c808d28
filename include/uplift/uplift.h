/* uplift: randomized controlled trials of developer productivity, as a C library.
 *
 * One header for everything; each layer's headers can also be included alone.  Link
 * with `pkg-config --cflags --libs uplift`.  The layers, bottom up (docs/architecture.md):
 *   base      status codes, the model's and the study's vocabulary, the column dataset
 *   estimate  OLS with every standard error, bootstrap, randomization inference,
 *             simulation and power (GSL)
 *   render    text, JSON, Markdown, HTML and SVG of results (jansson, PLplot)
 *   engine    the study store (SQLite), protocol files (libyaml), allocation and its
 *             secret (libsodium), timing, CSV import and export (libcsv)
 * Functions return an upl_status (UPL_OK = 0); results go out through pointers and are
 * valid only on UPL_OK; the detail of a failure is in the caller's upl_diag or on the
 * handle (upl_store_errmsg()). */
#ifndef UPLIFT_UPLIFT_H
#define UPLIFT_UPLIFT_H

/* base */
#include "uplift/model.h"
#include "uplift/progress.h"
#include "uplift/protocol.h"
#include "uplift/status.h"
#include "uplift/study.h"
#include "uplift/task.h"

/* estimate */
#include "uplift/analysis.h"
#include "uplift/bootstrap.h"
#include "uplift/ols.h"
#include "uplift/power.h"
#include "uplift/ri.h"
#include "uplift/secondary.h"
#include "uplift/simulate.h"

/* render */
#include "uplift/consort.h"
#include "uplift/render.h"
#include "uplift/report.h"

/* engine */
#include "uplift/allocation.h"
#include "uplift/csv.h"
#include "uplift/dataset_csv.h"
#include "uplift/duration.h"
#include "uplift/exchange.h"
#include "uplift/protocol_parse.h"
#include "uplift/randomize.h"
#include "uplift/redraw.h"
#include "uplift/secret.h"
#include "uplift/store.h"
#include "uplift/timing.h"

#endif

/* Reading a study protocol from YAML text or a file (libyaml), into the upl_protocol
 * of uplift/protocol.h.  The format, its keys and defaults are in docs/protocol.md. */
#ifndef UPLIFT_PROTOCOL_PARSE_H
#define UPLIFT_PROTOCOL_PARSE_H

#include <stddef.h>

#include "uplift/protocol.h"
#include "uplift/status.h"

/* Parses protocol text (len bytes, no NUL needed).  name labels messages
 * ("metr-2025.yaml:12: ..."; "protocol" when NULL); the hash is computed from text.
 * Defaults fill what the text leaves out: arms no_ai and ai at 1:1 (control no_ai),
 * scheme simple, outcome total, covariate log_forecast_no_ai, se_type auto, dist t,
 * alpha 0.05, impute arm-mean, report_tolerance 0.25.  On failure (UPL_PARSE, or
 * UPL_NOMEM) *out is left released and diag holds one line naming the line and key,
 * e.g. "p.yaml:7: key 'randomization.scheme': 'coin' is not one of simple, complete,
 * permuted-block"; diag->line is set.  Release a parsed protocol with
 * upl_protocol_release(). */
upl_status upl_protocol_parse(const char *text, size_t len, const char *name, upl_protocol *out,
                              upl_diag *diag);

/* Reads and parses a file (at most 1 MiB); messages are labelled with path.
 * *text_out (optional, may be NULL) receives the file's canonical text, NUL-terminated
 * and owned by the caller (free()); it is NULL on failure.  Parsing that text again
 * gives the same protocol and hash.  UPL_IO when the file cannot be read. */
upl_status upl_protocol_load(const char *path, upl_protocol *out, char **text_out, upl_diag *diag);

#endif

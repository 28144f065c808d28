/* uplift version [--verbose], also `uplift --version [--verbose]`: the version, and with
 * --verbose the versions of the libraries the binary runs with (what a bug report needs:
 * a distribution's package may link other versions than the ones it was built with). */
#include <csv.h>
#include <gsl/gsl_version.h>
#include <jansson.h>
#include <libpq-fe.h>
#include <plplot/plplot.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdio.h>
#include <yaml.h>

#include "cli.h"

static int run_version(upl_cli *cli, const upl_args *args);

static const struct option version_options[] = {{"verbose", no_argument, NULL, 'v'},
                                                {NULL, 0, NULL, 0}};

const upl_command upl__cmd_version = {
    .name = "version",
    .summary = "Print the version (with --verbose, of the linked libraries too).",
    .usage = "uplift version [--verbose]",
    .help = "Options:\n"
            "  --verbose   also the version of each library as linked at run time: SQLite,\n"
            "              libpq, GSL, PLplot, libyaml, jansson, libsodium (libcsv: the version\n"
            "              built against; it has no run-time version call)\n"
            "\n'uplift --version [--verbose]' prints the same.\n",
    .options = version_options,
    .min_args = 0,
    .max_args = 0,
    .flags = 0,
    .run = run_version,
};

static int run_version(upl_cli *cli, const upl_args *args)
{
    (void)cli;
    int verbose = upl__args_has(args, 'v');
    printf("uplift %s\n", UPL_VERSION);
    if (!verbose)
        return UPL_EXIT_OK;
    char plplot[80] = ""; /* plgver writes at most 80 bytes */
    plgver(plplot);
    printf("  %-10s %s\n", "SQLite", sqlite3_libversion());
    printf("  %-10s %s\n", "GSL", gsl_version);
    printf("  %-10s %s\n", "PLplot", plplot);
    printf("  %-10s %s\n", "libyaml", yaml_get_version_string());
    printf("  %-10s %s\n", "jansson", jansson_version_str());
    printf("  %-10s %s\n", "libsodium", sodium_version_string());
    printf("  %-10s %d.%d.%d (built with)\n", "libcsv", CSV_MAJOR, CSV_MINOR, CSV_RELEASE);
    int pq = PQlibVersion(); /* major * 10000 + minor since PostgreSQL 10 */
    printf("  %-10s %d.%d\n", "libpq", pq / 10000, pq % 10000);
    return UPL_EXIT_OK;
}

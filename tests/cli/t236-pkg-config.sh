#!/bin/sh
# The library as others use it: `cmake --install` into a prefix installs the public
# headers (no internal one), the layers' libraries and uplift.pc; a program outside the
# tree includes <uplift/uplift.h>, builds with `pkg-config --cflags --libs uplift` and
# runs an OLS fit with a cluster-robust standard error.
. "$UPLIFT_SRC/tests/cli/lib.sh"
command -v cmake >/dev/null && command -v pkg-config >/dev/null && command -v cc >/dev/null ||
    fail "this test needs cmake, pkg-config and cc"

cmake --install "$(dirname "$UPLIFT")" --prefix "$PWD/prefix" >install.log 2>&1 ||
    { cat install.log >&2; fail "cmake --install failed"; }
pc=$(find prefix -name uplift.pc)
[ -n "$pc" ] || fail "uplift.pc is not installed"
[ -f prefix/include/uplift/uplift.h ] || fail "the umbrella header is not installed"
for internal in printable.h text.h store_internal.h fit.h; do
    [ -z "$(find prefix -name "$internal")" ] || fail "internal header $internal is installed"
done
PKG_CONFIG_PATH=$PWD/$(dirname "$pc")
export PKG_CONFIG_PATH
run 0 pkg-config --modversion uplift
contains out "$("$UPLIFT" --version | sed 's/^uplift //')"

cat >fit.c <<'C'
#include <math.h>
#include <stdio.h>
#include <uplift/uplift.h>

/* y = 1 + 2x + e over 4 clusters of 3; the CR1 standard error of the slope is printed */
int main(void)
{
    static const double e[] = {0.3, -0.1, -0.2, 0.4, 0.0, -0.4, -0.3, 0.2, 0.1, 0.2, -0.2, 0.0};
    size_t cluster[12];
    gsl_matrix *X = gsl_matrix_alloc(12, 2), *V = gsl_matrix_alloc(2, 2);
    gsl_vector *y = gsl_vector_alloc(12), *df = gsl_vector_alloc(2);
    upl_ols *ols = upl_ols_alloc(12, 2);
    upl_diag diag = {0};
    int defined = 0;
    for (size_t i = 0; i < 12; i++) {
        cluster[i] = i / 3;
        gsl_matrix_set(X, i, 0, 1.0);
        gsl_matrix_set(X, i, 1, (double)i);
        gsl_vector_set(y, i, 1.0 + 2.0 * (double)i + e[i]);
    }
    if (upl_ols_fit(ols, X, y, cluster, 4, NULL, &diag) != UPL_OK ||
        upl_ols_vcov(ols, UPL_SE_CR1, V, df, &defined, NULL, &diag) != UPL_OK || !defined) {
        fprintf(stderr, "%s\n", diag.msg);
        return 1;
    }
    printf("slope %.10f se %.10f (%s)\n", gsl_vector_get(upl_ols_coef(ols), 1),
           sqrt(gsl_matrix_get(V, 1, 1)), upl_strerror(UPL_OK));
    upl_ols_free(ols);
    gsl_matrix_free(X);
    gsl_matrix_free(V);
    gsl_vector_free(y);
    gsl_vector_free(df);
    return 0;
}
C
# a sanitized build (make asan) installs instrumented libraries: the program links the
# sanitizers' runtime as the build's own programs do
sanitize=""
grep -q '^UPLIFT_SANITIZE:BOOL=ON$' "$(dirname "$UPLIFT")/CMakeCache.txt" 2>/dev/null &&
    sanitize="-fsanitize=address,undefined"
# shellcheck disable=SC2046,SC2086
run 0 cc -std=c11 -Wall -Werror $sanitize -o fit fit.c $(pkg-config --cflags --libs uplift)
run 0 ./fit
python3 - out <<'PY' || fail "the installed library's fit"
import math, sys
# the same fit by hand: OLS slope and estimatr's CR1 ("stata") standard error
e = [0.3, -0.1, -0.2, 0.4, 0.0, -0.4, -0.3, 0.2, 0.1, 0.2, -0.2, 0.0]
x = list(range(12)); y = [1 + 2 * i + e[i] for i in x]
n, k, G = 12, 2, 4
mx, my = sum(x) / n, sum(y) / n
sxx = sum((a - mx) ** 2 for a in x)
b = sum((a - mx) * (c - my) for a, c in zip(x, y)) / sxx
a0 = my - b * mx
r = [c - a0 - b * a for a, c in zip(x, y)]
# (X'X)^-1 X' u for each cluster: the slope's row is ((x - mx) / sxx) . u
s = [sum((x[i] - mx) / sxx * r[i] for i in range(3 * g, 3 * g + 3)) for g in range(G)]
v = sum(t * t for t in s) * G / (G - 1) * (n - 1) / (n - k)
words = open(sys.argv[1]).read().split()
assert abs(float(words[1]) - b) < 1e-9 and abs(float(words[3]) - math.sqrt(v)) < 1e-9, (words, b, math.sqrt(v))
PY
done_testing

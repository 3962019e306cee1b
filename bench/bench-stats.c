/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Order statistics of the benchmarks' timings. */
#include "bench-stats.h"

#include <stdlib.h>

static int
compare_doubles (const void *a,
                 const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

void
bench_sort (double *values,
            gsize   n)
{
  qsort (values, n, sizeof *values, compare_doubles);
}

double
bench_median (double *values,
              gsize   n)
{
  bench_sort (values, n);

  return values[n / 2];
}

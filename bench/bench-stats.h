/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Order statistics of the benchmarks' timings. */
#pragma once

#include <glib.h>

/* Sorts @values (@n of them) in place, smallest first. */
void   bench_sort   (double *values,
                     gsize   n);

/* The median of @values (@n > 0 of them), which it sorts: the upper one
 * of the middle two for an even count. */
double bench_median (double *values,
                     gsize   n);

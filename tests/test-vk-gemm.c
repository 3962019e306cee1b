/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The batched matrix product (ns-op-gemm.h) against a plain C reference:
 * A with its rows, its sums or neither contiguous, the flip, bias and
 * ReLU, accumulation, the symmetric product, short last batches, offsets,
 * and padding that holds random values (a product that reads padding into
 * a result shows). */
#include <string.h>

#include "ns-op-gemm.h"
#include "ns-test-kernels.h"

static NsVkContext *ctx;
static NsKernels    kernels;

typedef enum
{
  A_STRIDED,   /* a_k = 2, a_m = 2 K + 1 */
  A_ROWS,      /* a_m = 1, a_k = M rounded up to 4 */
  A_RUNS,      /* a_k = 1, a_m = K rounded up to 4, plus 4 */
} ALayout;

/* Options of a case, bit flags. */
enum
{
  FLIP       = 1 << 0,
  BIAS       = 1 << 1,
  RELU       = 1 << 2,
  ACCUMULATE = 1 << 3,
  SYMMETRIC  = 1 << 4,
};

typedef struct
{
  guint   batches, m, t, t_last, k, k_last;
  ALayout layout;
  guint   options;
} Case;

static const Case cases[] = {
  { 1, 5, 9, 9, 7, 7, A_STRIDED, 0 },
  { 3, 33, 40, 17, 13, 6, A_STRIDED, ACCUMULATE },
  { 2, 70, 37, 37, 8, 8, A_ROWS, 0 },
  { 3, 40, 21, 5, 9, 3, A_ROWS, BIAS | RELU },
  { 2, 13, 19, 19, 12, 12, A_ROWS, BIAS | ACCUMULATE },
  { 2, 37, 23, 11, 10, 7, A_RUNS, 0 },
  { 1, 64, 33, 33, 5, 5, A_RUNS, BIAS | ACCUMULATE },
  { 2, 9, 50, 50, 21, 21, A_RUNS, RELU },
  { 36, 12, 10, 3, 8, 8, A_ROWS, FLIP },
  { 36, 9, 6, 6, 6, 2, A_RUNS, FLIP | ACCUMULATE },
  { 36, 5, 7, 7, 3, 3, A_STRIDED, FLIP },
  { 1, 67, 67, 67, 24, 24, A_RUNS, SYMMETRIC },
  { 3, 40, 40, 40, 11, 5, A_STRIDED, SYMMETRIC },
};

/* Winograd position z with the kernel flip (shaders/gemm.glsl). */
static guint
flipped (guint z)
{
  static const guint flip[6] = { 1, 0, 2, 3, 5, 4 };

  return flip[z / 6] * 6 + flip[z % 6];
}

/* C as the header states it, over the whole of @c (entries the product
 * does not cover keep their value). */
static void
reference (const NsGemm *g,
           const float  *a,
           const float  *bias,
           const float  *b,
           float        *c)
{
  for (guint z = 0; z < g->batches; z++)
    {
      gboolean last = z + 1 == g->batches;
      guint    k_n = last ? g->k_last : g->k;
      guint    t_n = last ? g->t_last : g->t;
      guint    az = g->flip ? flipped (z) : z;

      for (guint m = 0; m < g->m; m++)
        for (guint t = 0; t < t_n; t++)
          {
            double sum = 0.0;
            gsize  o = g->c_offset + (gsize) z * g->c_batch +
                       (gsize) m * g->c_m + (gsize) t * g->c_t;
            float  value;

            for (guint k = 0; k < k_n; k++)
              {
                gsize  at = (gsize) az * g->a_batch + (gsize) m * g->a_m +
                            (gsize) k * g->a_k;
                gsize  bt = g->b_offset + (gsize) z * g->b_batch +
                            (gsize) k * g->b_k + (gsize) t * g->b_t;

                sum += (double) a[at] * b[bt];
              }
            value = g->scale * sum + (bias != NULL ? bias[m] : 0.0f);
            if (g->relu)
              value = MAX (value, 0.0f);
            c[o] = g->accumulate ? c[o] + value : value;
          }
    }
}

/* The product's strides for @test: A by its layout, B [z][k][t] with a
 * row stride above T, C [z][t][m] (column-major, so that c_t is not 1)
 * except for the symmetric case, which needs B = A^T. */
static NsGemm
gemm_for (const Case *test)
{
  guint  t_most = MAX (test->t, test->t_last);
  NsGemm g = {
    .batches = test->batches, .m = test->m, .t = test->t,
    .t_last = test->t_last, .k = test->k, .k_last = test->k_last,
    .scale = 0.75f,
    .flip = (test->options & FLIP) != 0,
    .relu = (test->options & RELU) != 0,
    .accumulate = (test->options & ACCUMULATE) != 0,
    .symmetric = (test->options & SYMMETRIC) != 0,
    .b_offset = 3, .c_offset = 5,
  };

  switch (test->layout)
    {
    case A_STRIDED:
      g.a_k = 2;
      g.a_m = 2 * test->k + 1;
      break;
    case A_ROWS:
      g.a_m = 1;
      g.a_k = (test->m + 3) / 4 * 4;
      break;
    case A_RUNS:
      g.a_k = 1;
      g.a_m = (test->k + 3) / 4 * 4 + 4;
      break;
    }
  g.a_batch = (test->layout == A_ROWS ? g.a_k * test->k : g.a_m * test->m);
  g.a_batch = (g.a_batch + 3) / 4 * 4;

  g.b_k = t_most + 2;
  g.b_t = 1;
  g.b_batch = g.b_k * test->k + 1;
  g.c_m = 1;
  g.c_t = test->m + 1;
  g.c_batch = g.c_t * t_most;
  if (g.symmetric)
    {
      /* B[z][k][t] = A[z][t][k]: the same floats, transposed strides; C is
       * row-major. */
      g.b_offset = 0;
      g.b_batch = g.a_batch;
      g.b_k = g.a_k;
      g.b_t = g.a_m;
      g.c_m = test->m;
      g.c_t = 1;
      g.c_batch = test->m * test->m;
    }

  return g;
}

static void
check_case (GRand      *rand,
            const Case *test)
{
  NsGemm       g = gemm_for (test);
  gboolean     bias_too = (test->options & BIAS) != 0;
  guint        a_batches = g.flip ? 36 : test->batches;
  gsize        n_a = (gsize) g.a_batch * a_batches + 4;
  gsize        n_b = g.b_offset + (gsize) g.b_batch * test->batches +
                     (gsize) g.b_k * test->k + 4;
  gsize        n_c = g.c_offset + (gsize) g.c_batch * test->batches + 4;
  float       *a = g_new (float, n_a);
  float       *bias = g_new (float, test->m);
  float       *b = g_new (float, n_b);
  float       *c = g_new (float, n_c), *want = g_new (float, n_c);
  float       *got = g_new (float, n_c);
  NsVkBuffer   b_a, b_bias, b_b, b_c;
  NsVkCommands commands;
  GError      *error = NULL;
  char        *what;

  /* Random everywhere, padding included. */
  ns_test_fill_random (rand, a, n_a, -1.0f, 1.0f);
  ns_test_fill_random (rand, bias, test->m, -1.0f, 1.0f);
  ns_test_fill_random (rand, b, n_b, -1.0f, 1.0f);
  ns_test_fill_random (rand, c, n_c, -1.0f, 1.0f);
  memcpy (want, c, n_c * sizeof (float));
  reference (&g, a, bias_too ? bias : NULL, g.symmetric ? a : b, want);

  ns_test_buffer_init (ctx, &b_a, a, n_a);
  ns_test_buffer_init (ctx, &b_bias, bias, test->m);
  ns_test_buffer_init (ctx, &b_b, b, n_b);
  ns_test_buffer_init (ctx, &b_c, c, n_c);
  ns_test_commands_begin (ctx, &commands, 1);
  g_assert_true (ns_op_gemm_record (&kernels, &commands, &g, &b_a,
                                    bias_too ? &b_bias : NULL,
                                    g.symmetric ? &b_a : &b_b, &b_c,
                                    &error));
  g_assert_no_error (error);
  ns_test_commands_run (ctx, &commands);
  ns_test_buffer_read (ctx, &b_c, got, n_c);

  what = g_strdup_printf ("gemm %u batches of %ux%u (last %u) by %u (last "
                          "%u), layout %d, options 0x%x", test->batches,
                          test->m, test->t, test->t_last, test->k,
                          test->k_last, test->layout, test->options);
  if (!(ns_test_normalised_error (got, want, n_c) <= 1e-6))
    g_error ("%s: normalised error %g", what,
             ns_test_normalised_error (got, want, n_c));
  g_free (what);

  ns_vk_buffer_free (ctx, &b_a);
  ns_vk_buffer_free (ctx, &b_bias);
  ns_vk_buffer_free (ctx, &b_b);
  ns_vk_buffer_free (ctx, &b_c);
  g_free (a);
  g_free (bias);
  g_free (b);
  g_free (c);
  g_free (want);
  g_free (got);
}

static void
test_layouts (void)
{
  GRand *rand = g_rand_new_with_seed (7);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    check_case (rand, &cases[i]);
  g_rand_free (rand);
}

int
main (int    argc,
      char **argv)
{
  static const NsTestCase suite[] = {
    { "/vk/gemm/layouts", test_layouts },
  };

  return ns_test_kernels_main (&argc, &argv, suite, G_N_ELEMENTS (suite),
                               &ctx, &kernels);
}

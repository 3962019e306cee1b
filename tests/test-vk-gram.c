/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Gram matrix and its backward kernel against plain C references on odd
 * shapes (split into slices or not, accumulating or not), and the style
 * loss gradient against finite differences. */
#include <math.h>

#include "ns-op-gram.h"
#include "ns-test-kernels.h"

static NsVkContext *ctx;
static NsKernels    kernels;

static const guint shapes[][3] = {           /* C, H, W */
  { 1, 1, 1 }, { 3, 1, 7 }, { 5, 13, 5 }, { 1, 17, 31 }, { 3, 64, 65 },
  { 67, 13, 5 }, { 67, 17, 31 }, { 64, 64, 65 }, { 3, 100, 200 },
  /* Slices of the sum over p whose last one is short; rows and columns
   * past the product's 32 x 16 blocks; more values of p than one batch
   * of the backward product takes (524288), the last batch short. */
  { 9, 101, 103 }, { 40, 33, 35 }, { 2, 750, 800 },
};

static void
ref_gram (guint         c,
          gsize         n,
          const double *f,
          double       *g)
{
  for (guint i = 0; i < c; i++)
    for (guint j = 0; j < c; j++)
      {
        double sum = 0.0;

        for (gsize p = 0; p < n; p++)
          sum += f[i * n + p] * f[j * n + p];
        g[i * c + j] = sum / ((double) c * n);
      }
}

static double *
to_double (const float *data,
           gsize        n)
{
  double *out = g_new (double, n);

  for (gsize i = 0; i < n; i++)
    out[i] = data[i];
  return out;
}

static void
run_gram (guint        c,
          guint        n,
          const float *f,
          float       *g)
{
  NsVkBuffer   b_f, b_g;
  NsVkCommands commands;
  GError      *error = NULL;

  ns_test_buffer_init (ctx, &b_f, f, (gsize) c * n);
  ns_test_buffer_init (ctx, &b_g, NULL, ns_op_gram_buffer_floats (c, n));
  ns_test_commands_begin (ctx, &commands, 2);
  g_assert_true (ns_op_gram_record (&kernels, &commands, c, n, &b_f, &b_g,
                                    &error));
  g_assert_no_error (error);
  ns_test_commands_run (ctx, &commands);
  ns_test_buffer_read (ctx, &b_g, g, (gsize) c * c);
  ns_vk_buffer_free (ctx, &b_f);
  ns_vk_buffer_free (ctx, &b_g);
}

static void
run_gram_backward (guint        c,
                   guint        n,
                   float        scale,
                   const float *g,
                   const float *a,
                   const float *f,
                   const float *grad0,
                   gboolean     accumulate,
                   float       *got)
{
  NsVkBuffer   b[5];
  NsVkCommands commands;
  GError      *error = NULL;

  ns_test_buffer_init (ctx, &b[0], g, (gsize) c * c);
  ns_test_buffer_init (ctx, &b[1], a, (gsize) c * c);
  ns_test_buffer_init (ctx, &b[2], f, (gsize) c * n);
  ns_test_buffer_init (ctx, &b[3], grad0, (gsize) c * n);
  /* The difference's scratch starts with stale values (the target's). */
  ns_test_buffer_init (ctx, &b[4], a, (gsize) c * c);
  ns_test_commands_begin (ctx, &commands, 2);
  g_assert_true (ns_op_gram_backward_record (&kernels, &commands, c, n,
                                             scale, &b[0], &b[1], &b[4],
                                             &b[2], &b[3], accumulate,
                                             &error));
  g_assert_no_error (error);
  ns_test_commands_run (ctx, &commands);
  ns_test_buffer_read (ctx, &b[3], got, (gsize) c * n);
  for (int i = 0; i < 5; i++)
    ns_vk_buffer_free (ctx, &b[i]);
}

static void
expect_close (const float  *got,
              const double *want,
              gsize         n,
              double        tolerance,
              const char   *what,
              const guint  *shape,
              int           accumulate)
{
  float *want_f = g_new (float, n);
  double err;

  for (gsize i = 0; i < n; i++)
    want_f[i] = (float) want[i];
  err = ns_test_normalised_error (got, want_f, n);
  if (!(err <= tolerance))
    g_error ("%s C=%u H=%u W=%u accumulate=%d: normalised error %g > %g",
             what, shape[0], shape[1], shape[2], accumulate, err, tolerance);
  g_free (want_f);
}

static void
test_gram (void)
{
  GRand *rand = g_rand_new_with_seed (21);

  for (gsize k = 0; k < G_N_ELEMENTS (shapes); k++)
    {
      guint   c = shapes[k][0], n = shapes[k][1] * shapes[k][2];
      float  *f = g_new (float, (gsize) c * n), *got = g_new (float, c * c);
      double *f_d, *want = g_new (double, c * c);

      /* Non-negative like ReLU outputs, with some negatives mixed in. */
      ns_test_fill_random (rand, f, (gsize) c * n, -0.25f, 1.0f);
      f_d = to_double (f, (gsize) c * n);
      ref_gram (c, n, f_d, want);
      run_gram (c, n, f, got);
      expect_close (got, want, c * c, 1e-5, "gram", shapes[k], 0);
      g_free (f);
      g_free (got);
      g_free (f_d);
      g_free (want);
    }
  g_rand_free (rand);
}

static void
test_gram_backward (void)
{
  GRand *rand = g_rand_new_with_seed (22);
  const float scale = 0.37f;

  for (gsize k = 0; k < G_N_ELEMENTS (shapes); k++)
    for (int accumulate = 0; accumulate < 2; accumulate++)
      {
        guint   c = shapes[k][0], n = shapes[k][1] * shapes[k][2];
        gsize   size = (gsize) c * n;
        float  *g = g_new (float, c * c), *a = g_new (float, c * c);
        float  *f = g_new (float, size), *grad0 = g_new (float, size);
        float  *got = g_new (float, size);
        double *want = g_new (double, size);

        ns_test_fill_random (rand, g, c * c, -1.0f, 1.0f);
        ns_test_fill_random (rand, a, c * c, -1.0f, 1.0f);
        ns_test_fill_random (rand, f, size, -1.0f, 1.0f);
        ns_test_fill_random (rand, grad0, size, -1.0f, 1.0f);
        for (guint i = 0; i < c; i++)
          for (gsize p = 0; p < n; p++)
            {
              double sum = 0.0;

              for (guint j = 0; j < c; j++)
                sum += ((double) g[i * c + j] - a[i * c + j]) * f[j * n + p];
              want[i * n + p] = scale * sum +
                                (accumulate ? grad0[i * n + p] : 0.0);
            }
        run_gram_backward (c, n, scale, g, a, f, grad0, accumulate, got);
        expect_close (got, want, size, 1e-5, "gram_backward", shapes[k],
                      accumulate);
        g_free (g);
        g_free (a);
        g_free (f);
        g_free (grad0);
        g_free (got);
        g_free (want);
      }
  g_rand_free (rand);
}

/* E (F) = w * sum (G (F) - A)^2 with G from the gram kernel and A
 * symmetric (else dE/dF is not 4 w / (C N) (G - A) F); its gradient
 * from gram_backward with scale 4 w / (C N) against central differences
 * of E computed in double, at every feature value. */
static void
test_gram_finite_differences (void)
{
  const guint  c = 3, n = 6;
  const double w = 0.8, step = 1e-4;
  float        f[18], a[9], g[9], got[18];
  double       x[18], gx[9];
  GRand       *rand = g_rand_new_with_seed (23);

  ns_test_fill_random (rand, f, c * n, -1.0f, 1.0f);
  ns_test_fill_random (rand, a, c * c, -0.2f, 0.2f);
  for (guint i = 0; i < c; i++)       /* a target Gram matrix is symmetric */
    for (guint j = 0; j < i; j++)
      a[i * c + j] = a[j * c + i];
  run_gram (c, n, f, g);
  run_gram_backward (c, n, (float) (4.0 * w / (c * n)), g, a, f, NULL,
                     FALSE, got);
  for (guint i = 0; i < c * n; i++)
    x[i] = f[i];

  for (guint i = 0; i < c * n; i++)
    {
      double e[2] = { 0.0, 0.0 }, fd;

      for (int side = 0; side < 2; side++)
        {
          x[i] = f[i] + (side ? -step : step);
          ref_gram (c, n, x, gx);
          for (guint k = 0; k < c * c; k++)
            e[side] += w * (gx[k] - a[k]) * (gx[k] - a[k]);
        }
      x[i] = f[i];
      fd = (e[0] - e[1]) / (2.0 * step);
      if (fabs (fd - got[i]) > 1e-4 * MAX (1.0, fabs (fd)))
        g_error ("gram_backward finite differences C=%u N=%u w=%g, value "
                 "%u: kernel %g, difference quotient %g", c, n, w, i,
                 got[i], fd);
    }
  g_rand_free (rand);
}

int
main (int    argc,
      char **argv)
{
  static const NsTestCase suite[] = {
    { "/vk/gram/forward", test_gram },
    { "/vk/gram/backward", test_gram_backward },
    { "/vk/gram/finite-differences", test_gram_finite_differences },
  };

  return ns_test_kernels_main (&argc, &argv, suite, G_N_ELEMENTS (suite),
                               &ctx, &kernels);
}

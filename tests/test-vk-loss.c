/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Content gradient, squared-difference sum and total variation against
 * plain C references on odd sizes; the sums also for determinism, and the
 * total-variation gradient against finite differences. */
#include <math.h>
#include <string.h>

#include "ns-op-loss.h"
#include "ns-test-kernels.h"

static NsVkContext *ctx;
static NsKernels    kernels;

static const guint sizes[][2] = {            /* H, W */
  { 1, 1 }, { 1, 7 }, { 13, 5 }, { 17, 31 }, { 64, 65 }, { 7, 1 },
};

static void
expect_close (const float *got,
              const float *want,
              gsize        n,
              double       tolerance,
              const char  *what)
{
  double err = ns_test_normalised_error (got, want, n);

  if (!(err <= tolerance))
    g_error ("%s: normalised error %g > %g", what, err, tolerance);
}

static void
test_content_backward (void)
{
  static const gsize counts[] = { 1, 7, 65, 67 * 13 * 5, 64 * 64 * 65 };
  const float scale = -1.7f;
  GRand *rand = g_rand_new_with_seed (31);

  for (gsize k = 0; k < G_N_ELEMENTS (counts); k++)
    for (int accumulate = 0; accumulate < 2; accumulate++)
      {
        gsize        n = counts[k];
        float       *f = g_new (float, n), *p = g_new (float, n);
        float       *grad0 = g_new (float, n), *want = g_new (float, n);
        float       *got = g_new (float, n);
        NsVkBuffer   b[3];
        NsVkCommands commands;
        GError      *error = NULL;
        char        *what;

        ns_test_fill_random (rand, f, n, -1.0f, 1.0f);
        ns_test_fill_random (rand, p, n, -1.0f, 1.0f);
        ns_test_fill_random (rand, grad0, n, -1.0f, 1.0f);
        for (gsize i = 0; i < n; i++)
          want[i] = (float) (scale * ((double) f[i] - p[i]) +
                             (accumulate ? grad0[i] : 0.0));
        ns_test_buffer_init (ctx, &b[0], f, n);
        ns_test_buffer_init (ctx, &b[1], p, n);
        ns_test_buffer_init (ctx, &b[2], grad0, n);
        ns_test_commands_begin (ctx, &commands, 1);
        g_assert_true (ns_op_content_backward_record (&kernels, &commands,
                                                      (guint) n, scale,
                                                      &b[0], &b[1], &b[2],
                                                      accumulate, &error));
        g_assert_no_error (error);
        ns_test_commands_run (ctx, &commands);
        ns_test_buffer_read (ctx, &b[2], got, n);

        what = g_strdup_printf ("content_backward n=%zu scale=%g "
                                "accumulate=%d", n, scale, accumulate);
        expect_close (got, want, n, 1e-6, what);
        g_free (what);
        for (int i = 0; i < 3; i++)
          ns_vk_buffer_free (ctx, &b[i]);
        g_free (f);
        g_free (p);
        g_free (grad0);
        g_free (want);
        g_free (got);
      }
  g_rand_free (rand);
}

/* Runs sq_diff_sum (@b non-NULL) or tv_loss (@a an image of @h x @w) into
 * slot 2 of a 4-slot loss buffer; the other slots must stay untouched. */
static float
run_sum (const float *a,
         const float *b,
         gsize        n,
         guint        h,
         guint        w,
         float        scale)
{
  const float  prior[4] = { 11.0f, 12.0f, 13.0f, 14.0f };
  float        loss[4];
  NsVkBuffer   b_a, b_b, b_loss;
  NsVkCommands commands;
  GError      *error = NULL;

  ns_test_buffer_init (ctx, &b_a, a, n);
  ns_test_buffer_init (ctx, &b_b, b, b != NULL ? n : 1);
  ns_test_buffer_init (ctx, &b_loss, prior, 4);
  ns_test_commands_begin (ctx, &commands, 1);
  if (b != NULL)
    g_assert_true (ns_op_sq_diff_sum_record (&kernels, &commands, (guint) n,
                                             scale, &b_a, &b_b, &b_loss, 2,
                                             &error));
  else
    g_assert_true (ns_op_tv_loss_record (&kernels, &commands, h, w, scale,
                                         &b_a, &b_loss, 2, &error));
  g_assert_no_error (error);
  ns_test_commands_run (ctx, &commands);
  ns_test_buffer_read (ctx, &b_loss, loss, 4);
  g_assert_cmpfloat (loss[0], ==, prior[0]);
  g_assert_cmpfloat (loss[1], ==, prior[1]);
  g_assert_cmpfloat (loss[3], ==, prior[3]);

  ns_vk_buffer_free (ctx, &b_a);
  ns_vk_buffer_free (ctx, &b_b);
  ns_vk_buffer_free (ctx, &b_loss);
  return loss[2];
}

static void
check_scalar (float       got,
              double      want,
              double      tolerance,
              const char *what)
{
  double err = fabs (got - want) / MAX (fabs (want), 1e-30);

  if (!(err <= tolerance))
    g_error ("%s: %.9g, want %.9g (relative error %g > %g)", what, got, want,
             err, tolerance);
}

/* Sizes up to 4M values; the largest run twice must agree to the bit. */
static void
test_sq_diff_sum (void)
{
  static const gsize counts[] = { 1, 7, 129, 4160, 100003, 1 << 22 };
  const float scale = 0.25f;
  GRand *rand = g_rand_new_with_seed (32);

  for (gsize k = 0; k < G_N_ELEMENTS (counts); k++)
    {
      gsize  n = counts[k];
      float *a = g_new (float, n), *b = g_new (float, n);
      float  got, again;
      double want = 0.0;
      char  *what;

      ns_test_fill_random (rand, a, n, -1.0f, 1.0f);
      ns_test_fill_random (rand, b, n, -1.0f, 1.0f);
      for (gsize i = 0; i < n; i++)
        want += ((double) a[i] - b[i]) * ((double) a[i] - b[i]);
      want *= scale;

      got = run_sum (a, b, n, 0, 0, scale);
      what = g_strdup_printf ("sq_diff_sum n=%zu scale=%g", n, scale);
      check_scalar (got, want, 1e-5, what);
      if (n == counts[G_N_ELEMENTS (counts) - 1])
        {
          again = run_sum (a, b, n, 0, 0, scale);
          if (memcmp (&got, &again, sizeof got) != 0)
            g_error ("%s: two runs gave %.9g and %.9g", what, got, again);
        }
      g_free (what);
      g_free (a);
      g_free (b);
    }
  g_rand_free (rand);
}

static double
ref_tv (const double *x,
        guint         h,
        guint         w)
{
  double sum = 0.0;

  for (guint c = 0; c < 3; c++)
    for (guint y = 0; y < h; y++)
      for (guint i = 0; i < w; i++)
        {
          const double *p = x + ((gsize) c * h + y) * w + i;

          if (i + 1 < w)
            sum += (p[1] - p[0]) * (p[1] - p[0]);
          if (y + 1 < h)
            sum += (p[w] - p[0]) * (p[w] - p[0]);
        }

  return sum;
}

static void
run_tv_backward (guint        h,
                 guint        w,
                 float        scale,
                 const float *image,
                 const float *grad0,
                 float       *got)
{
  gsize        n = 3 * (gsize) h * w;
  NsVkBuffer   b_image, b_grad;
  NsVkCommands commands;
  GError      *error = NULL;

  ns_test_buffer_init (ctx, &b_image, image, n);
  ns_test_buffer_init (ctx, &b_grad, grad0, n);
  ns_test_commands_begin (ctx, &commands, 1);
  g_assert_true (ns_op_tv_backward_record (&kernels, &commands, h, w, scale,
                                           &b_image, &b_grad, &error));
  g_assert_no_error (error);
  ns_test_commands_run (ctx, &commands);
  ns_test_buffer_read (ctx, &b_grad, got, n);
  ns_vk_buffer_free (ctx, &b_image);
  ns_vk_buffer_free (ctx, &b_grad);
}

/* tv_loss against the reference; tv_backward (which adds) against the
 * reference gradient written out term by term. */
static void
test_tv (void)
{
  const float scale = 0.5f;
  GRand *rand = g_rand_new_with_seed (33);

  for (gsize k = 0; k < G_N_ELEMENTS (sizes); k++)
    {
      guint   h = sizes[k][0], w = sizes[k][1];
      gsize   n = 3 * (gsize) h * w;
      float  *x = g_new (float, n), *grad0 = g_new (float, n);
      float  *got = g_new (float, n), *want = g_new (float, n);
      double *x_d = g_new (double, n);
      char   *what;

      ns_test_fill_random (rand, x, n, 0.0f, 1.0f);
      ns_test_fill_random (rand, grad0, n, -1.0f, 1.0f);
      for (gsize i = 0; i < n; i++)
        x_d[i] = x[i];
      what = g_strdup_printf ("tv_loss %ux%u scale=%g", w, h, scale);
      if (h * w > 1)
        check_scalar (run_sum (x, NULL, n, h, w, scale),
                      scale * ref_tv (x_d, h, w), 1e-5, what);
      else
        g_assert_cmpfloat (run_sum (x, NULL, n, h, w, scale), ==, 0.0f);
      g_free (what);

      for (gsize i = 0; i < n; i++)
        {
          guint  col = i % w, row = (i / w) % h;
          double d = 0.0;

          if (col > 0)
            d += x_d[i] - x_d[i - 1];
          if (col + 1 < w)
            d -= x_d[i + 1] - x_d[i];
          if (row > 0)
            d += x_d[i] - x_d[i - w];
          if (row + 1 < h)
            d -= x_d[i + w] - x_d[i];
          want[i] = (float) (grad0[i] + 2.0 * scale * d);
        }
      run_tv_backward (h, w, scale, x, grad0, got);
      what = g_strdup_printf ("tv_backward %ux%u scale=%g", w, h, scale);
      expect_close (got, want, n, 1e-6, what);
      g_free (what);
      g_free (x);
      g_free (grad0);
      g_free (got);
      g_free (want);
      g_free (x_d);
    }
  g_rand_free (rand);
}

/* scale * TV in double, by central differences, against tv_backward
 * starting from a zero gradient, at every value of a 4x3 image. */
static void
test_tv_finite_differences (void)
{
  const guint  h = 3, w = 4;
  const gsize  n = 3 * h * w;
  const double step = 1e-4;
  const float  scale = 0.7f;
  float        x[36], got[36];
  double       x_d[36];
  GRand       *rand = g_rand_new_with_seed (34);

  ns_test_fill_random (rand, x, n, 0.0f, 1.0f);
  run_tv_backward (h, w, scale, x, NULL, got);
  for (gsize i = 0; i < n; i++)
    x_d[i] = x[i];

  for (gsize i = 0; i < n; i++)
    {
      double fd;

      x_d[i] = x[i] + step;
      fd = ref_tv (x_d, h, w);
      x_d[i] = x[i] - step;
      fd = scale * (fd - ref_tv (x_d, h, w)) / (2.0 * step);
      x_d[i] = x[i];
      if (fabs (fd - got[i]) > 1e-5 * MAX (1.0, fabs (fd)))
        g_error ("tv_backward finite differences %ux%u scale=%g, value %zu: "
                 "kernel %g, difference quotient %g", w, h, scale, i, got[i],
                 fd);
    }
  g_rand_free (rand);
}

int
main (int    argc,
      char **argv)
{
  static const NsTestCase suite[] = {
    { "/vk/loss/content-backward", test_content_backward },
    { "/vk/loss/sq-diff-sum", test_sq_diff_sum },
    { "/vk/loss/tv", test_tv },
    { "/vk/loss/tv-finite-differences", test_tv_finite_differences },
  };

  return ns_test_kernels_main (&argc, &argv, suite, G_N_ELEMENTS (suite),
                               &ctx, &kernels);
}

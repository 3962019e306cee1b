/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Channel copies, the network input convention and Adam against plain C
 * references, on odd shapes, accumulating or not; to_net_backward also
 * against finite differences. */
#include <math.h>
#include <string.h>

#include "ns-op-adam.h"
#include "ns-op-concat.h"
#include "ns-op-input.h"
#include "ns-recorder.h"
#include "ns-test-kernels.h"

static NsVkContext *ctx;
static NsKernels    kernels;

static const guint sizes[][2] = {            /* H, W */
  { 1, 1 }, { 1, 7 }, { 13, 5 }, { 17, 31 }, { 64, 65 },
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

/* Copies @n channels of a [src_c][h][w] tensor from @src_offset into a
 * [dst_c][h][w] tensor at @dst_offset, whose prior content is random. */
static void
check_copy (GRand *rand,
            guint  h,
            guint  w,
            guint  src_c,
            guint  src_offset,
            guint  dst_c,
            guint  dst_offset,
            guint  n,
            int    accumulate)
{
  gsize        plane = (gsize) h * w;
  float       *src = g_new (float, src_c * plane);
  float       *dst = g_new (float, dst_c * plane);
  float       *want = g_new (float, dst_c * plane);
  float       *got = g_new (float, dst_c * plane);
  NsVkBuffer   b_src, b_dst;
  NsVkCommands commands;
  GError      *error = NULL;
  char        *what;

  ns_test_fill_random (rand, src, src_c * plane, -1.0f, 1.0f);
  ns_test_fill_random (rand, dst, dst_c * plane, -1.0f, 1.0f);
  memcpy (want, dst, dst_c * plane * sizeof (float));
  for (gsize i = 0; i < n * plane; i++)
    want[dst_offset * plane + i] = src[src_offset * plane + i] +
      (accumulate ? dst[dst_offset * plane + i] : 0.0f);

  ns_test_buffer_init (ctx, &b_src, src, src_c * plane);
  ns_test_buffer_init (ctx, &b_dst, dst, dst_c * plane);
  ns_test_commands_begin (ctx, &commands, 1);
  g_assert_true (ns_op_copy_channels_record (&kernels, &commands, h, w,
                                             &b_src, src_c, src_offset,
                                             &b_dst, dst_c, dst_offset, n,
                                             accumulate, &error));
  g_assert_no_error (error);
  ns_test_commands_run (ctx, &commands);
  ns_test_buffer_read (ctx, &b_dst, got, dst_c * plane);

  what = g_strdup_printf ("copy_channels %ux%u src %u+%u of %u dst %u+%u "
                          "of %u accumulate=%d", w, h, src_offset, n, src_c,
                          dst_offset, n, dst_c, accumulate);
  expect_close (got, want, dst_c * plane, 1e-6, what);
  g_free (what);

  ns_vk_buffer_free (ctx, &b_src);
  ns_vk_buffer_free (ctx, &b_dst);
  g_free (src);
  g_free (dst);
  g_free (want);
  g_free (got);
}

static void
test_copy_channels (void)
{
  /* src_c, src_offset, dst_c, dst_offset, n: whole, into the middle of a
   * concatenation, out of the middle (the split), one channel. */
  static const guint cases[][5] = {
    { 3, 0, 3, 0, 3 }, { 5, 0, 8, 3, 5 }, { 67, 64, 3, 0, 3 },
    { 67, 1, 67, 2, 64 }, { 1, 0, 5, 4, 1 },
  };
  GRand *rand = g_rand_new_with_seed (7);

  for (gsize i = 0; i < G_N_ELEMENTS (sizes); i++)
    for (gsize j = 0; j < G_N_ELEMENTS (cases); j++)
      for (int accumulate = 0; accumulate < 2; accumulate++)
        check_copy (rand, sizes[i][0], sizes[i][1], cases[j][0], cases[j][1],
                    cases[j][2], cases[j][3], cases[j][4], accumulate);
  g_rand_free (rand);
}

static const NsNet caffe_like = {
  .name = "test-bgr", .bgr = TRUE, .range = 255.0f,
  .mean = { 103.939f, 116.779f, 123.68f }, .std = { 1.0f, 1.0f, 1.0f },
};

static const NsNet torch_like = {
  .name = "test-rgb", .bgr = FALSE, .range = 1.0f,
  .mean = { 0.485f, 0.456f, 0.406f }, .std = { 0.229f, 0.224f, 0.225f },
};

static void
ref_to_net (const NsNet  *net,
            gsize         plane,
            const double *image,
            double       *input)
{
  for (guint c = 0; c < 3; c++)
    {
      guint rgb = net->bgr ? 2 - c : c;

      for (gsize p = 0; p < plane; p++)
        input[c * plane + p] = (image[rgb * plane + p] * net->range -
                                net->mean[c]) / net->std[c];
    }
}

/* Runs to_net (@backward FALSE, @src the image) or its backward (@src the
 * input gradient, @dst0 the prior image gradient) and reads dst back. */
static void
run_to_net (const NsNet *net,
            guint        h,
            guint        w,
            gboolean     backward,
            const float *src,
            const float *dst0,
            gboolean     accumulate,
            float       *got)
{
  gsize        n = 3 * (gsize) h * w;
  NsVkBuffer   b_src, b_dst;
  NsVkCommands commands;
  GError      *error = NULL;

  ns_test_buffer_init (ctx, &b_src, src, n);
  ns_test_buffer_init (ctx, &b_dst, dst0, n);
  ns_test_commands_begin (ctx, &commands, 1);
  if (backward)
    g_assert_true (ns_op_to_net_backward_record (&kernels, &commands, net, h,
                                                 w, &b_src, &b_dst,
                                                 accumulate, &error));
  else
    g_assert_true (ns_op_to_net_record (&kernels, &commands, net, h, w,
                                        &b_src, &b_dst, &error));
  g_assert_no_error (error);
  ns_test_commands_run (ctx, &commands);
  ns_test_buffer_read (ctx, &b_dst, got, n);
  ns_vk_buffer_free (ctx, &b_src);
  ns_vk_buffer_free (ctx, &b_dst);
}

static void
check_to_net (const NsNet *net,
              GRand       *rand,
              guint        h,
              guint        w)
{
  gsize   plane = (gsize) h * w, n = 3 * plane;
  float  *image = g_new (float, n), *grad = g_new (float, n);
  float  *prior = g_new (float, n), *got = g_new (float, n);
  float  *want = g_new (float, n);
  double *image_d = g_new (double, n), *input_d = g_new (double, n);
  char   *what;

  ns_test_fill_random (rand, image, n, 0.0f, 1.0f);
  ns_test_fill_random (rand, grad, n, -1.0f, 1.0f);
  ns_test_fill_random (rand, prior, n, -1.0f, 1.0f);
  for (gsize i = 0; i < n; i++)
    image_d[i] = image[i];

  ref_to_net (net, plane, image_d, input_d);
  for (gsize i = 0; i < n; i++)
    want[i] = (float) input_d[i];
  run_to_net (net, h, w, FALSE, image, NULL, FALSE, got);
  what = g_strdup_printf ("to_net %s %ux%u", net->name, w, h);
  expect_close (got, want, n, 1e-6, what);
  g_free (what);

  for (int accumulate = 0; accumulate < 2; accumulate++)
    {
      for (guint rgb = 0; rgb < 3; rgb++)
        {
          guint c = net->bgr ? 2 - rgb : rgb;

          for (gsize p = 0; p < plane; p++)
            want[rgb * plane + p] = (float)
              ((double) grad[c * plane + p] * net->range / net->std[c] +
               (accumulate ? prior[rgb * plane + p] : 0.0));
        }
      run_to_net (net, h, w, TRUE, grad, prior, accumulate, got);
      what = g_strdup_printf ("to_net_backward %s %ux%u accumulate=%d",
                              net->name, w, h, accumulate);
      expect_close (got, want, n, 1e-6, what);
      g_free (what);
    }

  g_free (image);
  g_free (grad);
  g_free (prior);
  g_free (got);
  g_free (want);
  g_free (image_d);
  g_free (input_d);
}

static void
test_to_net (void)
{
  GRand *rand = g_rand_new_with_seed (11);

  for (gsize i = 0; i < G_N_ELEMENTS (sizes); i++)
    {
      check_to_net (&caffe_like, rand, sizes[i][0], sizes[i][1]);
      check_to_net (&torch_like, rand, sizes[i][0], sizes[i][1]);
    }
  g_rand_free (rand);
}

/* f (image) = <w, to_net (image)>: central differences in double against
 * the backward kernel with grad_input = w, at every pixel of a 3x2 image. */
static void
test_to_net_finite_differences (void)
{
  const NsNet *nets[] = { &caffe_like, &torch_like };
  const guint  h = 2, w = 3;
  const gsize  n = 3 * h * w;
  const double step = 1e-4;
  GRand       *rand = g_rand_new_with_seed (12);

  for (gsize k = 0; k < G_N_ELEMENTS (nets); k++)
    {
      float  image[18], weights[18], got[18];
      double x[18], input[18];

      ns_test_fill_random (rand, image, n, 0.0f, 1.0f);
      ns_test_fill_random (rand, weights, n, -1.0f, 1.0f);
      run_to_net (nets[k], h, w, TRUE, weights, NULL, FALSE, got);
      for (gsize i = 0; i < n; i++)
        x[i] = image[i];

      for (gsize i = 0; i < n; i++)
        {
          double f[2] = { 0.0, 0.0 }, fd;

          for (int side = 0; side < 2; side++)
            {
              x[i] = image[i] + (side ? -step : step);
              ref_to_net (nets[k], h * w, x, input);
              for (gsize j = 0; j < n; j++)
                f[side] += weights[j] * input[j];
            }
          x[i] = image[i];
          fd = (f[0] - f[1]) / (2.0 * step);
          if (fabs (fd - got[i]) > 1e-5 * MAX (1.0, fabs (fd)))
            g_error ("to_net %s finite differences %ux%u, value %zu: "
                     "kernel %g, difference quotient %g", nets[k]->name, w,
                     h, i, got[i], fd);
        }
    }
  g_rand_free (rand);
}

static void
ref_adam (const NsAdamParams *p,
          guint               t,
          gsize               n,
          float              *x,
          const float        *grad,
          float              *m,
          float              *v)
{
  double c1 = 1.0 - pow (p->beta1, t), c2 = 1.0 - pow (p->beta2, t);

  for (gsize i = 0; i < n; i++)
    {
      double g = isfinite (grad[i]) ? grad[i] : 0.0;
      double mi = p->beta1 * (double) m[i] + (1.0 - p->beta1) * g;
      double vi = p->beta2 * (double) v[i] + (1.0 - p->beta2) * g * g;
      double xi = x[i] - p->lr * (mi / c1) / (sqrt (vi / c2) + p->eps);

      m[i] = (float) mi;
      v[i] = (float) vi;
      x[i] = (float) CLAMP (xi, p->lo, p->hi);
    }
}

/* Five steps on odd sizes; some gradient entries are NaN or infinite, and
 * the rate is large enough for the clamp to act. */
static void
test_adam (void)
{
  static const gsize counts[] = { 1, 7, 65, 3 * 17 * 31, 3 * 64 * 65 };
  const NsAdamParams p = { 0.05f, 0.9f, 0.999f, 1e-8f, 0.0f, 1.0f };
  GRand *rand = g_rand_new_with_seed (13);

  for (gsize k = 0; k < G_N_ELEMENTS (counts); k++)
    {
      gsize        n = counts[k];
      float       *x = g_new (float, n), *grad = g_new (float, n);
      float       *m = g_new0 (float, n), *v = g_new0 (float, n);
      float       *got = g_new (float, 2 * n);
      NsVkBuffer   b[4];
      NsVkCommands commands;
      GError      *error = NULL;

      /* One recording, replayed for each step with a new step buffer. */
      ns_test_fill_random (rand, x, n, 0.0f, 1.0f);
      ns_test_buffer_init (ctx, &b[0], x, n);
      ns_test_buffer_init (ctx, &b[1], NULL, n);
      ns_test_buffer_init (ctx, &b[2], NULL, 2 * n);
      ns_test_buffer_init (ctx, &b[3], NULL, 2);
      g_assert_true (ns_vk_commands_init (ctx, &commands, 1, &error));
      g_assert_true (ns_vk_commands_begin (ctx, &commands, &error));
      g_assert_true (ns_op_adam_record (&kernels, &commands, &p, (guint) n,
                                        &b[0], &b[1], &b[2], &b[3], &error));
      g_assert_true (ns_vk_commands_end (ctx, &commands, &error));
      g_assert_no_error (error);
      for (guint t = 1; t <= 5; t++)
        {
          NsAdamStep step;
          char      *what;

          ns_op_adam_bias_corrections (t, p.beta1, p.beta2, &step.c1,
                                       &step.c2);
          ns_test_fill_random (rand, grad, n, -1.0f, 1.0f);
          for (gsize i = t; i < n; i += 5)
            grad[i] = (i / 5) % 2 ? NAN : -INFINITY;
          g_assert_true (ns_vk_buffer_upload (ctx, &b[1], 0, grad,
                                              n * sizeof (float), &error));
          g_assert_true (ns_vk_buffer_upload (ctx, &b[3], 0, &step,
                                              sizeof step, &error));
          g_assert_true (ns_vk_commands_submit (ctx, &commands, &error));
          g_assert_no_error (error);

          ref_adam (&p, t, n, x, grad, m, v);
          what = g_strdup_printf ("adam n=%zu step=%u lr=%g beta1=%g "
                                  "beta2=%g eps=%g", n, t, p.lr, p.beta1,
                                  p.beta2, p.eps);
          ns_test_buffer_read (ctx, &b[0], got, n);
          expect_close (got, x, n, 1e-5, what);
          ns_test_buffer_read (ctx, &b[2], got, 2 * n);
          expect_close (got, m, n, 1e-5, what);
          expect_close (got + n, v, n, 1e-5, what);
          g_free (what);
        }

      ns_vk_commands_free (ctx, &commands);
      for (guint i = 0; i < G_N_ELEMENTS (b); i++)
        ns_vk_buffer_free (ctx, &b[i]);
      g_free (x);
      g_free (grad);
      g_free (m);
      g_free (v);
      g_free (got);
    }
  g_rand_free (rand);
}

static void
test_adam_bias_corrections (void)
{
  float c1, c2;

  ns_op_adam_bias_corrections (1, 0.9f, 0.999f, &c1, &c2);
  g_assert_cmpfloat_with_epsilon (c1, 0.1, 1e-6);
  g_assert_cmpfloat_with_epsilon (c2, 0.001, 1e-7);
  ns_op_adam_bias_corrections (10, 0.9f, 0.999f, &c1, &c2);
  g_assert_cmpfloat_with_epsilon (c1, 1.0 - pow (0.9f, 10), 1e-6);
  g_assert_cmpfloat_with_epsilon (c2, 1.0 - pow (0.999f, 10), 1e-7);
}

/* The recorder cuts the work into submissions of at most its budget of
 * operations (an operation larger than the budget goes alone), so that no
 * submission runs long enough for a driver's watchdog (case C19): each
 * segment holds what its takes asked for, in order, and the next take would
 * not have fitted. */
static void
test_recorder_segments (void)
{
  const double budget = 100.0;
  GRand       *rand = g_rand_new_with_seed (19);
  NsRecorder   recorder;
  NsVkCommands *last = NULL;
  double       spent = 0.0;
  guint        takes = 0, segments = 0, alone = 0;
  GError      *error = NULL;

  ns_recorder_init (&recorder, ctx, budget);
  for (guint i = 0; i < 400; i++)
    {
      /* Mostly small operations, now and then one over the budget. */
      double        flops = g_rand_int_range (rand, 0, 8) == 0 ?
                            g_rand_double_range (rand, 100.0, 400.0) :
                            g_rand_double_range (rand, 0.0, 60.0);
      NsVkCommands *commands = ns_recorder_take (&recorder, flops, &error);

      g_assert_no_error (error);
      g_assert_nonnull (commands);
      if (commands != last)
        {
          /* A new segment: the old one could not take this operation. */
          if (last != NULL)
            g_assert_cmpfloat (spent + flops, >, budget);
          segments++;
          spent = 0.0;
          takes = 0;
          last = commands;
        }
      spent += flops;
      takes++;
      if (takes == 1 && flops > budget)
        alone++;
      if (takes > 1 && spent > budget)
        g_error ("segment %u holds %u operations of %g in all, over the "
                 "budget of %g", segments, takes, spent, budget);
    }
  g_assert_true (ns_recorder_end (&recorder, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (recorder.segments->len, ==, segments);
  g_assert_cmpuint (alone, >, 0);
  g_test_message ("%u operations in %u segments, %u alone over the budget",
                  400, segments, alone);
  ns_recorder_clear (&recorder);
  g_rand_free (rand);
}

int
main (int    argc,
      char **argv)
{
  static const NsTestCase suite[] = {
    { "/vk/ops/copy-channels", test_copy_channels },
    { "/vk/ops/to-net", test_to_net },
    { "/vk/ops/to-net-finite-differences", test_to_net_finite_differences },
    { "/vk/ops/adam", test_adam },
    { "/vk/ops/adam-bias-corrections", test_adam_bias_corrections },
    { "/vk/ops/recorder-segments", test_recorder_segments },
  };

  return ns_test_kernels_main (&argc, &argv, suite, G_N_ELEMENTS (suite),
                               &ctx, &kernels);
}

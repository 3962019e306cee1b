/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Convolution forward and backward against a plain C reference, and the
 * backward pass as the adjoint of the forward one. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "ns-op-conv.h"
#include "ns-test-kernels.h"

static NsVkContext *ctx;
static NsKernels    kernels;

/* The reference: out as conv2d.comp defines it, in double. */
static void
ref_forward (const NsConvShape *s,
             const float       *in,
             const float       *w,
             const float       *bias,
             float             *out)
{
  for (guint co = 0; co < s->out_c; co++)
    for (guint oy = 0; oy < s->out_h; oy++)
      for (guint ox = 0; ox < s->out_w; ox++)
        {
          double sum = bias[co];

          for (guint ci = 0; ci < s->in_c; ci++)
            for (guint ky = 0; ky < s->kernel; ky++)
              for (guint kx = 0; kx < s->kernel; kx++)
                {
                  int iy = (int) (oy * s->stride + ky) - (int) s->pad;
                  int ix = (int) (ox * s->stride + kx) - (int) s->pad;

                  if (iy < 0 || ix < 0 || iy >= (int) s->in_h ||
                      ix >= (int) s->in_w)
                    continue;
                  sum += (double) w[((co * s->in_c + ci) * s->kernel + ky) *
                                    s->kernel + kx] *
                         in[(ci * s->in_h + iy) * s->in_w + ix];
                }
          if (s->relu && sum < 0.0)
            sum = 0.0;
          out[((s->out_c_offset + co) * s->out_h + oy) * s->out_w + ox] =
            (float) sum;
        }
}

/* The reference backward, as a scatter (the shader gathers). */
static void
ref_backward (const NsConvShape *s,
              const float       *grad_out,
              const float       *out,
              const float       *w,
              float             *grad_in)
{
  for (guint co = 0; co < s->out_c; co++)
    for (guint oy = 0; oy < s->out_h; oy++)
      for (guint ox = 0; ox < s->out_w; ox++)
        {
          gsize at = ((s->out_c_offset + co) * s->out_h + oy) * s->out_w + ox;
          float g = grad_out[at];

          if (s->relu && out[at] <= 0.0f)
            continue;
          for (guint ci = 0; ci < s->in_c; ci++)
            for (guint ky = 0; ky < s->kernel; ky++)
              for (guint kx = 0; kx < s->kernel; kx++)
                {
                  int iy = (int) (oy * s->stride + ky) - (int) s->pad;
                  int ix = (int) (ox * s->stride + kx) - (int) s->pad;

                  if (iy < 0 || ix < 0 || iy >= (int) s->in_h ||
                      ix >= (int) s->in_w)
                    continue;
                  grad_in[(ci * s->in_h + iy) * s->in_w + ix] +=
                    w[((co * s->in_c + ci) * s->kernel + ky) * s->kernel + kx] * g;
                }
        }
}

static char *
shape_describe (const NsConvShape *s,
                gboolean           accumulate)
{
  return g_strdup_printf ("in %ux%ux%u out %ux%ux%u (at %u of %u) k=%u "
                          "stride=%u pad=%u relu=%d accumulate=%d %s "
                          "bands of %u",
                          s->in_c, s->in_h, s->in_w, s->out_c, s->out_h,
                          s->out_w, s->out_c_offset, s->out_c_total,
                          s->kernel, s->stride, s->pad, s->relu, accumulate,
                          ns_op_conv2d_winograd (s) ? "winograd" :
                          ns_op_conv2d_shares_weights (s) ? "product" :
                          "direct",
                          s->band_rows);
}

/* The two scratch buffers for @s (one float where it needs
 * none). */
static void
scratch_init (const NsConvShape *s,
              NsVkBuffer        *transformed,
              NsVkBuffer        *products)
{
  gsize n = MAX (ns_op_conv2d_scratch_size (s), 1);

  ns_test_buffer_init (ctx, transformed, NULL, n);
  ns_test_buffer_init (ctx, products, NULL, n);
}

static void
check_shape (NsConvShape s,
             gboolean    accumulate,
             GRand      *rand)
{
  gsize        n_in, n_out, n_w;
  float       *in, *w, *wp, *bias, *out, *want, *grad_out, *grad_in, *want_in;
  NsVkBuffer   b_in, b_w, b_wb, b_bias, b_out, b_gout, b_gin, b_t, b_p;
  NsConvScratch scratch = { &b_t, &b_p };
  NsVkCommands commands;
  GError      *error = NULL;
  char        *what;
  double       err_forward, err_backward;
  /* Winograd F(4x4, 3x3) rounds more than the direct sums: its transforms
   * scale the rounding of each product by up to about 10 (entries of BT
   * up to 2.5, of AT up to 16/9), and an output of a few terms that
   * cancel (a 1 x 1 image) shows it relative to a small result.  Seen:
   * up to 3e-5; a wrong index or weight gives errors near 1. */
  double       tolerance = ns_op_conv2d_winograd (&s) ? 1e-4 : 1e-5;

  g_assert_true (ns_op_conv2d_shape_finish (&s));
  n_in = (gsize) s.in_c * s.in_h * s.in_w;
  n_out = (gsize) s.out_c_total * s.out_h * s.out_w;
  n_w = ns_op_conv2d_weights_size (&s);
  in = g_new (float, n_in);
  w = g_new (float, n_w);
  wp = g_new (float, n_w);
  bias = g_new (float, s.out_c);
  out = g_new (float, n_out);
  want = g_new (float, n_out);
  grad_out = g_new (float, n_out);
  grad_in = g_new (float, n_in);
  want_in = g_new (float, n_in);
  ns_test_fill_random (rand, in, n_in, -1.0f, 1.0f);
  ns_test_fill_random (rand, w, n_w, -0.5f, 0.5f);
  ns_test_fill_random (rand, bias, s.out_c, -0.2f, 0.2f);
  ns_test_fill_random (rand, grad_out, n_out, -1.0f, 1.0f);
  ns_test_fill_random (rand, want, n_out, -1.0f, 1.0f);  /* other channels */
  ns_test_fill_random (rand, want_in, n_in, -1.0f, 1.0f);

  ns_test_buffer_init (ctx, &b_in, in, n_in);
  ns_op_conv2d_pack_weights (&s, w, wp);
  ns_test_buffer_init (ctx, &b_w, wp, n_w);
  ns_op_conv2d_pack_weights_backward (&s, w, wp);
  ns_test_buffer_init (ctx, &b_wb, wp, n_w);
  ns_test_buffer_init (ctx, &b_bias, bias, s.out_c);
  ns_test_buffer_init (ctx, &b_out, want, n_out);
  ns_test_buffer_init (ctx, &b_gout, grad_out, n_out);
  ns_test_buffer_init (ctx, &b_gin, want_in, n_in);
  scratch_init (&s, &b_t, &b_p);

  ns_test_commands_begin (ctx, &commands, 2 * ns_op_conv2d_dispatches (&s));
  g_assert_true (ns_op_conv2d_record (&kernels, &commands, &s, &b_in, &b_w,
                                      &b_bias, &b_out, &scratch, &error));
  g_assert_true (ns_op_conv2d_backward_record (&kernels, &commands, &s,
                                               &b_gout, &b_out, &b_wb, &b_gin,
                                               accumulate, &scratch, &error));
  g_assert_no_error (error);
  ns_test_commands_run (ctx, &commands);

  ref_forward (&s, in, w, bias, want);
  if (!accumulate)
    memset (want_in, 0, n_in * sizeof (float));
  ref_backward (&s, grad_out, want, w, want_in);
  ns_test_buffer_read (ctx, &b_out, out, n_out);
  ns_test_buffer_read (ctx, &b_gin, grad_in, n_in);

  what = shape_describe (&s, accumulate);
  err_forward = ns_test_normalised_error (out, want, n_out);
  err_backward = ns_test_normalised_error (grad_in, want_in, n_in);
  if (err_forward > tolerance || err_backward > tolerance)
    g_error ("conv2d %s: normalised error forward %g, backward %g",
             what, err_forward, err_backward);
  g_test_message ("conv2d %s: errors %.2g %.2g", what, err_forward,
                  err_backward);

  g_free (what);
  ns_vk_buffer_free (ctx, &b_in);
  ns_vk_buffer_free (ctx, &b_w);
  ns_vk_buffer_free (ctx, &b_wb);
  ns_vk_buffer_free (ctx, &b_bias);
  ns_vk_buffer_free (ctx, &b_out);
  ns_vk_buffer_free (ctx, &b_gout);
  ns_vk_buffer_free (ctx, &b_gin);
  ns_vk_buffer_free (ctx, &b_t);
  ns_vk_buffer_free (ctx, &b_p);
  g_free (in); g_free (w); g_free (wp); g_free (bias); g_free (out);
  g_free (want); g_free (grad_out); g_free (grad_in); g_free (want_in);
}

static void
test_shapes (void)
{
  /* in_c, in_h, in_w, out_c, kernel, stride, pad, relu, offset, total */
  static const guint cases[][10] = {
    { 1, 1, 1, 1, 1, 1, 0, 0, 0, 0 },
    { 3, 1, 9, 5, 1, 1, 0, 1, 0, 0 },
    { 3, 13, 7, 5, 3, 1, 1, 1, 0, 0 },
    { 5, 17, 31, 17, 3, 1, 1, 0, 0, 0 },
    { 3, 29, 23, 96 / 6, 7, 2, 0, 1, 0, 0 },
    { 4, 15, 16, 6, 7, 2, 3, 1, 0, 0 },
    { 16, 9, 11, 7, 1, 1, 0, 1, 5, 19 },
    { 16, 9, 11, 9, 3, 1, 1, 1, 7, 16 },
    { 2, 8, 8, 3, 3, 2, 1, 0, 0, 0 },
    { 64 + 3, 6, 5, 33, 3, 1, 1, 1, 0, 0 },
    /* Tiled (stride 1, k <= 3): several tiles each way, the last ones
     * partial; channel counts past and short of the 16-channel groups and
     * the 8-channel steps. */
    { 19, 37, 21, 13, 3, 1, 1, 1, 0, 0 },
    { 9, 18, 33, 17, 3, 1, 0, 0, 0, 0 },
    { 1, 1, 1, 9, 3, 1, 1, 1, 0, 0 },
    { 13, 1, 1, 3, 3, 1, 1, 0, 2, 7 },
    { 8, 17, 16, 8, 1, 1, 0, 1, 8, 24 },
    { 11, 20, 35, 7, 1, 1, 0, 1, 3, 12 },
    { 6, 9, 10, 5, 2, 1, 0, 1, 0, 0 },
    { 6, 9, 10, 5, 2, 1, 1, 1, 1, 6 },
    { 3, 33, 17, 64, 3, 1, 1, 1, 0, 0 },
    /* Winograd (k = 3, stride 1): pads 0 and 2 (the backward pass then
     * takes pads 2 and 0), channels past and short of the products'
     * 16-row blocks, tiles past a 64-tile block, SqueezeNet's expand3x3
     * writing at a channel offset. */
    { 5, 7, 9, 3, 3, 1, 2, 1, 0, 0 },
    { 33, 30, 41, 18, 3, 1, 1, 1, 0, 0 },
    { 16, 13, 13, 64, 3, 1, 1, 1, 64, 128 },
    /* Direct: k = 5 at stride 1, pad >= k, k = 7 at stride 2. */
    { 4, 11, 9, 6, 5, 1, 2, 1, 0, 0 },
    { 3, 6, 7, 4, 1, 1, 1, 0, 0, 0 },
    { 3, 40, 37, 10, 7, 2, 0, 1, 2, 12 },
    /* Direct backward by phases: input channels past one group of 3,
     * stride 3 with a kernel shorter than the stride (rows no tap
     * reaches), more taps per phase than one block of 4, 17 output
     * channels (one past the forward's channel group). */
    { 5, 19, 21, 17, 7, 2, 3, 1, 0, 0 },
    { 2, 10, 11, 5, 2, 3, 1, 1, 0, 0 },
    { 4, 14, 12, 3, 9, 1, 4, 0, 1, 5 },
    { 7, 23, 9, 6, 5, 3, 2, 1, 0, 0 },
  };
  GRand *rand = g_rand_new_with_seed (42);

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    for (int accumulate = 0; accumulate < 2; accumulate++)
      for (NsConvAlgorithm a = NS_CONV_AUTO; a <= NS_CONV_DIRECT; a++)
        {
          NsConvShape s = {
            .in_c = cases[i][0], .in_h = cases[i][1], .in_w = cases[i][2],
            .out_c = cases[i][3], .kernel = cases[i][4],
            .stride = cases[i][5], .pad = cases[i][6], .relu = cases[i][7],
            .out_c_offset = cases[i][8], .out_c_total = cases[i][9],
            .algorithm = a,
          };

          g_assert_true (ns_op_conv2d_shape_finish (&s));
          check_shape (s, accumulate, rand);
          /* Products in bands of 1 and 2 (tile) rows, the last one
           * short. */
          for (s.band_rows = 1; ns_op_conv2d_scratch_size (&s) > 0 &&
               s.band_rows <= 2; s.band_rows++)
            check_shape (s, accumulate, rand);
        }
  g_rand_free (rand);
}

/* <conv (x), y> = <x, conv_backward (y)> without ReLU and bias: the
 * backward pass is the forward pass's transpose. */
static void
check_adjoint (NsConvShape s)
{
  GRand      *rand = g_rand_new_with_seed (7);
  gsize       n_in, n_out, n_w;
  float      *x, *y, *w, *wp, *zero, *fx, *by;
  NsVkBuffer  b_x, b_w, b_wb, b_zero, b_fx, b_y, b_by, b_t, b_p;
  NsConvScratch scratch = { &b_t, &b_p };
  NsVkCommands commands;
  GError     *error = NULL;
  double      left = 0.0, right = 0.0;

  g_assert_true (ns_op_conv2d_shape_finish (&s));
  n_in = (gsize) s.in_c * s.in_h * s.in_w;
  n_out = (gsize) s.out_c * s.out_h * s.out_w;
  n_w = ns_op_conv2d_weights_size (&s);
  x = g_new (float, n_in); y = g_new (float, n_out); w = g_new (float, n_w);
  wp = g_new (float, n_w);
  zero = g_new0 (float, s.out_c); fx = g_new (float, n_out);
  by = g_new (float, n_in);
  ns_test_fill_random (rand, x, n_in, -1.0f, 1.0f);
  ns_test_fill_random (rand, y, n_out, -1.0f, 1.0f);
  ns_test_fill_random (rand, w, n_w, -1.0f, 1.0f);

  ns_test_buffer_init (ctx, &b_x, x, n_in);
  ns_op_conv2d_pack_weights (&s, w, wp);
  ns_test_buffer_init (ctx, &b_w, wp, n_w);
  ns_op_conv2d_pack_weights_backward (&s, w, wp);
  ns_test_buffer_init (ctx, &b_wb, wp, n_w);
  ns_test_buffer_init (ctx, &b_zero, zero, s.out_c);
  ns_test_buffer_init (ctx, &b_fx, NULL, n_out);
  ns_test_buffer_init (ctx, &b_y, y, n_out);
  ns_test_buffer_init (ctx, &b_by, NULL, n_in);
  scratch_init (&s, &b_t, &b_p);
  ns_test_commands_begin (ctx, &commands, 2 * ns_op_conv2d_dispatches (&s));
  g_assert_true (ns_op_conv2d_record (&kernels, &commands, &s, &b_x, &b_w,
                                      &b_zero, &b_fx, &scratch, &error));
  g_assert_true (ns_op_conv2d_backward_record (&kernels, &commands, &s, &b_y,
                                               &b_fx, &b_wb, &b_by, FALSE,
                                               &scratch, &error));
  g_assert_no_error (error);
  ns_test_commands_run (ctx, &commands);
  ns_test_buffer_read (ctx, &b_fx, fx, n_out);
  ns_test_buffer_read (ctx, &b_by, by, n_in);

  for (gsize i = 0; i < n_out; i++)
    left += (double) fx[i] * y[i];
  for (gsize i = 0; i < n_in; i++)
    right += (double) x[i] * by[i];
  if (fabs (left - right) > 1e-4 * MAX (fabs (left), 1.0))
    g_error ("adjoint: <conv x, y> = %g but <x, conv_backward y> = %g",
             left, right);

  ns_vk_buffer_free (ctx, &b_x); ns_vk_buffer_free (ctx, &b_w);
  ns_vk_buffer_free (ctx, &b_wb);
  ns_vk_buffer_free (ctx, &b_zero); ns_vk_buffer_free (ctx, &b_fx);
  ns_vk_buffer_free (ctx, &b_y); ns_vk_buffer_free (ctx, &b_by);
  ns_vk_buffer_free (ctx, &b_t); ns_vk_buffer_free (ctx, &b_p);
  g_free (x); g_free (y); g_free (w); g_free (wp); g_free (zero); g_free (fx); g_free (by);
  g_rand_free (rand);
}

static void
test_adjoint (void)
{
  NsConvShape strided = { .in_c = 6, .in_h = 19, .in_w = 14, .out_c = 10,
                          .kernel = 3, .stride = 2, .pad = 1 };
  NsConvShape winograd = { .in_c = 20, .in_h = 23, .in_w = 30, .out_c = 17,
                           .kernel = 3, .stride = 1, .pad = 1 };

  check_adjoint (strided);
  check_adjoint (winograd);
}

int
main (int    argc,
      char **argv)
{
  static const NsTestCase suite[] = {
    { "/vk/conv/shapes", test_shapes },
    { "/vk/conv/adjoint", test_adjoint },
  };

  return ns_test_kernels_main (&argc, &argv, suite, G_N_ELEMENTS (suite),
                               &ctx, &kernels);
}

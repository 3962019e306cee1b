/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Pooling kernels against a plain C reference: max and average, forward
 * and backward (accumulating or not), floor and ceil rounding, with and
 * without padding, on odd shapes; the backward kernels also against
 * finite differences of the reference forward. */
#include <math.h>

#include "ns-op-pool.h"
#include "ns-test-kernels.h"

static NsVkContext *ctx;
static NsKernels    kernels;

typedef struct
{
  guint    kernel, stride, pad;
  gboolean ceil_mode;
} PoolParams;

static const guint shapes[][3] = {           /* C, H, W */
  { 1, 1, 1 }, { 3, 1, 7 }, { 5, 13, 5 }, { 1, 17, 31 }, { 3, 64, 65 },
  { 67, 13, 5 },
};

static const PoolParams params[] = {
  { 2, 2, 0, FALSE }, { 2, 2, 0, TRUE }, { 3, 2, 0, TRUE },
  { 3, 2, 1, FALSE }, { 3, 2, 1, TRUE }, { 3, 1, 1, FALSE },
  { 3, 3, 1, TRUE }, { 5, 2, 2, TRUE },
};

/* In-image range [first, last) of window @o along an axis of @n pixels. */
static void
ref_window (const NsPoolShape *s,
            guint              o,
            guint              n,
            guint             *first,
            guint             *last)
{
  long start = (long) o * s->stride - (long) s->pad;

  *first = (guint) MAX (start, 0);
  *last = (guint) MIN (start + (long) s->kernel, (long) n);
}

/* Plane offset of the first (row-major) maximum of window (oy, ox). */
static gsize
ref_first_max (const NsPoolShape *s,
               const double      *plane,
               guint              oy,
               guint              ox)
{
  guint y0, y1, x0, x1;
  gsize best;

  ref_window (s, oy, s->in_h, &y0, &y1);
  ref_window (s, ox, s->in_w, &x0, &x1);
  best = (gsize) y0 * s->in_w + x0;
  for (guint y = y0; y < y1; y++)
    for (guint x = x0; x < x1; x++)
      if (plane[y * s->in_w + x] > plane[best])
        best = (gsize) y * s->in_w + x;

  return best;
}

static guint
ref_count (const NsPoolShape *s,
           guint              oy,
           guint              ox)
{
  guint y0, y1, x0, x1;

  ref_window (s, oy, s->in_h, &y0, &y1);
  ref_window (s, ox, s->in_w, &x0, &x1);
  return (y1 - y0) * (x1 - x0);
}

static void
ref_pool (const NsPoolShape *s,
          gboolean           is_max,
          const double      *in,
          double            *out)
{
  gsize plane = (gsize) s->in_h * s->in_w;

  for (guint c = 0; c < s->channels; c++)
    for (guint oy = 0; oy < s->out_h; oy++)
      for (guint ox = 0; ox < s->out_w; ox++)
        {
          const double *p = in + c * plane;
          double       *o = &out[((gsize) c * s->out_h + oy) * s->out_w + ox];
          guint         y0, y1, x0, x1;

          if (is_max)
            {
              *o = p[ref_first_max (s, p, oy, ox)];
              continue;
            }
          ref_window (s, oy, s->in_h, &y0, &y1);
          ref_window (s, ox, s->in_w, &x0, &x1);
          *o = 0.0;
          for (guint y = y0; y < y1; y++)
            for (guint x = x0; x < x1; x++)
              *o += p[y * s->in_w + x];
          *o /= ref_count (s, oy, ox);
        }
}

/* Scatters each output's gradient onto @grad_in (added to what is there). */
static void
ref_pool_backward (const NsPoolShape *s,
                   gboolean           is_max,
                   const double      *in,
                   const double      *grad_out,
                   double            *grad_in)
{
  gsize plane = (gsize) s->in_h * s->in_w;

  for (guint c = 0; c < s->channels; c++)
    for (guint oy = 0; oy < s->out_h; oy++)
      for (guint ox = 0; ox < s->out_w; ox++)
        {
          double  g = grad_out[((gsize) c * s->out_h + oy) * s->out_w + ox];
          double *gp = grad_in + c * plane;
          guint   y0, y1, x0, x1;

          if (is_max)
            {
              gp[ref_first_max (s, in + c * plane, oy, ox)] += g;
              continue;
            }
          ref_window (s, oy, s->in_h, &y0, &y1);
          ref_window (s, ox, s->in_w, &x0, &x1);
          for (guint y = y0; y < y1; y++)
            for (guint x = x0; x < x1; x++)
              gp[y * s->in_w + x] += g / ref_count (s, oy, ox);
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

static float *
to_float (const double *data,
          gsize         n)
{
  float *out = g_new (float, n);

  for (gsize i = 0; i < n; i++)
    out[i] = (float) data[i];
  return out;
}

static void
expect_close (const float       *got,
              const double      *want,
              gsize              n,
              double             tolerance,
              const char        *what,
              const NsPoolShape *s,
              const PoolParams  *p,
              gboolean           ties,
              gboolean           accumulate)
{
  float *want_f = to_float (want, n);
  double err = ns_test_normalised_error (got, want_f, n);

  if (!(err <= tolerance))
    g_error ("%s C=%u in=%ux%u out=%ux%u kernel=%u stride=%u pad=%u ceil=%d "
             "ties=%d accumulate=%d: normalised error %g > %g", what,
             s->channels, s->in_w, s->in_h, s->out_w, s->out_h, s->kernel,
             s->stride, s->pad, p->ceil_mode, ties, accumulate, err,
             tolerance);
  g_free (want_f);
}

/* Ties: inputs take three values only, so windows often hold several
 * maxima and the first must be the one chosen; otherwise negative inputs,
 * so a padding that took part as 0 would win. */
static void
fill_input (GRand    *rand,
            float    *in,
            gsize     n,
            gboolean  ties)
{
  ns_test_fill_random (rand, in, n, -2.0f, -0.5f);
  if (ties)
    for (gsize i = 0; i < n; i++)
      in[i] = floorf (in[i] * 2.0f);
}

static void
check_forward (const NsPoolShape *s,
               const PoolParams  *p,
               gboolean           is_max,
               gboolean           ties,
               const float       *in)
{
  gsize        n_in = (gsize) s->channels * s->in_h * s->in_w;
  gsize        n_out = (gsize) s->channels * s->out_h * s->out_w;
  double      *in_d = to_double (in, n_in), *want = g_new (double, n_out);
  float       *got = g_new (float, n_out);
  NsVkBuffer   b_in, b_out, b_where;
  NsVkCommands commands;
  GError      *error = NULL;

  ns_test_buffer_init (ctx, &b_in, in, n_in);
  ns_test_buffer_init (ctx, &b_out, NULL, n_out);
  ns_test_buffer_init (ctx, &b_where, NULL, n_out);
  ns_test_commands_begin (ctx, &commands, 1);
  if (is_max)
    g_assert_true (ns_op_pool_max_record (&kernels, &commands, s, &b_in,
                                          &b_out, &b_where, &error));
  else
    g_assert_true (ns_op_pool_avg_record (&kernels, &commands, s, &b_in,
                                          &b_out, &error));
  g_assert_no_error (error);
  ns_test_commands_run (ctx, &commands);
  ns_test_buffer_read (ctx, &b_out, got, n_out);

  ref_pool (s, is_max, in_d, want);
  expect_close (got, want, n_out, is_max ? 0.0 : 1e-6,
                is_max ? "pool_max" : "pool_avg", s, p, ties, FALSE);

  ns_vk_buffer_free (ctx, &b_in);
  ns_vk_buffer_free (ctx, &b_out);
  ns_vk_buffer_free (ctx, &b_where);
  g_free (in_d);
  g_free (want);
  g_free (got);
}

/* Runs the backward kernel of @is_max (after the forward pass, which
 * records where the maxima are): grad_in starts as @grad_in0 and is read
 * back into @got. */
static void
run_backward (const NsPoolShape *s,
              gboolean           is_max,
              const float       *in,
              const float       *grad_out,
              const float       *grad_in0,
              gboolean           accumulate,
              float             *got)
{
  gsize        n_in = (gsize) s->channels * s->in_h * s->in_w;
  gsize        n_out = (gsize) s->channels * s->out_h * s->out_w;
  NsVkBuffer   b_in, b_out, b_where, b_gout, b_gin;
  NsVkCommands commands;
  GError      *error = NULL;

  ns_test_buffer_init (ctx, &b_in, in, n_in);
  ns_test_buffer_init (ctx, &b_out, NULL, n_out);
  ns_test_buffer_init (ctx, &b_where, NULL, n_out);
  ns_test_buffer_init (ctx, &b_gout, grad_out, n_out);
  ns_test_buffer_init (ctx, &b_gin, grad_in0, n_in);
  ns_test_commands_begin (ctx, &commands, 2);
  if (is_max)
    g_assert_true (ns_op_pool_max_record (&kernels, &commands, s, &b_in,
                                          &b_out, &b_where, &error) &&
                   ns_op_pool_max_backward_record (&kernels, &commands, s,
                                                   &b_where, &b_gout, &b_gin,
                                                   accumulate, &error));
  else
    g_assert_true (ns_op_pool_avg_backward_record (&kernels, &commands, s,
                                                   &b_gout, &b_gin,
                                                   accumulate, &error));
  g_assert_no_error (error);
  ns_test_commands_run (ctx, &commands);
  ns_test_buffer_read (ctx, &b_gin, got, n_in);

  ns_vk_buffer_free (ctx, &b_in);
  ns_vk_buffer_free (ctx, &b_out);
  ns_vk_buffer_free (ctx, &b_where);
  ns_vk_buffer_free (ctx, &b_gout);
  ns_vk_buffer_free (ctx, &b_gin);
}

static void
check_backward (const NsPoolShape *s,
                const PoolParams  *p,
                gboolean           is_max,
                gboolean           ties,
                const float       *in,
                GRand             *rand)
{
  gsize   n_in = (gsize) s->channels * s->in_h * s->in_w;
  gsize   n_out = (gsize) s->channels * s->out_h * s->out_w;
  float  *grad_out = g_new (float, n_out), *grad_in0 = g_new (float, n_in);
  float  *got = g_new (float, n_in);
  double *in_d = to_double (in, n_in), *gout_d, *want;

  ns_test_fill_random (rand, grad_out, n_out, -1.0f, 1.0f);
  ns_test_fill_random (rand, grad_in0, n_in, -1.0f, 1.0f);
  gout_d = to_double (grad_out, n_out);

  for (int accumulate = 0; accumulate < 2; accumulate++)
    {
      want = accumulate ? to_double (grad_in0, n_in) : g_new0 (double, n_in);
      ref_pool_backward (s, is_max, in_d, gout_d, want);
      run_backward (s, is_max, in, grad_out, grad_in0, accumulate, got);
      expect_close (got, want, n_in, 1e-5,
                    is_max ? "pool_max_backward" : "pool_avg_backward",
                    s, p, ties, accumulate);
      g_free (want);
    }

  g_free (grad_out);
  g_free (grad_in0);
  g_free (got);
  g_free (in_d);
  g_free (gout_d);
}

static gboolean
shape_make (NsPoolShape      *s,
            const guint      *chw,
            const PoolParams *p)
{
  *s = (NsPoolShape) {
    .channels = chw[0], .in_h = chw[1], .in_w = chw[2],
    .kernel = p->kernel, .stride = p->stride, .pad = p->pad,
  };
  s->out_h = ns_op_pool_out_size (s->in_h, p->kernel, p->stride, p->pad,
                                  p->ceil_mode);
  s->out_w = ns_op_pool_out_size (s->in_w, p->kernel, p->stride, p->pad,
                                  p->ceil_mode);
  return s->out_h > 0 && s->out_w > 0;
}

static void
test_pool_kernels (void)
{
  GRand *rand = g_rand_new_with_seed (1234);

  for (gsize i = 0; i < G_N_ELEMENTS (shapes); i++)
    for (gsize j = 0; j < G_N_ELEMENTS (params); j++)
      for (int kind = 0; kind < 3; kind++)
        {
          gboolean    is_max = kind != 1, ties = kind == 2;
          NsPoolShape s;
          gsize       n_in;
          float      *in;

          if (!shape_make (&s, shapes[i], &params[j]))
            continue;
          n_in = (gsize) s.channels * s.in_h * s.in_w;
          in = g_new (float, n_in);
          fill_input (rand, in, n_in, ties);
          check_forward (&s, &params[j], is_max, ties, in);
          check_backward (&s, &params[j], is_max, ties, in, rand);
          g_free (in);
        }
  g_rand_free (rand);
}

/* f (x) = <w, pool (x)> in double; its gradient by central differences
 * must match the backward kernel's with grad_out = w, at every input. */
static void
test_pool_finite_differences (void)
{
  static const guint chw[3] = { 2, 5, 6 };
  static const PoolParams p = { 3, 2, 1, TRUE };
  const double h = 1e-3;
  GRand       *rand = g_rand_new_with_seed (99);
  NsPoolShape  s;

  g_assert_true (shape_make (&s, chw, &p));
  for (int is_max = 0; is_max < 2; is_max++)
    {
      gsize   n_in = (gsize) s.channels * s.in_h * s.in_w;
      gsize   n_out = (gsize) s.channels * s.out_h * s.out_w;
      float  *in = g_new (float, n_in), *w = g_new (float, n_out);
      float  *got = g_new (float, n_in);
      double *x, *w_d, *out = g_new (double, n_out);

      ns_test_fill_random (rand, in, n_in, -1.0f, 1.0f);
      ns_test_fill_random (rand, w, n_out, -1.0f, 1.0f);
      x = to_double (in, n_in);
      w_d = to_double (w, n_out);
      run_backward (&s, is_max, in, w, NULL, FALSE, got);

      for (gsize i = 0; i < n_in; i++)
        {
          double f[2], fd;

          for (int side = 0; side < 2; side++)
            {
              x[i] = in[i] + (side ? -h : h);
              ref_pool (&s, is_max, x, out);
              f[side] = 0.0;
              for (gsize o = 0; o < n_out; o++)
                f[side] += w_d[o] * out[o];
            }
          x[i] = in[i];
          fd = (f[0] - f[1]) / (2.0 * h);
          if (fabs (fd - got[i]) > 1e-4)
            g_error ("%s finite differences C=%u in=%ux%u kernel=%u "
                     "stride=%u pad=%u ceil=1, input %zu: kernel %g, "
                     "difference quotient %g",
                     is_max ? "pool_max" : "pool_avg", s.channels, s.in_w,
                     s.in_h, s.kernel, s.stride, s.pad, i, got[i], fd);
        }
      g_free (in);
      g_free (w);
      g_free (got);
      g_free (x);
      g_free (w_d);
      g_free (out);
    }
  g_rand_free (rand);
}

/* Output sizes against values worked out by hand. */
static void
test_pool_out_size (void)
{
  static const guint cases[][6] = {   /* n, kernel, stride, pad, floor, ceil */
    { 224, 2, 2, 0, 112, 112 }, { 6, 3, 2, 0, 2, 3 }, { 7, 3, 2, 0, 3, 3 },
    { 6, 2, 2, 1, 4, 4 }, { 5, 3, 3, 1, 2, 2 }, { 112, 3, 2, 0, 55, 56 },
    { 111, 3, 2, 0, 55, 55 }, { 1, 2, 2, 0, 0, 0 }, { 1, 3, 2, 1, 1, 1 },
    { 4, 1, 3, 0, 2, 2 },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    for (int mode = 0; mode < 2; mode++)
      {
        const guint *c = cases[i];
        guint got = ns_op_pool_out_size (c[0], c[1], c[2], c[3], mode);

        if (got != c[4 + mode])
          g_error ("pool out size n=%u kernel=%u stride=%u pad=%u ceil=%d: "
                   "%u, want %u", c[0], c[1], c[2], c[3], mode, got,
                   c[4 + mode]);
      }
}

/* Shapes the kernels cannot handle come back as errors. */
static void
test_pool_refusals (void)
{
  NsPoolShape  s = { 1, 4, 4, 2, 2, 2, 2, 2 };   /* pad == kernel */
  NsVkBuffer   a, b;
  NsVkCommands commands;
  GError      *error = NULL;

  ns_test_buffer_init (ctx, &a, NULL, 16);
  ns_test_buffer_init (ctx, &b, NULL, 4);
  ns_test_commands_begin (ctx, &commands, 1);
  g_assert_false (ns_op_pool_max_record (&kernels, &commands, &s, &a, &b,
                                         &b, &error));
  g_assert_error (error, NS_ERROR, NS_ERROR_BAD_INPUT);
  g_clear_error (&error);

  s.pad = 0;
  s.in_h = 8;                                     /* buffer a too small */
  g_assert_false (ns_op_pool_avg_record (&kernels, &commands, &s, &a, &b,
                                         &error));
  g_assert_error (error, NS_ERROR, NS_ERROR_BAD_INPUT);
  g_clear_error (&error);
  ns_test_commands_run (ctx, &commands);
  ns_vk_buffer_free (ctx, &a);
  ns_vk_buffer_free (ctx, &b);
}

int
main (int    argc,
      char **argv)
{
  static const NsTestCase suite[] = {
    { "/vk/pool/out-size", test_pool_out_size },
    { "/vk/pool/kernels", test_pool_kernels },
    { "/vk/pool/finite-differences", test_pool_finite_differences },
    { "/vk/pool/refusals", test_pool_refusals },
  };

  return ns_test_kernels_main (&argc, &argv, suite, G_N_ELEMENTS (suite),
                               &ctx, &kernels);
}

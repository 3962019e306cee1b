/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The engine's host-side image helpers against hand-computed answers. */
#include <math.h>
#include <string.h>

#include "ns-image.h"

static void
image_random (NsImage *image,
              guint    width,
              guint    height,
              guint32  seed)
{
  GRand *rand = g_rand_new_with_seed (seed);

  ns_image_init (image, width, height);
  for (gsize i = 0; i < (gsize) width * height * 3; i++)
    image->pixels[i] = (float) g_rand_double (rand);
  g_rand_free (rand);
}

/* Resizing keeps a flat image flat, keeps the size asked for, and a
 * halving averages 2x2 blocks' worth of the source. */
static void
test_resize (void)
{
  static const guint sizes[][4] = {
    { 7, 5, 7, 5 }, { 7, 5, 3, 2 }, { 3, 500, 1, 170 }, { 1, 1, 9, 4 },
    { 257, 129, 128, 64 }, { 4, 4, 13, 13 },
  };

  for (gsize s = 0; s < G_N_ELEMENTS (sizes); s++)
    {
      NsImage flat, out;

      ns_image_init (&flat, sizes[s][0], sizes[s][1]);
      for (gsize i = 0; i < (gsize) sizes[s][0] * sizes[s][1] * 3; i++)
        flat.pixels[i] = 0.25f + 0.25f * (i % 3);
      ns_image_resize (&flat, sizes[s][2], sizes[s][3], &out);
      g_assert_cmpuint (out.width, ==, sizes[s][2]);
      g_assert_cmpuint (out.height, ==, sizes[s][3]);
      for (gsize i = 0; i < (gsize) out.width * out.height * 3; i++)
        if (fabsf (out.pixels[i] - (0.25f + 0.25f * (i % 3))) > 1e-5f)
          g_error ("resize %ux%u -> %ux%u: value %g at %" G_GSIZE_FORMAT,
                   sizes[s][0], sizes[s][1], sizes[s][2], sizes[s][3],
                   out.pixels[i], i);
      ns_image_clear (&flat);
      ns_image_clear (&out);
    }
}

static void
test_resize_average (void)
{
  NsImage src, out;
  double  mean_src = 0.0, mean_out = 0.0;

  image_random (&src, 64, 48, 1);
  ns_image_resize (&src, 16, 12, &out);
  for (gsize i = 0; i < 64 * 48 * 3; i++)
    mean_src += src.pixels[i] / (64.0 * 48 * 3);
  for (gsize i = 0; i < 16 * 12 * 3; i++)
    mean_out += out.pixels[i] / (16.0 * 12 * 3);
  /* Shrinking filters, so the mean stays and the noise shrinks. */
  g_assert_cmpfloat (fabs (mean_src - mean_out), <, 0.01);
  ns_image_clear (&src);
  ns_image_clear (&out);
}

/* Where pixel @i of a padded row comes from, for a source of @n pixels
 * placed at @offset: reflected at each end (edge pixels once) until it
 * lands inside. */
static guint
reflected (guint i,
           guint offset,
           guint n)
{
  int j = (int) i - (int) offset;

  if (n == 1)
    return 0;
  while (j < 0 || j >= (int) n)
    j = j < 0 ? -j : 2 * ((int) n - 1) - j;

  return (guint) j;
}

/* Padding mirrors the source out to every side, whatever its size and
 * place, and cropping at the same place gives the source back. */
static void
test_pad_crop (void)
{
  /* source width, height, left, top, padded width, height */
  static const guint cases[][6] = {
    { 3, 5, 0, 0, 11, 9 }, { 3, 5, 4, 2, 11, 9 }, { 1, 2, 3, 5, 7, 12 },
    { 2, 1, 6, 0, 9, 4 }, { 6, 4, 8, 8, 22, 20 },
  };

  for (guint k = 0; k < G_N_ELEMENTS (cases); k++)
    {
      const guint *t = cases[k];
      NsImage      src, padded, back;

      image_random (&src, t[0], t[1], 2 + k);
      ns_image_pad (&src, t[2], t[3], t[4], t[5], &padded);
      g_assert_cmpuint (padded.width, ==, t[4]);
      g_assert_cmpuint (padded.height, ==, t[5]);
      for (guint y = 0; y < t[5]; y++)
        for (guint x = 0; x < t[4]; x++)
          {
            const float *want = src.pixels +
              ((gsize) reflected (y, t[3], t[1]) * t[0] +
               reflected (x, t[2], t[0])) * 3;
            const float *got = padded.pixels + ((gsize) y * t[4] + x) * 3;

            if (memcmp (want, got, 3 * sizeof (float)) != 0)
              g_error ("%ux%u at (%u, %u) in %ux%u: pixel (%u, %u) is not "
                       "its mirror", t[0], t[1], t[2], t[3], t[4], t[5], x,
                       y);
          }
      ns_image_crop (&padded, t[2], t[3], t[0], t[1], &back);
      g_assert_cmpmem (back.pixels, (gsize) t[0] * t[1] * 3 * sizeof (float),
                       src.pixels, (gsize) t[0] * t[1] * 3 * sizeof (float));
      ns_image_clear (&src);
      ns_image_clear (&padded);
      ns_image_clear (&back);
    }
}

/* A gray result over coloured content takes the content's chroma and
 * keeps its own luma. */
static void
test_keep_colors (void)
{
  NsImage result, content;
  float   content_rgb[3] = { 0.8f, 0.3f, 0.1f };

  ns_image_init (&result, 1, 1);
  ns_image_init (&content, 1, 1);
  for (guint c = 0; c < 3; c++)
    {
      result.pixels[c] = 0.5f;
      content.pixels[c] = content_rgb[c];
    }
  ns_image_keep_colors (&result, &content);
  {
    float *r = result.pixels;
    float  y = 0.299f * r[0] + 0.587f * r[1] + 0.114f * r[2];

    g_assert_cmpfloat (fabsf (y - 0.5f), <, 1e-4f);
    /* The content's hue: red above green above blue. */
    g_assert_cmpfloat (r[0], >, r[1]);
    g_assert_cmpfloat (r[1], >, r[2]);
    /* Same chroma differences as the content. */
    g_assert_cmpfloat (fabsf ((r[0] - r[1]) - (0.8f - 0.3f)), <, 1e-4f);
  }
  ns_image_clear (&result);
  ns_image_clear (&content);
}

static void
test_noise (void)
{
  NsImage a, b, c;

  ns_image_init (&a, 8, 8);
  ns_image_init (&b, 8, 8);
  ns_image_init (&c, 8, 8);
  ns_image_add_noise (&a, 7, 0.0f);
  ns_image_add_noise (&b, 7, 0.0f);
  ns_image_add_noise (&c, 8, 0.0f);
  g_assert_cmpmem (a.pixels, 8 * 8 * 3 * sizeof (float),
                   b.pixels, 8 * 8 * 3 * sizeof (float));
  g_assert_false (memcmp (a.pixels, c.pixels, 8 * 8 * 3 * sizeof (float)) == 0);
  ns_image_clear (&a);
  ns_image_clear (&b);
  ns_image_clear (&c);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/image/resize", test_resize);
  g_test_add_func ("/image/resize-average", test_resize_average);
  g_test_add_func ("/image/pad-crop", test_pad_crop);
  g_test_add_func ("/image/keep-colors", test_keep_colors);
  g_test_add_func ("/image/noise", test_noise);

  return g_test_run ();
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Weights in host memory, the format dispatch, the half-float conversions
 * and the search for a network's weights file. */
#include "ns-weights-private.h"

#include <math.h>
#include <stdarg.h>
#include <string.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "ns-error.h"
#include "ns-settings.h"

NsWeights *
ns_weights_new (const NsNet *net,
                guint        n_layers)
{
  NsWeights *weights = g_new0 (NsWeights, 1);

  weights->net = net;
  weights->n_layers = MIN (n_layers, net->n_layers);
  weights->convs = g_new0 (NsConvWeights, MAX (weights->n_layers, 1));

  for (guint i = 0; i < weights->n_layers; i++)
    {
      const NsLayer *layer = &net->layers[i];
      NsConvWeights *conv = &weights->convs[i];
      gsize          n;

      if (layer->kind != NS_LAYER_CONV)
        continue;

      conv->out_channels = layer->out_channels;
      conv->in_channels = ns_net_layer_channels (net, layer->inputs[0]);
      conv->kernel = layer->kernel;
      n = (gsize) conv->out_channels * conv->in_channels *
          conv->kernel * conv->kernel;
      conv->weight = g_new0 (float, n);
      conv->bias = g_new0 (float, conv->out_channels);
    }

  return weights;
}

void
ns_weights_free (NsWeights *weights)
{
  if (weights == NULL)
    return;

  for (guint i = 0; i < weights->n_layers; i++)
    {
      g_free (weights->convs[i].weight);
      g_free (weights->convs[i].bias);
    }
  g_free (weights->convs);
  g_free (weights);
}

void
ns_weights_free_and_trim (NsWeights *weights)
{
  ns_weights_free (weights);
#ifdef __GLIBC__
  /* glibc keeps freed heap pages in the process; the weights are a run's
   * largest host allocation, worth handing back. */
  malloc_trim (0);
#endif
}

gboolean
ns_weights_fail (GError    **error,
                 const char *path,
                 const char *tensor,
                 const char *format,
                 ...)
{
  va_list  args;
  char    *message;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  if (tensor != NULL)
    g_set_error (error, NS_ERROR, NS_ERROR_WEIGHTS,
                 "Weights file %s: tensor %s: %s", path, tensor, message);
  else
    g_set_error (error, NS_ERROR, NS_ERROR_WEIGHTS,
                 "Weights file %s: %s", path, message);
  g_free (message);

  return FALSE;
}

gboolean
ns_weights_check_finite (const NsWeights *weights,
                         guint            index,
                         const char      *path,
                         GError         **error)
{
  const NsLayer       *layer = &weights->net->layers[index];
  const NsConvWeights *conv = &weights->convs[index];
  gsize n = (gsize) conv->out_channels * conv->in_channels *
            conv->kernel * conv->kernel;

  for (gsize i = 0; i < n; i++)
    if (!isfinite (conv->weight[i]))
      return ns_weights_fail (error, path, layer->weight_name,
                              "element %" G_GSIZE_FORMAT " is %g; weights "
                              "must be finite numbers", i, conv->weight[i]);

  for (guint i = 0; i < conv->out_channels; i++)
    if (!isfinite (conv->bias[i]))
      return ns_weights_fail (error, path, layer->bias_name,
                              "element %u is %g; biases must be finite "
                              "numbers", i, conv->bias[i]);

  return TRUE;
}

NsWeights *
ns_weights_load (const NsNet *net,
                 const char  *path,
                 guint        n_layers,
                 GError     **error)
{
  if (g_str_has_suffix (path, ".net"))
    {
      if (!net->deep_compression)
        {
          ns_weights_fail (error, path, NULL,
                           "%s weights do not come as Deep Compression "
                           ".net files; use a .safetensors file",
                           net->title);
          return NULL;
        }
      return ns_weights_load_deep_compression (net, path, n_layers, error);
    }

  return ns_weights_load_safetensors (net, path, n_layers, error);
}

float
ns_weights_half_to_float (guint16 half)
{
  guint  exponent = (half >> 10) & 0x1f;
  guint  mantissa = half & 0x3ff;
  float  value;

  if (exponent == 0)
    value = ldexpf ((float) mantissa, -24);
  else if (exponent == 31)
    value = mantissa != 0 ? NAN : INFINITY;
  else
    value = ldexpf ((float) (mantissa | 0x400), (int) exponent - 25);

  return (half & 0x8000) != 0 ? -value : value;
}

/* Drops the low @shift bits of @bits, rounding to nearest, ties to even. */
static guint32
round_shift (guint32 bits,
             guint   shift)
{
  guint32 kept = bits >> shift;
  guint32 rest = bits & ((1u << shift) - 1);
  guint32 half_way = 1u << (shift - 1);

  if (rest > half_way || (rest == half_way && (kept & 1) != 0))
    kept++;

  return kept;
}

guint16
ns_weights_float_to_half (float value)
{
  guint32 bits, sign;
  int     exponent;

  memcpy (&bits, &value, sizeof bits);
  sign = (bits >> 16) & 0x8000;
  bits &= 0x7fffffff;

  if (bits >= 0x7f800000)  /* infinity or NaN (kept quiet) */
    return sign | 0x7c00 | (bits > 0x7f800000 ? 0x200 : 0);

  exponent = (int) (bits >> 23) - 127 + 15;
  if (exponent >= 31)
    return sign | 0x7c00;
  if (exponent <= 0)
    {
      /* Subnormal half: the unit is 2^-24; a carry makes it normal. */
      if (exponent < -10)
        return sign;
      return sign | round_shift ((bits & 0x7fffff) | 0x800000,
                                 (guint) (14 - exponent));
    }

  /* A carry out of the mantissa correctly bumps the exponent, up to
   * infinity. */
  return sign | round_shift (((guint32) exponent << 23) | (bits & 0x7fffff),
                             13);
}

char *
ns_weights_user_dir (void)
{
  return g_build_filename (g_get_user_data_dir (), "neural-style", "weights",
                           NULL);
}

const char *
ns_weights_system_dir (void)
{
  return NS_WEIGHTS_SYSTEM_DIR;
}

/* The folders searched, in order; free with g_strfreev. */
static char **
search_dirs (void)
{
  GStrvBuilder *builder = g_strv_builder_new ();
  const char   *env_dir = ns_settings_get ()->weights_dir;
  char        **dirs;

  if (env_dir != NULL)
    g_strv_builder_add (builder, env_dir);
  g_strv_builder_take (builder, ns_weights_user_dir ());
  g_strv_builder_add (builder, ns_weights_system_dir ());
  dirs = g_strv_builder_end (builder);
  g_strv_builder_unref (builder);

  return dirs;
}

static void
set_missing_error (const NsNet  *net,
                   char        **dirs,
                   GError      **error)
{
  char *names = g_strjoinv (", ", (char **) net->weight_files);
  char *folders = g_strjoinv (", ", dirs);

  g_set_error (error, NS_ERROR, NS_ERROR_WEIGHTS,
               "No weights file for %s: looked for %s in %s. Download it "
               "with: neural-style-fetch-weights --net %s "
               "(weights/fetch-weights in the source tree), or set "
               "NEURAL_STYLE_WEIGHTS to the folder that holds it.",
               net->title, names, folders, net->name);
  g_free (names);
  g_free (folders);
}

char *
ns_weights_find (const NsNet *net,
                 const char  *explicit_path,
                 GError     **error)
{
  char **dirs;

  if (explicit_path != NULL)
    {
      if (g_file_test (explicit_path, G_FILE_TEST_IS_REGULAR))
        return g_strdup (explicit_path);
      g_set_error (error, NS_ERROR, NS_ERROR_WEIGHTS,
                   "Weights file %s does not exist or is not a file",
                   explicit_path);
      return NULL;
    }

  dirs = search_dirs ();
  for (guint d = 0; dirs[d] != NULL; d++)
    for (guint f = 0; net->weight_files[f] != NULL; f++)
      {
        char *path = g_build_filename (dirs[d], net->weight_files[f], NULL);

        if (g_file_test (path, G_FILE_TEST_IS_REGULAR))
          {
            g_strfreev (dirs);
            return path;
          }
        g_free (path);
      }

  set_missing_error (net, dirs, error);
  g_strfreev (dirs);

  return NULL;
}

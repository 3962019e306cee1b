/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Reader of the Deep Compression .net files (Han et al. 2016), all
 * little-endian: one uint32 count of stored weights (nnz) per conv layer,
 * in table order; then per conv layer a codebook of 256 float32, Cout
 * float32 biases, nnz uint8 codebook indices and ceil (nnz / 2) bytes of
 * 4-bit gaps, low nibble first.  Stored weight k sits at flat position
 *   p_k = p_(k-1) + gap_k + 1,   p_0 = -1,
 * of the layer's [Cout][Cin][kh][kw] array; the others are zero.  The
 * file must end exactly after the last layer. */
#include "ns-weights-private.h"

#include <string.h>

#define CODEBOOK_SIZE 256

typedef struct
{
  const guint8 *data;
  gsize         size;
  gsize         pos;
} Reader;

/* The next @n bytes, or NULL when the file ends first. */
static const guint8 *
reader_take (Reader *reader,
             gsize   n)
{
  const guint8 *p;

  if (n > reader->size - reader->pos)
    return NULL;
  p = reader->data + reader->pos;
  reader->pos += n;

  return p;
}

static float
read_float (const guint8 *p)
{
  guint32 bits = (guint32) p[0] | (guint32) p[1] << 8 |
                 (guint32) p[2] << 16 | (guint32) p[3] << 24;
  float   value;

  memcpy (&value, &bits, sizeof value);

  return value;
}

/* Decodes one layer of @nnz stored weights into @conv. */
static gboolean
decode_layer (Reader        *reader,
              guint32        nnz,
              NsConvWeights *conv,
              const char    *path,
              const char    *name,
              GError       **error)
{
  gsize         n = (gsize) conv->out_channels * conv->in_channels *
                    conv->kernel * conv->kernel;
  const guint8 *codebook, *bias, *indices, *gaps;
  gint64        pos = -1;

  if (nnz > n)
    return ns_weights_fail (error, path, name, "%u stored weights, the "
                            "layer has only %" G_GSIZE_FORMAT, nnz, n);

  codebook = reader_take (reader, CODEBOOK_SIZE * 4);
  bias = codebook ? reader_take (reader, (gsize) conv->out_channels * 4)
                  : NULL;
  indices = bias ? reader_take (reader, nnz) : NULL;
  gaps = indices ? reader_take (reader, (nnz + 1) / 2) : NULL;
  if (gaps == NULL)
    return ns_weights_fail (error, path, name, "the file ends inside this "
                            "layer (at byte %" G_GSIZE_FORMAT ")",
                            reader->size);

  for (guint c = 0; c < conv->out_channels; c++)
    conv->bias[c] = read_float (bias + 4 * c);

  for (guint32 k = 0; k < nnz; k++)
    {
      guint gap = (k % 2 == 0) ? (gaps[k / 2] & 0xf) : (gaps[k / 2] >> 4);

      pos += gap + 1;
      if (pos >= (gint64) n)
        return ns_weights_fail (error, path, name, "stored weight %u falls "
                                "at position %" G_GINT64_FORMAT ", past the "
                                "layer's %" G_GSIZE_FORMAT " weights", k, pos,
                                n);
      conv->weight[pos] = read_float (codebook + 4 * indices[k]);
    }

  return TRUE;
}

static gboolean
decode_file (NsWeights    *weights,
             const guint8 *data,
             gsize         size,
             const char   *path,
             GError      **error)
{
  const NsNet  *net = weights->net;
  Reader        reader = { data, size, 0 };
  const guint8 *counts;
  guint         n_convs = 0, c = 0;

  for (guint i = 0; i < net->n_layers; i++)
    n_convs += net->layers[i].kind == NS_LAYER_CONV;

  counts = reader_take (&reader, (gsize) n_convs * 4);
  if (counts == NULL)
    return ns_weights_fail (error, path, NULL, "%" G_GSIZE_FORMAT " bytes "
                            "cannot hold the %u layer counts of a Deep "
                            "Compression %s file", size, n_convs, net->title);

  for (guint i = 0; i < net->n_layers; i++)
    {
      const NsLayer *layer = &net->layers[i];
      const guint8  *p = counts + 4 * c;
      guint32        nnz;

      if (layer->kind != NS_LAYER_CONV)
        continue;
      nnz = (guint32) p[0] | (guint32) p[1] << 8 | (guint32) p[2] << 16 |
            (guint32) p[3] << 24;
      c++;
      if (!decode_layer (&reader, nnz, &weights->convs[i], path,
                         layer->weight_name, error) ||
          !ns_weights_check_finite (weights, i, path, error))
        return FALSE;
    }

  if (reader.pos != size)
    return ns_weights_fail (error, path, NULL, "%" G_GSIZE_FORMAT " bytes "
                            "left over after the last layer; not a Deep "
                            "Compression %s file", size - reader.pos,
                            net->title);

  return TRUE;
}

NsWeights *
ns_weights_load_deep_compression (const NsNet *net,
                                  const char  *path,
                                  guint        n_layers,
                                  GError     **error)
{
  GMappedFile *file;
  GError      *file_error = NULL;
  NsWeights   *all, *weights;

  file = g_mapped_file_new (path, FALSE, &file_error);
  if (file == NULL)
    {
      ns_weights_fail (error, path, NULL, "%s", file_error->message);
      g_error_free (file_error);
      return NULL;
    }

  /* The file holds every layer, so all are decoded, then the first
   * @n_layers kept. */
  all = ns_weights_new (net, net->n_layers);
  if (!decode_file (all, (const guint8 *) g_mapped_file_get_contents (file),
                    g_mapped_file_get_length (file), path, error))
    {
      ns_weights_free (all);
      g_mapped_file_unref (file);
      return NULL;
    }
  g_mapped_file_unref (file);

  weights = ns_weights_new (net, 0);
  weights->n_layers = MIN (n_layers, net->n_layers);
  weights->convs = g_renew (NsConvWeights, weights->convs,
                            MAX (weights->n_layers, 1));
  memcpy (weights->convs, all->convs,
          weights->n_layers * sizeof *weights->convs);
  for (guint i = 0; i < weights->n_layers; i++)
    all->convs[i] = (NsConvWeights) { 0 };
  ns_weights_free (all);

  return weights;
}

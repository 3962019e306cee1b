/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Network weights: safetensors and SqueezeNet Deep Compression files. */
#include "ns-weights.h"

#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#include "ns-settings.h"

struct _NsWeights
{
  const NsNet *net;
  char        *path;
  float      **weight;   /* per layer; NULL for layers without weights */
  float      **bias;
};

/* Shapes. */

static guint
conv_in_channels (const NsNet *net,
                  guint        index)
{
  return ns_net_layer_channels (net, net->layers[index].inputs[0]);
}

gsize
ns_weights_weight_size (const NsNet *net,
                        guint        index)
{
  const NsLayer *layer = &net->layers[index];

  if (layer->kind != NS_LAYER_CONV)
    return 0;

  return (gsize) layer->out_channels * conv_in_channels (net, index) *
         layer->kernel * layer->kernel;
}

static NsWeights *
weights_new (const NsNet *net,
             const char  *path)
{
  NsWeights *weights = g_new0 (NsWeights, 1);

  weights->net = net;
  weights->path = g_strdup (path);
  weights->weight = g_new0 (float *, net->n_layers);
  weights->bias = g_new0 (float *, net->n_layers);

  return weights;
}

void
ns_weights_free (NsWeights *weights)
{
  if (weights == NULL)
    return;
  for (guint i = 0; i < weights->net->n_layers; i++)
    {
      g_free (weights->weight[i]);
      g_free (weights->bias[i]);
    }
  g_free (weights->weight);
  g_free (weights->bias);
  g_free (weights->path);
  g_free (weights);
}

const NsNet *
ns_weights_get_net (const NsWeights *weights)
{
  return weights->net;
}

const char *
ns_weights_get_path (const NsWeights *weights)
{
  return weights->path;
}

const float *
ns_weights_get_weight (const NsWeights *weights,
                       guint            index)
{
  return index < weights->net->n_layers ? weights->weight[index] : NULL;
}

const float *
ns_weights_get_bias (const NsWeights *weights,
                     guint            index)
{
  return index < weights->net->n_layers ? weights->bias[index] : NULL;
}

NsWeights *
ns_weights_new_from_data (const NsNet         *net,
                          const float * const *weight,
                          const float * const *bias)
{
  NsWeights *weights = weights_new (net, "(memory)");

  for (guint i = 0; i < net->n_layers; i++)
    if (net->layers[i].kind == NS_LAYER_CONV)
      {
        weights->weight[i] = g_memdup2 (weight[i],
                                        ns_weights_weight_size (net, i) *
                                        sizeof (float));
        weights->bias[i] = g_memdup2 (bias[i], net->layers[i].out_channels *
                                               sizeof (float));
      }

  return weights;
}

/* Every value finite, or an error naming the tensor. */
static gboolean
values_check (const float *values,
              gsize        n,
              const char  *path,
              const char  *tensor,
              GError     **error)
{
  for (gsize i = 0; i < n; i++)
    if (!isfinite (values[i]))
      {
        g_set_error (error, NS_ERROR, NS_ERROR_WEIGHTS,
                     "%s: tensor %s holds a value that is not a finite "
                     "number (at %" G_GSIZE_FORMAT "); the file is damaged",
                     path, tensor, i);
        return FALSE;
      }

  return TRUE;
}

/* safetensors: 8 bytes of header length (little-endian), a JSON header
 * {"name": {"dtype": "F32", "shape": [...], "data_offsets": [b, e]}, ...},
 * then the data; offsets count from the end of the header. */

typedef struct
{
  const char   *path;
  const guint8 *data;       /* after the header */
  guint64       data_size;
  JsonObject   *header;
} SafeTensors;

static float
half_to_float (guint16 h)
{
  guint32 sign = (guint32) (h & 0x8000) << 16;
  guint32 exponent = (h >> 10) & 0x1f;
  guint32 mantissa = h & 0x3ff;
  guint32 bits;
  float   value;

  if (exponent == 0)
    {
      /* Zero or subnormal: mantissa * 2^-24. */
      value = ldexpf ((float) mantissa, -24);
      return sign ? -value : value;
    }
  if (exponent == 31)
    bits = sign | 0x7f800000 | (mantissa << 13);
  else
    bits = sign | ((exponent + 112) << 23) | (mantissa << 13);
  memcpy (&value, &bits, sizeof value);

  return value;
}

static gboolean
shape_matches (JsonArray    *shape,
               const guint64 *want,
               guint          n_want)
{
  if (shape == NULL || json_array_get_length (shape) != n_want)
    return FALSE;
  for (guint i = 0; i < n_want; i++)
    {
      JsonNode *node = json_array_get_element (shape, i);

      if (json_node_get_value_type (node) != G_TYPE_INT64 ||
          json_node_get_int (node) < 0 ||
          (guint64) json_node_get_int (node) != want[i])
        return FALSE;
    }

  return TRUE;
}

static char *
shape_describe (const guint64 *shape,
                guint          n)
{
  GString *text = g_string_new ("[");

  for (guint i = 0; i < n; i++)
    g_string_append_printf (text, "%s%" G_GUINT64_FORMAT, i ? ", " : "",
                            shape[i]);
  g_string_append_c (text, ']');

  return g_string_free (text, FALSE);
}

/* Reads tensor @name of @shape (n dims) into a new float array. */
static float *
tensor_read (const SafeTensors *file,
             const char        *name,
             const guint64     *shape,
             guint              n_dims,
             GError           **error)
{
  JsonNode   *node = json_object_get_member (file->header, name);
  JsonObject *tensor;
  JsonArray  *offsets;
  const char *dtype;
  guint64     count = 1, begin, end, size;
  float      *values;

  for (guint i = 0; i < n_dims; i++)
    count *= shape[i];

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error (error, NS_ERROR, NS_ERROR_WEIGHTS,
                   "%s: tensor %s is missing; the file does not hold these "
                   "network weights", file->path, name);
      return NULL;
    }
  tensor = json_node_get_object (node);
  dtype = json_object_has_member (tensor, "dtype") ?
          json_object_get_string_member_with_default (tensor, "dtype", "") : "";
  if (strcmp (dtype, "F32") != 0 && strcmp (dtype, "F16") != 0)
    {
      g_set_error (error, NS_ERROR, NS_ERROR_WEIGHTS,
                   "%s: tensor %s has type \"%s\"; F32 and F16 are supported",
                   file->path, name, dtype);
      return NULL;
    }
  if (!json_object_has_member (tensor, "shape") ||
      !JSON_NODE_HOLDS_ARRAY (json_object_get_member (tensor, "shape")) ||
      !shape_matches (json_object_get_array_member (tensor, "shape"), shape,
                      n_dims))
    {
      char *want = shape_describe (shape, n_dims);

      g_set_error (error, NS_ERROR, NS_ERROR_WEIGHTS,
                   "%s: tensor %s does not have the shape %s the network "
                   "needs", file->path, name, want);
      g_free (want);
      return NULL;
    }

  offsets = json_object_has_member (tensor, "data_offsets") &&
            JSON_NODE_HOLDS_ARRAY (json_object_get_member (tensor,
                                                           "data_offsets")) ?
            json_object_get_array_member (tensor, "data_offsets") : NULL;
  size = count * (dtype[1] == '3' ? 4 : 2);
  if (offsets == NULL || json_array_get_length (offsets) != 2 ||
      json_node_get_value_type (json_array_get_element (offsets, 0)) != G_TYPE_INT64 ||
      json_node_get_value_type (json_array_get_element (offsets, 1)) != G_TYPE_INT64 ||
      json_array_get_int_element (offsets, 0) < 0 ||
      json_array_get_int_element (offsets, 1) < 0 ||
      (begin = json_array_get_int_element (offsets, 0)) >
      (end = json_array_get_int_element (offsets, 1)) ||
      end > file->data_size || end - begin != size)
    {
      g_set_error (error, NS_ERROR, NS_ERROR_WEIGHTS,
                   "%s: tensor %s has data offsets outside the file or of "
                   "the wrong length; the file is damaged or truncated",
                   file->path, name);
      return NULL;
    }

  values = g_new (float, MAX (count, 1));
  if (dtype[1] == '3')
    {
      for (guint64 i = 0; i < count; i++)
        {
          guint32 bits;

          memcpy (&bits, file->data + begin + 4 * i, sizeof bits);
          bits = GUINT32_FROM_LE (bits);
          memcpy (&values[i], &bits, sizeof bits);
        }
    }
  else
    for (guint64 i = 0; i < count; i++)
      {
        guint16 bits;

        memcpy (&bits, file->data + begin + 2 * i, sizeof bits);
        values[i] = half_to_float (GUINT16_FROM_LE (bits));
      }

  if (!values_check (values, count, file->path, name, error))
    g_clear_pointer (&values, g_free);

  return values;
}

static gboolean
safetensors_layers_read (const SafeTensors *file,
                         NsWeights         *weights,
                         guint              n_layers,
                         GError           **error)
{
  const NsNet *net = weights->net;

  for (guint i = 0; i < n_layers; i++)
    {
      const NsLayer *layer = &net->layers[i];
      guint64        w_shape[4], b_shape[1];

      if (layer->kind != NS_LAYER_CONV)
        continue;
      w_shape[0] = layer->out_channels;
      w_shape[1] = conv_in_channels (net, i);
      w_shape[2] = w_shape[3] = layer->kernel;
      b_shape[0] = layer->out_channels;
      weights->weight[i] = tensor_read (file, layer->weight_name, w_shape, 4,
                                        error);
      if (weights->weight[i] == NULL)
        return FALSE;
      weights->bias[i] = tensor_read (file, layer->bias_name, b_shape, 1,
                                      error);
      if (weights->bias[i] == NULL)
        return FALSE;
    }

  return TRUE;
}

static gboolean
safetensors_header_parse (const guint8 *contents,
                          gsize         length,
                          SafeTensors  *file,
                          JsonParser   *parser,
                          GError      **error)
{
  guint64  header_size;
  JsonNode *root;
  GError  *json_error = NULL;

  if (length < 8)
    {
      g_set_error (error, NS_ERROR, NS_ERROR_WEIGHTS,
                   "%s: the file is too short to be a weights file",
                   file->path);
      return FALSE;
    }
  memcpy (&header_size, contents, sizeof header_size);
  header_size = GUINT64_FROM_LE (header_size);
  if (header_size == 0 || header_size > length - 8 || header_size > 100 << 20)
    {
      g_set_error (error, NS_ERROR, NS_ERROR_WEIGHTS,
                   "%s: the header claims %" G_GUINT64_FORMAT " bytes but "
                   "the file has %" G_GSIZE_FORMAT "; it is truncated or not "
                   "a safetensors file", file->path, header_size, length);
      return FALSE;
    }
  if (!json_parser_load_from_data (parser, (const char *) contents + 8,
                                   (gssize) header_size, &json_error))
    {
      g_set_error (error, NS_ERROR, NS_ERROR_WEIGHTS,
                   "%s: the header is not valid JSON (%s)", file->path,
                   json_error->message);
      g_error_free (json_error);
      return FALSE;
    }
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error (error, NS_ERROR, NS_ERROR_WEIGHTS,
                   "%s: the header is not a JSON object", file->path);
      return FALSE;
    }
  file->header = json_node_get_object (root);
  file->data = contents + 8 + header_size;
  file->data_size = length - 8 - header_size;

  return TRUE;
}

static NsWeights *
safetensors_load (const NsNet  *net,
                  const char   *path,
                  const guint8 *contents,
                  gsize         length,
                  GError      **error)
{
  SafeTensors file = { .path = path };
  JsonParser *parser = json_parser_new_immutable ();
  NsWeights  *weights = weights_new (net, path);
  gboolean    ok;

  ok = safetensors_header_parse (contents, length, &file, parser, error) &&
       safetensors_layers_read (&file, weights, net->n_layers, error);
  g_object_unref (parser);
  if (!ok)
    g_clear_pointer (&weights, ns_weights_free);

  return weights;
}

/* SqueezeNet v1.0 Deep Compression (.net): 26 uint32 counts of stored
 * weights, then per conv layer in table order a codebook of 256 float32,
 * Cout float32 biases, one uint8 codebook index per stored weight and
 * ceil (nnz / 2) bytes of 4-bit gaps, low nibble first.  Stored weight k
 * sits at flat position p_k = p_(k-1) + gap_k + 1 (p_0 = -1) of the
 * [Cout][Cin][k][k] array; all others are zero. */

#define DC_N_LAYERS 26

typedef struct
{
  const char   *path;
  const guint8 *at;
  gsize         left;
} Reader;

static const guint8 *
reader_take (Reader  *reader,
             gsize    size,
             GError **error)
{
  const guint8 *at = reader->at;

  if (size > reader->left)
    {
      g_set_error (error, NS_ERROR, NS_ERROR_WEIGHTS,
                   "%s: the file ends early; it is truncated", reader->path);
      return NULL;
    }
  reader->at += size;
  reader->left -= size;

  return at;
}

static gboolean
dc_layer_decode (Reader      *reader,
                 guint32      nnz,
                 const NsNet *net,
                 guint        index,
                 NsWeights   *weights,
                 GError     **error)
{
  const NsLayer *layer = &net->layers[index];
  gsize          size = ns_weights_weight_size (net, index);
  const guint8  *codebook_bytes, *bias_bytes, *indices, *gaps;
  float          codebook[256];
  gint64         position = -1;

  if ((codebook_bytes = reader_take (reader, sizeof codebook, error)) == NULL ||
      (bias_bytes = reader_take (reader, layer->out_channels * 4, error)) == NULL ||
      (indices = reader_take (reader, nnz, error)) == NULL ||
      (gaps = reader_take (reader, (nnz + 1) / 2, error)) == NULL)
    return FALSE;

  memcpy (codebook, codebook_bytes, sizeof codebook);
  weights->bias[index] = g_new (float, layer->out_channels);
  memcpy (weights->bias[index], bias_bytes, layer->out_channels * 4);
  weights->weight[index] = g_new0 (float, size);

  for (guint32 k = 0; k < nnz; k++)
    {
      guint gap = (gaps[k / 2] >> (k % 2 ? 4 : 0)) & 0x0f;

      position += gap + 1;
      if (position >= (gint64) size)
        {
          g_set_error (error, NS_ERROR, NS_ERROR_WEIGHTS,
                       "%s: layer %s places a weight past its %" G_GSIZE_FORMAT
                       " entries; the file is damaged", reader->path,
                       layer->name, size);
          return FALSE;
        }
      weights->weight[index][position] = codebook[indices[k]];
    }

  return values_check (weights->weight[index], size, reader->path,
                       layer->weight_name, error) &&
         values_check (weights->bias[index], layer->out_channels,
                       reader->path, layer->bias_name, error);
}

static NsWeights *
deep_compression_load (const NsNet  *net,
                       const char   *path,
                       const guint8 *contents,
                       gsize         length,
                       GError      **error)
{
  Reader        reader = { path, contents, length };
  const guint8 *counts_bytes;
  guint32       counts[DC_N_LAYERS];
  NsWeights    *weights = weights_new (net, path);
  guint         n = 0;

  if ((counts_bytes = reader_take (&reader, sizeof counts, error)) == NULL)
    goto fail;
  memcpy (counts, counts_bytes, sizeof counts);

  for (guint i = 0; i < net->n_layers; i++)
    {
      if (net->layers[i].kind != NS_LAYER_CONV)
        continue;
      if (n == DC_N_LAYERS ||
          !dc_layer_decode (&reader, GUINT32_FROM_LE (counts[n]), net, i,
                            weights, error))
        goto fail;
      n++;
    }
  if (n != DC_N_LAYERS || reader.left != 0)
    {
      g_set_error (error, NS_ERROR, NS_ERROR_WEIGHTS,
                   "%s: %" G_GSIZE_FORMAT " bytes are left over after the "
                   "last layer; this is not the SqueezeNet v1.0 Deep "
                   "Compression file", path, reader.left);
      goto fail;
    }

  return weights;

fail:
  ns_weights_free (weights);
  return NULL;
}

/* Loading. */

static gboolean
is_safetensors (const guint8 *contents,
                gsize         length)
{
  return length > 9 && contents[8] == '{';
}

NsWeights *
ns_weights_load_file (const NsNet  *net,
                      const char   *path,
                      GError      **error)
{
  GError       *map_error = NULL;
  GMappedFile  *mapped = g_mapped_file_new (path, FALSE, &map_error);
  const guint8 *contents;
  gsize         length;
  NsWeights    *weights;

  if (mapped == NULL)
    {
      g_set_error (error, NS_ERROR, NS_ERROR_WEIGHTS,
                   "Cannot read the weights file %s: %s", path,
                   map_error->message);
      g_error_free (map_error);
      return NULL;
    }
  contents = (const guint8 *) g_mapped_file_get_contents (mapped);
  length = g_mapped_file_get_length (mapped);

  if (is_safetensors (contents, length))
    weights = safetensors_load (net, path, contents, length, error);
  else if (strcmp (net->name, "squeezenet") == 0)
    weights = deep_compression_load (net, path, contents, length, error);
  else
    {
      g_set_error (error, NS_ERROR, NS_ERROR_WEIGHTS,
                   "%s is not a safetensors file", path);
      weights = NULL;
    }
  g_mapped_file_unref (mapped);

  return weights;
}

/* Searching. */

char **
ns_weights_search_dirs (void)
{
  GPtrArray *dirs = g_ptr_array_new ();

  if (ns_settings_get ()->weights_dir != NULL)
    g_ptr_array_add (dirs, g_strdup (ns_settings_get ()->weights_dir));
  g_ptr_array_add (dirs, g_build_filename (g_get_user_data_dir (),
                                           "neural-style", "weights", NULL));
  g_ptr_array_add (dirs, g_strdup (NS_WEIGHTS_SYSTEM_DIR));
  g_ptr_array_add (dirs, NULL);

  return (char **) g_ptr_array_free (dirs, FALSE);
}

static void
missing_error (const NsNet  *net,
               char        **dirs,
               GError      **error)
{
  char *names = g_strjoinv (", ", (char **) net->weight_files);
  char *places = g_strjoinv (", ", dirs);

  g_set_error (error, NS_ERROR, NS_ERROR_WEIGHTS,
               "No weights file for %s was found: looked for %s in %s. "
               "Fetch it with: weights/fetch-weights --net %s (from the "
               "source folder), or name a file with --weights FILE",
               net->title, names, places, net->name);
  g_free (names);
  g_free (places);
}

NsWeights *
ns_weights_load (const NsNet  *net,
                 const char   *path,
                 GError      **error)
{
  char     **dirs;
  NsWeights *weights = NULL;

  if (path != NULL && path[0] != '\0')
    return ns_weights_load_file (net, path, error);

  dirs = ns_weights_search_dirs ();
  for (guint d = 0; dirs[d] != NULL && weights == NULL; d++)
    for (guint f = 0; net->weight_files[f] != NULL; f++)
      {
        char *candidate = g_build_filename (dirs[d], net->weight_files[f],
                                            NULL);

        if (g_file_test (candidate, G_FILE_TEST_IS_REGULAR))
          {
            g_debug ("Weights of %s: %s", net->name, candidate);
            weights = ns_weights_load_file (net, candidate, error);
            g_free (candidate);
            g_strfreev (dirs);
            return weights;
          }
        g_free (candidate);
      }

  missing_error (net, dirs, error);
  g_strfreev (dirs);

  return NULL;
}

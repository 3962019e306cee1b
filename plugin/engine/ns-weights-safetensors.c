/* SPDX-License-Identifier: GPL-3.0-or-later */
/* safetensors reader and writer.  Layout: an 8-byte little-endian header
 * length N, N bytes of JSON mapping each tensor name to
 *   { "dtype": "F32", "shape": [d0, ...], "data_offsets": [begin, end] }
 * (plus an optional "__metadata__" object of strings), then the data
 * region; offsets are bytes from the start of that region, tensors are
 * stored row-major little-endian and may not overlap. */
#include "ns-weights-private.h"

#include <json-glib/json-glib.h>
#include <string.h>

#define MAX_DIMS 8

typedef struct
{
  const char *name;
  const char *dtype;
  guint64     shape[MAX_DIMS];
  guint       n_dims;
  guint64     begin;
  guint64     end;
} TensorInfo;

typedef struct
{
  const char   *path;
  const guint8 *data;       /* the data region */
  guint64       data_size;
  GHashTable   *tensors;    /* name -> TensorInfo, owned */
} SafeTensors;

/* A JSON integer in [0, G_MAXINT64]. */
static gboolean
node_get_count (JsonNode *node,
                guint64  *value)
{
  gint64 v;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_INT64)
    return FALSE;
  v = json_node_get_int (node);
  if (v < 0)
    return FALSE;
  *value = (guint64) v;

  return TRUE;
}

static gboolean
parse_shape (TensorInfo *info,
             JsonNode   *node)
{
  JsonArray *array;

  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    return FALSE;
  array = json_node_get_array (node);
  info->n_dims = json_array_get_length (array);
  if (info->n_dims > MAX_DIMS)
    return FALSE;
  for (guint i = 0; i < info->n_dims; i++)
    if (!node_get_count (json_array_get_element (array, i), &info->shape[i]))
      return FALSE;

  return TRUE;
}

static gboolean
parse_offsets (TensorInfo *info,
               JsonNode   *node)
{
  JsonArray *array;

  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    return FALSE;
  array = json_node_get_array (node);

  return json_array_get_length (array) == 2 &&
         node_get_count (json_array_get_element (array, 0), &info->begin) &&
         node_get_count (json_array_get_element (array, 1), &info->end);
}

/* Reads one header entry into @info; checks its form and its offsets
 * against the data region. */
static gboolean
parse_entry (SafeTensors *st,
             const char  *name,
             JsonNode    *node,
             TensorInfo  *info,
             GError     **error)
{
  JsonObject *object;
  JsonNode   *dtype;

  info->name = name;
  if (!JSON_NODE_HOLDS_OBJECT (node))
    return ns_weights_fail (error, st->path, name, "header entry is not "
                            "a JSON object");
  object = json_node_get_object (node);

  dtype = json_object_get_member (object, "dtype");
  if (dtype == NULL || !JSON_NODE_HOLDS_VALUE (dtype) ||
      json_node_get_value_type (dtype) != G_TYPE_STRING)
    return ns_weights_fail (error, st->path, name, "no dtype string");
  info->dtype = json_node_get_string (dtype);

  if (!parse_shape (info, json_object_get_member (object, "shape")))
    return ns_weights_fail (error, st->path, name, "shape is not an array "
                            "of at most %d non-negative integers", MAX_DIMS);

  if (!parse_offsets (info, json_object_get_member (object, "data_offsets")))
    return ns_weights_fail (error, st->path, name, "data_offsets is not "
                            "two non-negative integers");
  if (info->begin > info->end || info->end > st->data_size)
    return ns_weights_fail (error, st->path, name, "data_offsets [%"
                            G_GUINT64_FORMAT ", %" G_GUINT64_FORMAT "] lie "
                            "outside the data region of %" G_GUINT64_FORMAT
                            " bytes", info->begin, info->end, st->data_size);

  return TRUE;
}

static int
compare_begin (gconstpointer a,
               gconstpointer b)
{
  const TensorInfo *x = *(const TensorInfo * const *) a;
  const TensorInfo *y = *(const TensorInfo * const *) b;

  if (x->begin != y->begin)
    return x->begin < y->begin ? -1 : 1;

  return x->end < y->end ? -1 : x->end > y->end;
}

/* No two tensors may share a byte of the data region. */
static gboolean
check_overlaps (SafeTensors *st,
                GError     **error)
{
  GPtrArray     *sorted = g_hash_table_get_values_as_ptr_array (st->tensors);
  gboolean       ok = TRUE;

  g_ptr_array_sort (sorted, compare_begin);
  for (guint i = 1; ok && i < sorted->len; i++)
    {
      const TensorInfo *prev = g_ptr_array_index (sorted, i - 1);
      const TensorInfo *info = g_ptr_array_index (sorted, i);

      if (info->begin < prev->end)
        ok = ns_weights_fail (error, st->path, info->name, "bytes [%"
                              G_GUINT64_FORMAT ", %" G_GUINT64_FORMAT ") "
                              "overlap those of tensor %s", info->begin,
                              info->end, prev->name);
    }
  g_ptr_array_unref (sorted);

  return ok;
}

static gboolean
parse_header (SafeTensors *st,
              JsonNode    *root,
              GError     **error)
{
  JsonObject *object;
  GList      *members;
  gboolean    ok = TRUE;

  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return ns_weights_fail (error, st->path, NULL,
                            "the header is not a JSON object");

  object = json_node_get_object (root);
  members = json_object_get_members (object);
  for (GList *l = members; ok && l != NULL; l = l->next)
    {
      const char *name = l->data;
      TensorInfo *info;

      if (strcmp (name, "__metadata__") == 0)
        continue;
      info = g_new0 (TensorInfo, 1);
      g_hash_table_insert (st->tensors, (char *) name, info);
      ok = parse_entry (st, name, json_object_get_member (object, name),
                        info, error);
    }
  g_list_free (members);

  return ok && check_overlaps (st, error);
}

/* "[64, 3, 3, 3]" */
static char *
format_shape (const guint64 *shape,
              guint          n_dims)
{
  GString *text = g_string_new ("[");

  for (guint i = 0; i < n_dims; i++)
    g_string_append_printf (text, "%s%" G_GUINT64_FORMAT, i ? ", " : "",
                            shape[i]);
  g_string_append_c (text, ']');

  return g_string_free (text, FALSE);
}

/* Copies the tensor @name, which must hold @n float32 or float16 numbers
 * shaped @shape, into @out. */
static gboolean
read_tensor (SafeTensors   *st,
             const char    *name,
             const guint64 *shape,
             guint          n_dims,
             float         *out,
             GError       **error)
{
  const TensorInfo *info = g_hash_table_lookup (st->tensors, name);
  guint64           n = 1, size;
  gboolean          half;

  if (info == NULL)
    return ns_weights_fail (error, st->path, name, "missing from the file "
                            "(is it a weights file for this network?)");

  half = strcmp (info->dtype, "F16") == 0;
  if (!half && strcmp (info->dtype, "F32") != 0)
    return ns_weights_fail (error, st->path, name, "dtype %s is not "
                            "supported (F32 or F16 only)", info->dtype);

  for (guint i = 0; i < n_dims; i++)
    n *= shape[i];
  if (info->n_dims != n_dims ||
      memcmp (info->shape, shape, n_dims * sizeof *shape) != 0)
    {
      char *got = format_shape (info->shape, info->n_dims);
      char *want = format_shape (shape, n_dims);

      ns_weights_fail (error, st->path, name, "shape is %s, the network "
                       "needs %s", got, want);
      g_free (got);
      g_free (want);
      return FALSE;
    }

  size = n * (half ? 2 : 4);
  if (info->end - info->begin != size)
    return ns_weights_fail (error, st->path, name, "data_offsets span %"
                            G_GUINT64_FORMAT " bytes, its shape and dtype "
                            "need %" G_GUINT64_FORMAT, info->end - info->begin,
                            size);

  for (guint64 i = 0; i < n; i++)
    {
      const guint8 *p = st->data + info->begin + i * (half ? 2 : 4);

      if (half)
        out[i] = ns_weights_half_to_float ((guint16) (p[0] | p[1] << 8));
      else
        {
          guint32 bits = (guint32) p[0] | (guint32) p[1] << 8 |
                         (guint32) p[2] << 16 | (guint32) p[3] << 24;

          memcpy (&out[i], &bits, sizeof bits);
        }
    }

  return TRUE;
}

static gboolean
read_convs (SafeTensors *st,
            NsWeights   *weights,
            GError     **error)
{
  for (guint i = 0; i < weights->n_layers; i++)
    {
      const NsLayer *layer = &weights->net->layers[i];
      NsConvWeights *conv = &weights->convs[i];
      guint64 shape[4] = { conv->out_channels, conv->in_channels,
                           conv->kernel, conv->kernel };

      if (layer->kind != NS_LAYER_CONV)
        continue;
      if (!read_tensor (st, layer->weight_name, shape, 4, conv->weight,
                        error) ||
          !read_tensor (st, layer->bias_name, shape, 1, conv->bias, error) ||
          !ns_weights_check_finite (weights, i, st->path, error))
        return FALSE;
    }

  return TRUE;
}

/* Checks the 8-byte length and parses the JSON header of @contents. */
static JsonParser *
open_header (SafeTensors  *st,
             const guint8 *contents,
             gsize         size,
             GError      **error)
{
  JsonParser *parser;
  GError     *json_error = NULL;
  guint64     header_size = 0;

  if (size < 8)
    {
      ns_weights_fail (error, st->path, NULL, "only %" G_GSIZE_FORMAT
                       " bytes; not a safetensors file", size);
      return NULL;
    }
  for (guint i = 0; i < 8; i++)
    header_size |= (guint64) contents[i] << (8 * i);
  if (header_size > size - 8)
    {
      ns_weights_fail (error, st->path, NULL, "the header claims %"
                       G_GUINT64_FORMAT " bytes but the file has %"
                       G_GSIZE_FORMAT "; truncated, or not a safetensors "
                       "file", header_size, size);
      return NULL;
    }

  st->data = contents + 8 + header_size;
  st->data_size = size - 8 - header_size;
  parser = json_parser_new_immutable ();
  if (!json_parser_load_from_data (parser, (const char *) contents + 8,
                                   (gssize) header_size, &json_error))
    {
      ns_weights_fail (error, st->path, NULL, "the header is not valid "
                       "JSON: %s", json_error->message);
      g_error_free (json_error);
      g_object_unref (parser);
      return NULL;
    }

  return parser;
}

NsWeights *
ns_weights_load_safetensors (const NsNet *net,
                             const char  *path,
                             guint        n_layers,
                             GError     **error)
{
  SafeTensors  st = { .path = path };
  GMappedFile *file;
  GError      *file_error = NULL;
  JsonParser  *parser;
  NsWeights   *weights = NULL;

  file = g_mapped_file_new (path, FALSE, &file_error);
  if (file == NULL)
    {
      ns_weights_fail (error, path, NULL, "%s", file_error->message);
      g_error_free (file_error);
      return NULL;
    }

  st.tensors = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);
  parser = open_header (&st, (const guint8 *) g_mapped_file_get_contents (file),
                        g_mapped_file_get_length (file), error);
  if (parser != NULL && parse_header (&st, json_parser_get_root (parser),
                                      error))
    {
      weights = ns_weights_new (net, n_layers);
      if (!read_convs (&st, weights, error))
        g_clear_pointer (&weights, ns_weights_free);
    }

  g_hash_table_unref (st.tensors);
  g_clear_object (&parser);
  g_mapped_file_unref (file);

  return weights;
}

static void
add_entry (JsonBuilder   *builder,
           const char    *name,
           const char    *dtype,
           const guint64 *shape,
           guint          n_dims,
           guint64       *offset,
           guint64        size)
{
  json_builder_set_member_name (builder, name);
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "dtype");
  json_builder_add_string_value (builder, dtype);
  json_builder_set_member_name (builder, "shape");
  json_builder_begin_array (builder);
  for (guint i = 0; i < n_dims; i++)
    json_builder_add_int_value (builder, (gint64) shape[i]);
  json_builder_end_array (builder);
  json_builder_set_member_name (builder, "data_offsets");
  json_builder_begin_array (builder);
  json_builder_add_int_value (builder, (gint64) *offset);
  json_builder_add_int_value (builder, (gint64) (*offset + size));
  json_builder_end_array (builder);
  json_builder_end_object (builder);
  *offset += size;
}

/* Appends @n floats to @data in @dtype, little-endian. */
static gboolean
append_tensor (GByteArray     *data,
               const float    *values,
               gsize           n,
               NsWeightsDtype  dtype,
               const char     *path,
               const char     *name,
               GError        **error)
{
  for (gsize i = 0; i < n; i++)
    {
      guint8  bytes[4];
      guint32 bits;

      if (dtype == NS_WEIGHTS_F16)
        {
          guint16 half = ns_weights_float_to_half (values[i]);

          if ((half & 0x7c00) == 0x7c00)
            return ns_weights_fail (error, path, name, "element %"
                                    G_GSIZE_FORMAT " (%g) does not fit in "
                                    "F16", i, values[i]);
          bytes[0] = half & 0xff;
          bytes[1] = half >> 8;
          g_byte_array_append (data, bytes, 2);
          continue;
        }
      memcpy (&bits, &values[i], sizeof bits);
      for (guint b = 0; b < 4; b++)
        bytes[b] = (bits >> (8 * b)) & 0xff;
      g_byte_array_append (data, bytes, 4);
    }

  return TRUE;
}

/* Builds the JSON header and the data region of @weights. */
static char *
build_file (const NsWeights *weights,
            NsWeightsDtype   dtype,
            const char      *path,
            GByteArray      *data,
            GError         **error)
{
  JsonBuilder   *builder = json_builder_new ();
  JsonGenerator *generator = json_generator_new ();
  const char    *dtype_name = dtype == NS_WEIGHTS_F16 ? "F16" : "F32";
  guint          element = dtype == NS_WEIGHTS_F16 ? 2 : 4;
  guint64        offset = 0;
  char          *header = NULL;
  gboolean       ok = TRUE;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "__metadata__");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "net");
  json_builder_add_string_value (builder, weights->net->name);
  json_builder_end_object (builder);

  for (guint i = 0; ok && i < weights->n_layers; i++)
    {
      const NsLayer       *layer = &weights->net->layers[i];
      const NsConvWeights *conv = &weights->convs[i];
      guint64 shape[4] = { conv->out_channels, conv->in_channels,
                           conv->kernel, conv->kernel };
      guint64 n = shape[0] * shape[1] * shape[2] * shape[3];

      if (layer->kind != NS_LAYER_CONV)
        continue;
      add_entry (builder, layer->weight_name, dtype_name, shape, 4, &offset,
                 n * element);
      add_entry (builder, layer->bias_name, dtype_name, shape, 1, &offset,
                 shape[0] * element);
      ok = append_tensor (data, conv->weight, n, dtype, path,
                          layer->weight_name, error) &&
           append_tensor (data, conv->bias, shape[0], dtype, path,
                          layer->bias_name, error);
    }
  json_builder_end_object (builder);

  if (ok)
    {
      JsonNode *root = json_builder_get_root (builder);

      json_generator_set_root (generator, root);
      header = json_generator_to_data (generator, NULL);
      json_node_unref (root);
    }
  g_object_unref (generator);
  g_object_unref (builder);

  return header;
}

gboolean
ns_weights_save (const NsWeights *weights,
                 const char      *path,
                 NsWeightsDtype   dtype,
                 GError         **error)
{
  GByteArray *data = g_byte_array_new ();
  GString    *file;
  char       *header;
  GError     *file_error = NULL;
  gboolean    ok;

  header = build_file (weights, dtype, path, data, error);
  if (header == NULL)
    {
      g_byte_array_unref (data);
      return FALSE;
    }

  /* The header is padded with spaces so the data region starts 8-byte
   * aligned, as other writers do. */
  file = g_string_sized_new (16 + strlen (header) + data->len);
  g_string_append_len (file, "\0\0\0\0\0\0\0\0", 8);
  g_string_append (file, header);
  while (file->len % 8 != 0)
    g_string_append_c (file, ' ');
  for (guint i = 0; i < 8; i++)
    file->str[i] = (char) (((guint64) file->len - 8) >> (8 * i) & 0xff);
  g_string_append_len (file, (const char *) data->data, data->len);

  ok = g_file_set_contents (path, file->str, (gssize) file->len, &file_error);
  if (!ok)
    {
      ns_weights_fail (error, path, NULL, "%s", file_error->message);
      g_error_free (file_error);
    }

  g_string_free (file, TRUE);
  g_byte_array_unref (data);
  g_free (header);

  return ok;
}

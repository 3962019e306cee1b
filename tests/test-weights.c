/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Weights files: the Deep Compression decoder on the real file, safetensors
 * round trips in F32 and F16, a VGG19 file with the real names and shapes,
 * malformed files refused with an error naming the file and the tensor,
 * half-float conversions, and the search for a network's file. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <glib/gstdio.h>

#include "ns-error.h"
#include "ns-weights.h"

static char *tmp_dir;

static char *
shared_net_file (void)
{
  const char *shared = g_getenv ("NEURAL_STYLE_SHARED");

  return g_build_filename (shared ? shared : "/nonexistent", "weights",
                           "squeezenet-v1.0-dc", "compressed_SqueezeNet.net",
                           NULL);
}

static gsize
conv_size (const NsConvWeights *conv)
{
  return (gsize) conv->out_channels * conv->in_channels * conv->kernel *
         conv->kernel;
}

/* Loading @path must fail with NS_ERROR_WEIGHTS, naming the file and each
 * of @expect (NULL-terminated). */
static void
expect_error (const NsNet  *net,
              const char   *path,
              guint         n_layers,
              const char * const *expect)
{
  GError    *error = NULL;
  NsWeights *weights = ns_weights_load (net, path, n_layers, &error);

  if (weights != NULL)
    g_error ("%s loaded, expected an error mentioning %s", path, expect[0]);
  g_assert_error (error, NS_ERROR, NS_ERROR_WEIGHTS);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, path));
  for (guint i = 0; expect[i] != NULL; i++)
    if (strstr (error->message, expect[i]) == NULL)
      g_error ("error \"%s\" does not mention \"%s\"", error->message,
               expect[i]);
  g_error_free (error);
}

static NsWeights *
load_shared_net (void)
{
  char        *path = shared_net_file ();
  const NsNet *net = ns_net_find ("squeezenet");
  GError      *error = NULL;
  NsWeights   *weights;

  if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
    {
      g_printerr ("SKIP: %s is missing\n", path);
      exit (77);
    }
  weights = ns_weights_load (net, path, net->n_layers, &error);
  g_assert_no_error (error);
  g_free (path);

  return weights;
}

/* The real file decodes into the table's shapes, with the stored weights
 * of each layer in place; one byte more or less is refused. */
static void
test_deep_compression (void)
{
  NsWeights   *weights = load_shared_net ();
  const NsNet *net = weights->net;
  char        *path = shared_net_file (), *contents, *bad;
  gsize        length, n_nonzero = 0, n_total = 0;
  const char  *left_over[] = { "left over", NULL };
  const char  *ends[] = { "conv_final.weight", "ends inside", NULL };
  const char  *counts[] = { "layer counts", NULL };

  for (guint i = 0; i < net->n_layers; i++)
    {
      const NsConvWeights *conv = &weights->convs[i];

      if (net->layers[i].kind != NS_LAYER_CONV)
        {
          g_assert_null (conv->weight);
          continue;
        }
      g_assert_cmpuint (conv->out_channels, ==, net->layers[i].out_channels);
      g_assert_cmpuint (conv->in_channels, ==,
                        ns_net_layer_channels (net, net->layers[i].inputs[0]));
      for (gsize k = 0; k < conv_size (conv); k++)
        n_nonzero += conv->weight[k] != 0.0f;
      n_total += conv_size (conv);
    }
  g_assert_cmpuint (weights->convs[0].in_channels, ==, 3);
  g_assert_cmpuint (weights->convs[36].in_channels, ==, 512);
  g_assert_cmpuint (weights->convs[36].out_channels, ==, 1000);
  /* 421,098 weights are stored (the 26 counts at the head of the file);
   * a few of them pad long gaps with a zero. */
  g_test_message ("%" G_GSIZE_FORMAT " of %" G_GSIZE_FORMAT " weights are "
                  "not zero", n_nonzero, n_total);
  g_assert_cmpuint (n_total, ==, 1244448);
  g_assert_cmpuint (n_nonzero, <=, 421098);
  g_assert_cmpuint (n_nonzero, >, 400000);
  ns_weights_free (weights);

  g_assert_true (g_file_get_contents (path, &contents, &length, NULL));
  bad = g_build_filename (tmp_dir, "bad.net", NULL);
  contents = g_realloc (contents, length + 1);
  g_assert_true (g_file_set_contents (bad, contents, length + 1, NULL));
  expect_error (net, bad, net->n_layers, left_over);
  g_assert_true (g_file_set_contents (bad, contents, length - 1, NULL));
  expect_error (net, bad, net->n_layers, ends);
  g_assert_true (g_file_set_contents (bad, contents, 50, NULL));
  expect_error (net, bad, net->n_layers, counts);

  g_free (contents);
  g_free (bad);
  g_free (path);
}

/* Saves @weights in @dtype, loads them back and compares: exact for F32,
 * within half a unit in the last place for F16. */
static void
check_round_trip (const NsWeights *weights,
                  NsWeightsDtype   dtype)
{
  char      *path = g_build_filename (tmp_dir, "trip.safetensors", NULL);
  GError    *error = NULL;
  NsWeights *back;

  g_assert_true (ns_weights_save (weights, path, dtype, &error));
  g_assert_no_error (error);
  back = ns_weights_load (weights->net, path, weights->n_layers, &error);
  g_assert_no_error (error);

  for (guint i = 0; i < weights->n_layers; i++)
    {
      const NsConvWeights *a = &weights->convs[i], *b = &back->convs[i];
      double tolerance = dtype == NS_WEIGHTS_F16 ? 1.0 / 2048 : 0.0;

      if (a->weight == NULL)
        continue;
      g_assert_cmpuint (conv_size (a), ==, conv_size (b));
      for (gsize k = 0; k < conv_size (a); k++)
        if (fabs (a->weight[k] - b->weight[k]) >
            tolerance * fabs (a->weight[k]) + (dtype ? 0x1p-25 : 0))
          g_error ("%s %s element %" G_GSIZE_FORMAT ": wrote %.9g, read %.9g",
                   dtype ? "F16" : "F32", weights->net->layers[i].weight_name,
                   k, a->weight[k], b->weight[k]);
      for (guint k = 0; k < a->out_channels; k++)
        g_assert_cmpfloat_with_epsilon (a->bias[k], b->bias[k],
                                        tolerance * fabs (a->bias[k]) +
                                        0x1p-24);
    }

  ns_weights_free (back);
  g_free (path);
}

static void
test_round_trip (void)
{
  NsWeights *weights = load_shared_net ();

  check_round_trip (weights, NS_WEIGHTS_F32);
  check_round_trip (weights, NS_WEIGHTS_F16);
  ns_weights_free (weights);
}

/* A VGG19 file with the real tensor names and shapes, random weights. */
static void
test_vgg19 (void)
{
  const NsNet *net = ns_net_find ("vgg19");
  NsWeights   *weights = ns_weights_new (net, net->n_layers);
  GRand       *rand = g_rand_new_with_seed (19);
  char        *path = g_build_filename (tmp_dir, "vgg.net", NULL);
  const char  *no_dc[] = { "Deep Compression", NULL };

  for (guint i = 0; i < net->n_layers; i++)
    {
      NsConvWeights *conv = &weights->convs[i];

      for (gsize k = 0; conv->weight && k < conv_size (conv); k++)
        conv->weight[k] = (float) g_rand_double_range (rand, -0.1, 0.1);
      for (guint k = 0; k < conv->out_channels; k++)
        conv->bias[k] = (float) g_rand_double_range (rand, -1, 1);
    }
  g_assert_cmpuint (weights->convs[16].in_channels, ==, 512);
  check_round_trip (weights, NS_WEIGHTS_F32);
  check_round_trip (weights, NS_WEIGHTS_F16);

  g_assert_true (g_file_set_contents (path, "", 0, NULL));
  expect_error (net, path, net->n_layers, no_dc);

  g_rand_free (rand);
  ns_weights_free (weights);
  g_free (path);
}

/* F16 refuses what it cannot hold. */
static void
test_f16_range (void)
{
  const NsNet *net = ns_net_find ("squeezenet");
  NsWeights   *weights = ns_weights_new (net, 1);
  char        *path = g_build_filename (tmp_dir, "big.safetensors", NULL);
  GError      *error = NULL;

  weights->convs[0].weight[7] = 1e5f;
  g_assert_false (ns_weights_save (weights, path, NS_WEIGHTS_F16, &error));
  g_assert_error (error, NS_ERROR, NS_ERROR_WEIGHTS);
  g_assert_nonnull (strstr (error->message, "conv1.weight"));
  g_clear_error (&error);
  g_assert_true (ns_weights_save (weights, path, NS_WEIGHTS_F32, &error));

  ns_weights_free (weights);
  g_free (path);
}

#define W_TENSOR(dtype, shape, offsets) \
  "\"conv1.weight\":{\"dtype\":" dtype ",\"shape\":" shape \
  ",\"data_offsets\":" offsets "}"
#define B_TENSOR(dtype, shape, offsets) \
  "\"conv1.bias\":{\"dtype\":" dtype ",\"shape\":" shape \
  ",\"data_offsets\":" offsets "}"
#define WEIGHT_OK W_TENSOR ("\"F32\"", "[96,3,7,7]", "[0,56448]")
#define BIAS_OK B_TENSOR ("\"F32\"", "[96]", "[56448,56832]")
#define DATA_SIZE 56832   /* conv1 of SqueezeNet in F32 */

typedef struct
{
  const char *header;
  gint64      header_size;  /* what the first 8 bytes say; -1: the truth */
  gsize       truncate_to;  /* cut the file to this many bytes; 0: no cut */
  guint       nan_at;       /* float index set to NaN; 0: none */
  const char *expect[4];    /* NULL-terminated */
} BadCase;

static const BadCase bad_cases[] =
{
  { "{" W_TENSOR ("\"F32\"", "[96,3,7,6]", "[0,56448]") "," BIAS_OK "}", -1, 0,
    0, { "conv1.weight", "shape is [96, 3, 7, 6]", "[96, 3, 7, 7]" } },
  { "{" W_TENSOR ("\"F64\"", "[96,3,7,7]", "[0,56448]") "," BIAS_OK "}", -1, 0,
    0, { "conv1.weight", "dtype F64" } },
  { "{" WEIGHT_OK "," B_TENSOR ("\"BF16\"", "[96]", "[56448,56640]") "}", -1, 0,
    0, { "conv1.bias", "BF16" } },
  { "{" WEIGHT_OK "}", -1, 0, 0, { "conv1.bias", "missing" } },
  { "{" WEIGHT_OK "," BIAS_OK "}", -1, 0, 1234, { "conv1.weight", "finite" } },
  { "{" WEIGHT_OK "," BIAS_OK "}", -1, 0, 14112 + 5, { "conv1.bias", "finite" } },
  { "{" WEIGHT_OK "," B_TENSOR ("\"F32\"", "[96]", "[56000,56384]") "}", -1, 0,
    0, { "overlap", "conv1.weight" } },
  { "{" WEIGHT_OK "," B_TENSOR ("\"F32\"", "[96]", "[56448,60000]") "}", -1, 0,
    0, { "conv1.bias", "outside the data region" } },
  { "{" W_TENSOR ("\"F32\"", "[96,3,7,7]", "[0,56444]") "," BIAS_OK "}", -1, 0,
    0, { "conv1.weight", "span 56444 bytes" } },
  { "{" W_TENSOR ("\"F32\"", "[96,3,7,7]", "[56448,0]") "," BIAS_OK "}", -1, 0,
    0, { "conv1.weight", "outside" } },
  { "{" W_TENSOR ("\"F32\"", "[96,-3,7,7]", "[0,56448]") "," BIAS_OK "}", -1, 0,
    0, { "conv1.weight", "shape is not" } },
  { "{" W_TENSOR ("\"F32\"", "[96,3,7,7]", "[0.0,56448]") "," BIAS_OK "}", -1, 0,
    0, { "conv1.weight", "data_offsets" } },
  { "{" W_TENSOR ("5", "[96,3,7,7]", "[0,56448]") "," BIAS_OK "}", -1, 0,
    0, { "conv1.weight", "dtype" } },
  { "{\"conv1.weight\":[1,2]," BIAS_OK "}", -1, 0, 0,
    { "conv1.weight", "not a JSON object" } },
  { "{\"conv1.weight\": {\"dtype\": ", -1, 0, 0, { "not valid JSON" } },
  { "[1, 2, 3]", -1, 0, 0, { "not a JSON object" } },
  { "", -1, 0, 0, { "JSON" } },
  { "{" WEIGHT_OK "," BIAS_OK "}", G_GINT64_CONSTANT (1) << 40, 0, 0,
    { "header claims", "truncated" } },
  { "{" WEIGHT_OK "," BIAS_OK "}", G_MAXINT64, 0, 0, { "header claims" } },
  { "{" WEIGHT_OK "," BIAS_OK "}", -1, 5, 0, { "only 5 bytes" } },
  { "{" WEIGHT_OK "," BIAS_OK "}", -1, 30, 0, { "header claims" } },
  { "{" WEIGHT_OK "," BIAS_OK "}", -1, 8 + 160 + 1000, 0,
    { "conv1.weight", "outside the data region" } },
};

/* The header padded to 160 bytes, then DATA_SIZE bytes of small floats. */
static void
write_bad_case (const BadCase *bad,
                const char    *path)
{
  GString *file = g_string_new (NULL);
  gint64   header_size = bad->header_size >= 0 ? bad->header_size : 160;
  float   *data = g_new (float, DATA_SIZE / 4);

  g_assert_cmpuint (strlen (bad->header), <=, 160);
  for (guint i = 0; i < 8; i++)
    g_string_append_c (file, (char) ((guint64) header_size >> (8 * i)));
  g_string_append (file, bad->header);
  while (file->len < 8 + 160)
    g_string_append_c (file, ' ');

  for (guint i = 0; i < DATA_SIZE / 4; i++)
    data[i] = (float) (i % 17) * 0.01f;
  if (bad->nan_at != 0)
    data[bad->nan_at] = NAN;
  g_string_append_len (file, (const char *) data, DATA_SIZE);
  if (bad->truncate_to != 0)
    g_string_truncate (file, bad->truncate_to);

  g_assert_true (g_file_set_contents (path, file->str, (gssize) file->len,
                                      NULL));
  g_string_free (file, TRUE);
  g_free (data);
}

static void
test_malformed (void)
{
  const NsNet *net = ns_net_find ("squeezenet");
  char        *path = g_build_filename (tmp_dir, "bad.safetensors", NULL);
  const BadCase good = { "{" WEIGHT_OK "," BIAS_OK "}", -1, 0, 0, { NULL } };
  const char  *empty[] = { "only 0 bytes", NULL };
  const char  *absent[] = { "No such file", NULL };
  GError      *error = NULL;
  NsWeights   *weights;

  /* The same writer with a good header gives a file that loads. */
  write_bad_case (&good, path);
  weights = ns_weights_load (net, path, 1, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (weights->convs[0].weight[1], ==, 0.01f);
  ns_weights_free (weights);

  for (gsize i = 0; i < G_N_ELEMENTS (bad_cases); i++)
    {
      g_test_message ("case %" G_GSIZE_FORMAT ": %s", i, bad_cases[i].header);
      write_bad_case (&bad_cases[i], path);
      expect_error (net, path, 1, bad_cases[i].expect);
    }

  g_assert_true (g_file_set_contents (path, "", 0, NULL));
  expect_error (net, path, 1, empty);
  g_free (path);
  path = g_build_filename (tmp_dir, "absent.safetensors", NULL);
  expect_error (net, path, 1, absent);
  g_free (path);
}

/* F16 with a NaN is refused like F32. */
static void
test_f16_nan (void)
{
  const NsNet *net = ns_net_find ("squeezenet");
  NsWeights   *weights = ns_weights_new (net, 1);
  char        *path = g_build_filename (tmp_dir, "nan16.safetensors", NULL);
  const char  *expect[] = { "conv1.bias", "finite", NULL };
  char        *contents;
  gsize        length;

  g_assert_true (ns_weights_save (weights, path, NS_WEIGHTS_F16, NULL));
  g_assert_true (g_file_get_contents (path, &contents, &length, NULL));
  /* The bias is the last tensor: make its last element a quiet NaN. */
  contents[length - 2] = 0x00;
  contents[length - 1] = 0x7e;
  g_assert_true (g_file_set_contents (path, contents, length, NULL));
  expect_error (net, path, 1, expect);

  g_free (contents);
  g_free (path);
  ns_weights_free (weights);
}

static void
test_half (void)
{
  static const struct { float value; guint16 half; } cases[] =
  {
    { 1.0f, 0x3c00 }, { -2.0f, 0xc000 }, { 65504.0f, 0x7bff },
    { 65519.0f, 0x7bff }, { 65520.0f, 0x7c00 }, { 1e9f, 0x7c00 },
    { 1.0f + 0x1p-11f, 0x3c00 },            /* tie, to even */
    { 1.0f + 0x3p-11f, 0x3c02 },            /* tie, to even (up) */
    { 0x1p-24f, 0x0001 }, { 0x1p-25f, 0x0000 }, { 0x3p-26f, 0x0001 },
    { 0x1p-14f, 0x0400 }, { 0x1.ffcp-15f, 0x0400 }, { -0.0f, 0x8000 },
    { 1e-10f, 0x0000 }, { INFINITY, 0x7c00 }, { NAN, 0x7e00 },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    if (ns_weights_float_to_half (cases[i].value) != cases[i].half)
      g_error ("float_to_half (%a) = 0x%04x, expected 0x%04x",
               cases[i].value, ns_weights_float_to_half (cases[i].value),
               cases[i].half);

  /* Every half that is a number survives the trip through float. */
  for (guint h = 0; h < 0x10000; h++)
    {
      float value = ns_weights_half_to_float ((guint16) h);

      if ((h & 0x7c00) == 0x7c00 && (h & 0x3ff) != 0)
        g_assert_true (isnan (value));
      else if (ns_weights_float_to_half (value) != h)
        g_error ("half 0x%04x -> %a -> 0x%04x", h, value,
                 ns_weights_float_to_half (value));
    }
  g_assert_cmpfloat (ns_weights_half_to_float (0x3555), ==, 0x1.554p-2f);
}

static void
touch (const char *dir,
       const char *name)
{
  char *path = g_build_filename (dir, name, NULL);

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_assert_true (g_file_set_contents (path, "", 0, NULL));
  g_free (path);
}

/* Order: NEURAL_STYLE_WEIGHTS, the user's folder, the system folder; in
 * each, the table's file names in order. */
static void
test_find (void)
{
  const NsNet *net = ns_net_find ("squeezenet");
  char        *env_dir = g_build_filename (tmp_dir, "env", NULL);
  char        *user_dir = ns_weights_user_dir ();
  const char  *expect[] = { "squeezenet.safetensors",
                            "compressed_SqueezeNet.net", env_dir, user_dir,
                            ns_weights_system_dir (),
                            "fetch-weights --net squeezenet" };
  GError      *error = NULL;
  char        *found, *want;

  g_assert_true (g_str_has_prefix (user_dir, tmp_dir));
  found = ns_weights_find (net, NULL, &error);
  g_assert_null (found);
  g_assert_error (error, NS_ERROR, NS_ERROR_WEIGHTS);
  g_test_message ("%s", error->message);
  for (gsize i = 0; i < G_N_ELEMENTS (expect); i++)
    if (strstr (error->message, expect[i]) == NULL)
      g_error ("\"%s\" does not mention %s", error->message, expect[i]);
  g_clear_error (&error);

  touch (user_dir, "compressed_SqueezeNet.net");
  found = ns_weights_find (net, NULL, &error);
  want = g_build_filename (user_dir, "compressed_SqueezeNet.net", NULL);
  g_assert_cmpstr (found, ==, want);
  g_free (found);
  g_free (want);

  touch (env_dir, "compressed_SqueezeNet.net");
  touch (env_dir, "squeezenet.safetensors");
  found = ns_weights_find (net, NULL, &error);
  want = g_build_filename (env_dir, "squeezenet.safetensors", NULL);
  g_assert_cmpstr (found, ==, want);
  g_free (found);

  found = ns_weights_find (net, want, &error);
  g_assert_cmpstr (found, ==, want);
  g_free (found);
  g_free (want);
  want = g_build_filename (tmp_dir, "nowhere.safetensors", NULL);
  g_assert_null (ns_weights_find (net, want, &error));
  g_assert_error (error, NS_ERROR, NS_ERROR_WEIGHTS);
  g_assert_nonnull (strstr (error->message, want));
  g_clear_error (&error);

  g_free (want);
  g_free (env_dir);
  g_free (user_dir);
}

static void
remove_tree (const char *path)
{
  GDir       *dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      char *child = g_build_filename (path, name, NULL);

      remove_tree (child);
      g_free (child);
    }
  if (dir != NULL)
    g_dir_close (dir);
  g_remove (path);
}

int
main (int    argc,
      char **argv)
{
  char *env_dir, *data_dir;
  int   status;

  /* Both folders are read once, on first use: set them first. */
  tmp_dir = g_dir_make_tmp ("ns-weights-XXXXXX", NULL);
  env_dir = g_build_filename (tmp_dir, "env", NULL);
  data_dir = g_build_filename (tmp_dir, "data", NULL);
  g_setenv ("NEURAL_STYLE_WEIGHTS", env_dir, TRUE);
  g_setenv ("XDG_DATA_HOME", data_dir, TRUE);

  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/weights/half", test_half);
  g_test_add_func ("/weights/deep-compression", test_deep_compression);
  g_test_add_func ("/weights/round-trip", test_round_trip);
  g_test_add_func ("/weights/vgg19", test_vgg19);
  g_test_add_func ("/weights/f16-range", test_f16_range);
  g_test_add_func ("/weights/f16-nan", test_f16_nan);
  g_test_add_func ("/weights/malformed", test_malformed);
  g_test_add_func ("/weights/find", test_find);
  status = g_test_run ();

  remove_tree (tmp_dir);
  g_free (env_dir);
  g_free (data_dir);
  g_free (tmp_dir);

  return status;
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Random damage (bit flips, truncations, edits of the header's text and of
 * its length) to a valid safetensors file and to the Deep Compression
 * file, fed to the readers with a fixed seed: each must load or fail with
 * an NS_ERROR_WEIGHTS error, never crash.  Run under valgrind or a
 * sanitizer build to catch quiet memory errors too. */
#include <stdlib.h>
#include <string.h>
#include <glib/gstdio.h>

#include "ns-error.h"
#include "ns-weights.h"

#define N_SAFETENSORS_ROUNDS 3000
#define N_NET_ROUNDS          400

typedef struct
{
  const NsNet *net;
  guint        n_layers;
  const char  *path;        /* where each damaged copy is written */
  guint        n_loaded;
  guint        n_refused;
} Target;

/* Loads @path; the only outcomes allowed are weights or a weights error. */
static void
try_load (Target     *target,
          const char *contents,
          gsize       length)
{
  GError    *error = NULL;
  NsWeights *weights;

  g_assert_true (g_file_set_contents (target->path, contents,
                                      (gssize) length, NULL));
  weights = ns_weights_load (target->net, target->path, target->n_layers,
                             &error);
  if (weights == NULL)
    {
      g_assert_error (error, NS_ERROR, NS_ERROR_WEIGHTS);
      g_assert_nonnull (strstr (error->message, target->path));
      g_error_free (error);
      target->n_refused++;
      return;
    }
  g_assert_no_error (error);
  ns_weights_free (weights);
  target->n_loaded++;
}

/* One random change of @buf, half of the time within its first @hot
 * bytes, where the header or the layer counts live. */
static void
mutate (GRand   *rand,
        GString *buf,
        gsize    hot)
{
  static const char *tokens[] = { "{", "}", "[", "]", ",", ":", "\"", "-1",
                                  "1e999", "0", "99999999999999999999",
                                  "null", "\"F16\"", "\"F32\"", "\\u0000" };
  gsize span = MIN (hot, buf->len);
  gsize at = g_rand_boolean (rand) && span > 0
             ? (gsize) g_rand_int_range (rand, 0, (gint32) span)
             : (gsize) g_rand_int_range (rand, 0, (gint32) MAX (buf->len, 1));

  switch (g_rand_int_range (rand, 0, 6))
    {
    case 0:  /* bit flips */
      for (int n = g_rand_int_range (rand, 1, 9); n > 0 && buf->len; n--)
        buf->str[g_rand_int_range (rand, 0, (gint32) span)] ^=
          (char) (1 << g_rand_int_range (rand, 0, 8));
      break;
    case 1:  /* truncation */
      g_string_truncate (buf, at);
      break;
    case 2:  /* a byte overwritten by any value */
      if (at < buf->len)
        buf->str[at] = (char) g_rand_int_range (rand, 0, 256);
      break;
    case 3:  /* a JSON token inserted */
      g_string_insert (buf, (gssize) MIN (at, buf->len),
                       tokens[g_rand_int_range (rand, 0,
                                                G_N_ELEMENTS (tokens))]);
      break;
    case 4:  /* bytes removed */
      {
        gsize n = (gsize) g_rand_int_range (rand, 1, 16);

        if (at < buf->len)
          g_string_erase (buf, (gssize) at, (gssize) MIN (n, buf->len - at));
      }
      break;
    default:  /* the leading 8-byte length or 4-byte count rewritten */
      if (buf->len >= 8)
        {
          guint32 v = g_rand_int (rand) >> g_rand_int_range (rand, 0, 32);

          memcpy (buf->str + 4 * g_rand_int_range (rand, 0, 2), &v, 4);
        }
      break;
    }
}

static void
fuzz (Target     *target,
      const char *contents,
      gsize       length,
      gsize       hot,
      guint       rounds,
      guint32     seed)
{
  GRand *rand = g_rand_new_with_seed (seed);

  for (guint i = 0; i < rounds; i++)
    {
      GString *buf = g_string_new_len (contents, (gssize) length);

      for (int n = g_rand_int_range (rand, 1, 4); n > 0; n--)
        mutate (rand, buf, hot);
      try_load (target, buf->str, buf->len);
      g_string_free (buf, TRUE);
    }
  g_test_message ("%s: %u damaged copies loaded, %u refused", target->path,
                  target->n_loaded, target->n_refused);
  g_assert_cmpuint (target->n_refused, >, rounds / 4);
  g_rand_free (rand);
}

static char *tmp_dir;

/* A small file: SqueezeNet's first four conv layers, random weights. */
static void
test_fuzz_safetensors (void)
{
  const NsNet *net = ns_net_find ("squeezenet");
  NsWeights   *weights = ns_weights_new (net, 5);
  char        *path = g_build_filename (tmp_dir, "w.safetensors", NULL);
  Target       target = { net, 5, path, 0, 0 };
  GRand       *rand = g_rand_new_with_seed (5);
  char        *contents;
  gsize        length;

  for (guint i = 0; i < 5; i++)
    {
      NsConvWeights *conv = &weights->convs[i];
      gsize n = (gsize) conv->out_channels * conv->in_channels *
                conv->kernel * conv->kernel;

      for (gsize k = 0; conv->weight != NULL && k < n; k++)
        conv->weight[k] = (float) g_rand_double_range (rand, -1, 1);
    }
  g_assert_true (ns_weights_save (weights, path, NS_WEIGHTS_F16, NULL));
  g_assert_true (g_file_get_contents (path, &contents, &length, NULL));

  /* Header region: up to about 1 KB. */
  fuzz (&target, contents, length, 1024, N_SAFETENSORS_ROUNDS, 42);

  g_free (contents);
  g_rand_free (rand);
  ns_weights_free (weights);
  g_free (path);
}

static void
test_fuzz_deep_compression (void)
{
  const char  *shared = g_getenv ("NEURAL_STYLE_SHARED");
  const NsNet *net = ns_net_find ("squeezenet");
  char        *path = g_build_filename (tmp_dir, "w.net", NULL);
  Target       target = { net, net->n_layers, path, 0, 0 };
  char        *source, *contents;
  gsize        length;

  source = g_build_filename (shared ? shared : "/nonexistent", "weights",
                             "squeezenet-v1.0-dc",
                             "compressed_SqueezeNet.net", NULL);
  if (!g_file_get_contents (source, &contents, &length, NULL))
    {
      g_test_skip ("the Deep Compression file is missing");
      g_free (source);
      g_free (path);
      return;
    }

  /* The 26 counts and the first layer's codebook are the hot part. */
  fuzz (&target, contents, length, 104 + 1024, N_NET_ROUNDS, 7);

  g_free (contents);
  g_free (source);
  g_free (path);
}

int
main (int    argc,
      char **argv)
{
  int status;

  tmp_dir = g_dir_make_tmp ("ns-fuzz-XXXXXX", NULL);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/weights-fuzz/safetensors", test_fuzz_safetensors);
  g_test_add_func ("/weights-fuzz/deep-compression",
                   test_fuzz_deep_compression);
  status = g_test_run ();

  for (const char *const *name = (const char *const[]) { "w.safetensors",
                                                         "w.net", NULL };
       *name != NULL; name++)
    {
      char *path = g_build_filename (tmp_dir, *name, NULL);

      g_remove (path);
      g_free (path);
    }
  g_rmdir (tmp_dir);
  g_free (tmp_dir);

  return status;
}

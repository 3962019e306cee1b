/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The engine with the real SqueezeNet weights on a small image, run many
 * times in one process: every buffer allocation and every submission of a
 * run made to fail in turn (case C19: a clear error, the engine still
 * usable after), and repeated runs that must not grow the process. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ns-engine.h"
#include "ns-vk.h"

#define SKIP 77

/* Working size and steps of every run: small, for speed. */
#define WIDTH      40
#define HEIGHT     30
#define ITERATIONS 2

/* Repeated runs: the resident size may grow by this much between run 2
 * and run 20 (allocator slack, GLib's caches), KiB. */
#define N_REPEATS      20
#define RSS_MARGIN_KIB 2048

typedef struct
{
  NsEngine *engine;
  NsParams  params;
  NsImage   content;
  NsImage   style;
} Fixture;

static void
image_make (NsImage *image,
            guint    width,
            guint    height,
            guint32  seed)
{
  GRand *rand = g_rand_new_with_seed (seed);
  gsize  n = (gsize) width * height * 3;

  image->width = width;
  image->height = height;
  image->pixels = g_new (float, n);
  for (gsize i = 0; i < n; i++)
    image->pixels[i] = (float) g_rand_double (rand);
  g_rand_free (rand);
}

static void
fixture_init (Fixture *f)
{
  const char *weights = g_getenv ("NEURAL_STYLE_WEIGHTS");
  GError     *error = NULL;

  if (weights == NULL || !g_file_test (weights, G_FILE_TEST_IS_DIR))
    {
      g_printerr ("SKIP: no SqueezeNet weights in NEURAL_STYLE_WEIGHTS\n");
      exit (SKIP);
    }
  f->engine = ns_engine_new (NULL, &error);
  if (f->engine == NULL && g_error_matches (error, NS_ERROR,
                                            NS_ERROR_NO_DEVICE))
    {
      g_printerr ("SKIP: %s\n", error->message);
      exit (SKIP);
    }
  g_assert_no_error (error);
  ns_params_init_defaults (&f->params, "squeezenet");
  f->params.iterations = ITERATIONS;
  f->params.n_stages = 1;
  f->params.size = 0;
  image_make (&f->content, WIDTH, HEIGHT, 1);
  image_make (&f->style, 33, 27, 2);
}

static void
fixture_clear (Fixture *f)
{
  ns_engine_free (f->engine);
  g_free (f->content.pixels);
  g_free (f->style.pixels);
}

/* One run; the result is checked for its size and freed. */
static gboolean
fixture_run (Fixture  *f,
             GError  **error)
{
  NsImage  result = { 0 };
  gboolean ok;

  ok = ns_engine_run (f->engine, &f->params, &f->content, &f->style, NULL, 1,
                      NULL, NULL, NULL, &result, error);
  if (ok)
    {
      g_assert_cmpuint (result.width, ==, WIDTH);
      g_assert_cmpuint (result.height, ==, HEIGHT);
    }
  else
    g_assert_null (result.pixels);
  g_free (result.pixels);

  return ok;
}

/* Fails the n-th call of @kind for every n a clean run makes: each run
 * must fail with @code, and a clean run must succeed afterwards. */
static void
faults_cover (NsFault      kind,
              NsErrorCode  code,
              const char  *what)
{
  Fixture f = { 0 };
  GError *error = NULL;
  guint   n_calls;

  fixture_init (&f);
  ns_vk_fault_arm (kind, 0);
  g_assert_true (fixture_run (&f, &error));
  n_calls = ns_vk_fault_count ();
  g_assert_cmpuint (n_calls, >, 0);

  for (guint n = 1; n <= n_calls; n++)
    {
      ns_vk_fault_arm (kind, n);
      if (fixture_run (&f, &error))
        g_error ("%s %u of %u was made to fail, yet the run succeeded",
                 what, n, n_calls);
      if (!g_error_matches (error, NS_ERROR, code))
        g_error ("%s %u of %u: wrong error: %s", what, n, n_calls,
                 error->message);
      g_clear_error (&error);
    }

  ns_vk_fault_arm (NS_FAULT_NONE, 0);
  g_assert_true (fixture_run (&f, &error));
  g_assert_no_error (error);
  printf ("%s: each of the %u of a run failed in turn, each run reported "
          "it; a clean run afterwards succeeded\n", what, n_calls);
  fixture_clear (&f);
}

static void
test_faults_alloc (void)
{
  faults_cover (NS_FAULT_ALLOC, NS_ERROR_OUT_OF_MEMORY, "buffer allocation");
}

static void
test_faults_submit (void)
{
  faults_cover (NS_FAULT_SUBMIT, NS_ERROR_DEVICE_LOST, "submission");
}

/* Resident set size from /proc/self/statm (second field, pages), KiB. */
static guint64
rss_kib (void)
{
  char   *text = NULL;
  guint64 pages = 0;

  if (g_file_get_contents ("/proc/self/statm", &text, NULL, NULL))
    sscanf (text, "%*u %" G_GUINT64_FORMAT, &pages);
  g_free (text);

  return pages * (guint64) sysconf (_SC_PAGESIZE) / 1024;
}

static void
test_repeat (void)
{
  Fixture f = { 0 };
  GError *error = NULL;
  guint64 after_2 = 0, after_all;

#ifdef __SANITIZE_ADDRESS__
  /* AddressSanitizer keeps freed memory in quarantine, so the process
   * grows without a leak; the plain build measures this. */
  g_test_skip ("resident size is meaningless under AddressSanitizer");
  return;
#endif
  fixture_init (&f);
  for (guint i = 1; i <= N_REPEATS; i++)
    {
      g_assert_true (fixture_run (&f, &error));
      if (i == 2)
        after_2 = rss_kib ();
    }
  after_all = rss_kib ();
  printf ("resident size after run 2: %" G_GUINT64_FORMAT " KiB, after run "
          "%d: %" G_GUINT64_FORMAT " KiB (growth %" G_GINT64_FORMAT " KiB, "
          "allowed %d)\n", after_2, N_REPEATS, after_all,
          (gint64) after_all - (gint64) after_2, RSS_MARGIN_KIB);
  if (after_all > after_2 + RSS_MARGIN_KIB)
    g_error ("the process grew by %" G_GUINT64_FORMAT " KiB over %d runs",
             after_all - after_2, N_REPEATS - 2);
  fixture_clear (&f);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/faults/alloc", test_faults_alloc);
  g_test_add_func ("/engine/faults/submit", test_faults_submit);
  g_test_add_func ("/engine/repeat", test_repeat);

  return g_test_run ();
}

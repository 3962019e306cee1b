/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Random command lines through the option parser (ns-cli-options.c) for a
 * bounded time, fixed seed: each must parse or fail with an
 * NS_ERROR_BAD_INPUT error, never crash; the options are then freed.  Run
 * in the sanitizer build to catch quiet memory errors too.
 *
 *   test-cli-options-fuzz [SECONDS]     default 5 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ns-cli.h"

#define MAX_ARGS 12

/* Words the parser knows, and the kinds of values that go with them;
 * --help and its kin are left out: they end the process, as GOption does. */
static const char *const words[] = {
  "-s", "--style", "-o", "--output", "--net", "--weights", "--style-blend",
  "--preserve-colors", "--init", "--device", "--list-devices", "-q",
  "--quiet", "--iterations", "--size", "--stages", "--style-scale",
  "--content-weight", "--style-weight", "--tv-weight", "--init-blend",
  "--learning-rate", "--seed", "--", "-", "--size=", "--net=vgg19",
  "squeezenet", "vgg19", "noise", "blend", "content", "a.png", "b.jpg",
  "out.png", "0", "1", "-1", "4294967296", "1e40", "nan", "inf", "0.5",
  "1,2", ",,", "1,-1", "", " ", "--sty", "-sq", "-os", "--iterations=-0",
};

static char *
word_random (GRand *rand)
{
  guint kind = g_rand_int_range (rand, 0, 10);

  /* Mostly known words; sometimes random bytes, or a word cut short. */
  if (kind < 7)
    return g_strdup (words[g_rand_int_range (rand, 0, G_N_ELEMENTS (words))]);
  if (kind < 9)
    {
      const char *w = words[g_rand_int_range (rand, 0, G_N_ELEMENTS (words))];

      return g_strndup (w, g_rand_int_range (rand, 0, strlen (w) + 1));
    }
  else
    {
      guint len = g_rand_int_range (rand, 0, 12);
      char *s = g_malloc (len + 1);

      for (guint i = 0; i < len; i++)
        s[i] = (char) g_rand_int_range (rand, 1, 256);
      s[len] = '\0';
      return s;
    }
}

static gboolean
is_help (const char *arg)
{
  return g_str_has_prefix (arg, "--help") || (arg[0] == '-' && arg[1] != '-'
         && (strchr (arg, 'h') != NULL || strchr (arg, '?') != NULL));
}

/* One random command line; TRUE when it parsed. */
static gboolean
fuzz_once (GRand *rand)
{
  char        *argv[MAX_ARGS + 2];
  char       **copy;
  int          argc = 1;
  NsCliOptions options;
  GError      *error = NULL;
  gboolean     ok;

  argv[0] = g_strdup ("neural-style");
  for (guint n = g_rand_int_range (rand, 0, MAX_ARGS + 1); n > 0; n--)
    {
      char *arg = word_random (rand);

      if (is_help (arg))
        g_free (arg);
      else
        argv[argc++] = arg;
    }
  argv[argc] = NULL;

  /* The parser may reorder and drop entries of argv: give it a copy of
   * the pointers and free the strings from the original. */
  copy = g_memdup2 (argv, sizeof argv);
  ok = ns_cli_options_parse (&options, argc, copy, &error);
  if (!ok && !g_error_matches (error, NS_ERROR, NS_ERROR_BAD_INPUT))
    g_error ("a refusal with the wrong error: %s",
             error != NULL ? error->message : "(none)");
  g_clear_error (&error);
  ns_cli_options_clear (&options);

  g_free (copy);
  for (int i = 0; i < argc; i++)
    g_free (argv[i]);
  return ok;
}

int
main (int    argc,
      char **argv)
{
  double  seconds = argc > 1 ? g_ascii_strtod (argv[1], NULL) : 5.0;
  GRand  *rand = g_rand_new_with_seed (20240611);
  gint64  end = g_get_monotonic_time () + (gint64) (seconds * 1e6);
  guint64 n_runs = 0, n_parsed = 0;

  while (g_get_monotonic_time () < end)
    for (guint i = 0; i < 100; i++, n_runs++)
      n_parsed += fuzz_once (rand);

  printf ("%" G_GUINT64_FORMAT " command lines in %.0f s: %" G_GUINT64_FORMAT
          " parsed, %" G_GUINT64_FORMAT " refused with a message\n", n_runs,
          seconds, n_parsed, n_runs - n_parsed);
  g_rand_free (rand);
  return n_runs > 0 && n_parsed > 0 ? 0 : 1;
}

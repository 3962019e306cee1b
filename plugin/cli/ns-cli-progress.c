/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Progress on stderr: a bar redrawn in place on a terminal, else one line
 * per finished stage. */
#include "ns-cli.h"

#include <stdio.h>

#define BAR_WIDTH        16  /* characters */
#define REDRAW_INTERVAL  100000  /* microseconds between bar redraws */

void
ns_cli_progress_init (NsCliProgress     *progress,
                      NsCliProgressMode  mode)
{
  *progress = (NsCliProgress) { .mode = mode };
}

/* m:ss, or h:mm:ss from an hour on; "?" for a negative (unknown) time. */
static void
time_format (double  seconds,
             char   *out,
             gsize   size)
{
  guint s = (guint) (seconds + 0.5);

  if (seconds < 0.0)
    g_strlcpy (out, "?", size);
  else if (s >= 3600)
    g_snprintf (out, size, "%u:%02u:%02u", s / 3600, s / 60 % 60, s % 60);
  else
    g_snprintf (out, size, "%u:%02u", s / 60, s % 60);
}

static void
losses_format (const NsCliProgress *progress,
               char                *out,
               gsize                size)
{
  if (!progress->have_losses)
    out[0] = '\0';
  else
    g_snprintf (out, size, "  content %.2g style %.2g tv %.2g",
                progress->content_loss, progress->style_loss,
                progress->tv_loss);
}

static void
bar_draw (NsCliProgress    *progress,
          const NsProgress *state)
{
  char   bar[BAR_WIDTH + 1], losses[64], elapsed[16], left[16];
  double fraction = CLAMP (state->fraction, 0.0, 1.0);
  guint  filled = (guint) (fraction * BAR_WIDTH + 0.5), i;

  for (i = 0; i < BAR_WIDTH; i++)
    bar[i] = i < filled ? '#' : '-';
  bar[BAR_WIDTH] = '\0';
  losses_format (progress, losses, sizeof losses);
  time_format (state->elapsed, elapsed, sizeof elapsed);
  time_format (state->remaining, left, sizeof left);

  fprintf (stderr, "\rstage %u/%u [%s] %u/%u%s  %s, %s left\033[K",
           state->stage + 1, state->n_stages, bar, state->iteration,
           state->n_iterations, losses, elapsed, left);
  fflush (stderr);
  progress->drawn = TRUE;
}

static void
line_print (NsCliProgress    *progress,
            const NsProgress *state)
{
  char losses[64], elapsed[16];

  losses_format (progress, losses, sizeof losses);
  time_format (state->elapsed, elapsed, sizeof elapsed);
  fprintf (stderr, "neural-style: stage %u/%u (%ux%u) done, %s elapsed%s\n",
           state->stage + 1, state->n_stages, state->width, state->height,
           elapsed, losses);
  progress->stages_done = state->stage + 1;
}

void
ns_cli_progress_update (const NsProgress *state,
                        gpointer          data)
{
  NsCliProgress *progress = data;
  gboolean       stage_end = state->iteration >= state->n_iterations;
  gint64         now = g_get_monotonic_time ();

  if (state->have_losses)
    {
      progress->have_losses  = TRUE;
      progress->content_loss = state->content_loss;
      progress->style_loss   = state->style_loss;
      progress->tv_loss      = state->tv_loss;
    }

  if (progress->mode == NS_CLI_PROGRESS_BAR &&
      (stage_end || !progress->drawn ||
       now - progress->last_draw >= REDRAW_INTERVAL))
    {
      bar_draw (progress, state);
      progress->last_draw = now;
    }
  else if (progress->mode == NS_CLI_PROGRESS_LINES && stage_end &&
           state->stage + 1 > progress->stages_done)
    line_print (progress, state);
}

void
ns_cli_progress_end (NsCliProgress *progress)
{
  if (progress->drawn)
    fputc ('\n', stderr);
  progress->drawn = FALSE;
}

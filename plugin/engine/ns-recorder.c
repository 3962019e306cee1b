/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Work recorded as a list of command buffers and replayed. */
#include "ns-recorder.h"

/* Each take may record a few dispatches; a segment holds this many takes. */
#define TAKES_PER_SEGMENT 48
#define DISPATCHES_PER_TAKE 4

static void
segment_free (gpointer data,
              gpointer user_data)
{
  NsVkContext  *ctx = user_data;
  NsVkCommands *commands = data;

  ns_vk_commands_free (ctx, commands);
  g_free (commands);
}

void
ns_recorder_init (NsRecorder  *recorder,
                  NsVkContext *ctx,
                  double       budget)
{
  recorder->ctx = ctx;
  recorder->segments = g_ptr_array_new ();
  recorder->budget = budget;
  recorder->spent = 0.0;
  recorder->n_takes = 0;
  recorder->capacity = 0;
  recorder->reserved = 0;
}

void
ns_recorder_clear (NsRecorder *recorder)
{
  if (recorder->segments == NULL)
    return;
  g_ptr_array_foreach (recorder->segments, segment_free, recorder->ctx);
  g_ptr_array_free (recorder->segments, TRUE);
  recorder->segments = NULL;
}

static NsVkCommands *
segment_open (NsRecorder  *recorder,
              guint        min_dispatches,
              GError     **error)
{
  NsVkCommands *commands = g_new0 (NsVkCommands, 1);
  guint         capacity = MAX (TAKES_PER_SEGMENT * DISPATCHES_PER_TAKE,
                                min_dispatches);

  if (!ns_vk_commands_init (recorder->ctx, commands, capacity, error) ||
      !ns_vk_commands_begin (recorder->ctx, commands, error))
    {
      segment_free (commands, recorder->ctx);
      return NULL;
    }
  g_ptr_array_add (recorder->segments, commands);
  recorder->spent = 0.0;
  recorder->n_takes = 0;
  recorder->capacity = capacity;
  recorder->reserved = 0;

  return commands;
}

NsVkCommands *
ns_recorder_take (NsRecorder  *recorder,
                  double       flops,
                  GError     **error)
{
  return ns_recorder_take_dispatches (recorder, flops, DISPATCHES_PER_TAKE,
                                      error);
}

NsVkCommands *
ns_recorder_take_dispatches (NsRecorder  *recorder,
                             double       flops,
                             guint        n_dispatches,
                             GError     **error)
{
  GPtrArray    *segments = recorder->segments;
  NsVkCommands *current = segments->len > 0 ?
                          g_ptr_array_index (segments, segments->len - 1) : NULL;

  if (current == NULL ||
      (recorder->n_takes > 0 && recorder->spent + flops > recorder->budget) ||
      recorder->n_takes >= TAKES_PER_SEGMENT ||
      recorder->reserved + n_dispatches > recorder->capacity)
    {
      if (current != NULL &&
          !ns_vk_commands_end (recorder->ctx, current, error))
        return NULL;
      current = segment_open (recorder, n_dispatches, error);
      if (current == NULL)
        return NULL;
    }
  recorder->spent += flops;
  recorder->n_takes++;
  recorder->reserved += n_dispatches;

  return current;
}

gboolean
ns_recorder_end (NsRecorder  *recorder,
                 GError     **error)
{
  GPtrArray *segments = recorder->segments;

  if (segments->len == 0)
    return TRUE;

  return ns_vk_commands_end (recorder->ctx,
                             g_ptr_array_index (segments, segments->len - 1),
                             error);
}

gboolean
ns_recorder_submit (NsRecorder    *recorder,
                    GCancellable  *cancellable,
                    GError       **error)
{
  for (guint i = 0; i < recorder->segments->len; i++)
    {
      if (g_cancellable_is_cancelled (cancellable))
        {
          g_set_error (error, NS_ERROR, NS_ERROR_CANCELLED, "Cancelled");
          return FALSE;
        }
      if (!ns_vk_commands_submit (recorder->ctx,
                                  g_ptr_array_index (recorder->segments, i),
                                  error))
        return FALSE;
    }

  return TRUE;
}

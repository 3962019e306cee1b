/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Work recorded once as a list of command buffers (segments) and replayed:
 * a new segment starts whenever the estimated work of the current one
 * reaches a budget, so that no submission runs long enough to trip a
 * driver watchdog and cancellation is checked between segments. */
#pragma once

#include <gio/gio.h>

#include "ns-vk.h"

G_BEGIN_DECLS

typedef struct
{
  NsVkContext *ctx;
  GPtrArray   *segments;       /* NsVkCommands*, recorded in order */
  double       budget;         /* floating-point operations per segment */
  double       spent;          /* in the current segment */
  guint        n_takes;        /* takes in the current segment */
  guint        capacity;       /* dispatches the current segment can hold */
  guint        reserved;       /* dispatches its takes may record */
} NsRecorder;

void          ns_recorder_init   (NsRecorder    *recorder,
                                  NsVkContext   *ctx,
                                  double         budget);
void          ns_recorder_clear  (NsRecorder    *recorder);

/* The segment to record the next operation of about @flops into, with
 * room for up to 4 dispatches, or for @n_dispatches. */
NsVkCommands *ns_recorder_take   (NsRecorder    *recorder,
                                  double         flops,
                                  GError       **error);
NsVkCommands *ns_recorder_take_dispatches (NsRecorder *recorder,
                                           double      flops,
                                           guint       n_dispatches,
                                           GError    **error);

/* Ends the last segment; the recording can then be submitted. */
gboolean      ns_recorder_end    (NsRecorder    *recorder,
                                  GError       **error);

/* Submits every segment in order, waiting for each; stops with
 * NS_ERROR_CANCELLED between two segments once @cancellable is cancelled. */
gboolean      ns_recorder_submit (NsRecorder    *recorder,
                                  GCancellable  *cancellable,
                                  GError       **error);

G_END_DECLS

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The Vulkan layer end to end: a real shader on the chosen device, its output
 * checked element by element, on sizes that are not workgroup multiples. */
#include <string.h>

#include "ns-test.h"

typedef struct
{
  guint32 n;
  float   scale;
  float   offset;
} FillPush;

_Static_assert (sizeof (FillPush) == 12, "matches shaders/fill.comp");

static void
check_fill (NsVkContext        *ctx,
            const NsVkPipeline *pipeline,
            guint32             n)
{
  GError    *error = NULL;
  GRand     *rand = g_rand_new_with_seed (n);
  float     *src = g_new (float, n), *dst = g_new0 (float, n);
  float     *want = g_new (float, n);
  NsVkBuffer in, out;
  NsVkBuffer *buffers[] = { &in, &out };
  FillPush   push = { .n = n, .scale = 2.5f, .offset = -1.0f };
  guint32    groups[3] = { (n + pipeline->local_size[0] - 1) /
                           pipeline->local_size[0], 1, 1 };

  ns_test_fill_random (rand, src, n, -10.0f, 10.0f);
  for (guint32 i = 0; i < n; i++)
    want[i] = src[i] * push.scale + push.offset;

  g_assert_true (ns_vk_buffer_init (ctx, &in, n * sizeof (float), &error));
  g_assert_true (ns_vk_buffer_init (ctx, &out, n * sizeof (float), &error));
  g_assert_true (ns_vk_buffer_upload (ctx, &in, 0, src, n * sizeof (float),
                                      &error));
  g_assert_true (ns_vk_run_once (ctx, pipeline, buffers, &push, groups,
                                 &error));
  g_assert_no_error (error);
  g_assert_true (ns_vk_buffer_download (ctx, &out, 0, dst, n * sizeof (float),
                                        &error));
  g_assert_no_error (error);

  if (ns_test_normalised_error (dst, want, n) > 1e-6)
    g_error ("fill n=%u scale=%g offset=%g: normalised error %g",
             n, push.scale, push.offset,
             ns_test_normalised_error (dst, want, n));

  ns_vk_buffer_free (ctx, &in);
  ns_vk_buffer_free (ctx, &out);
  g_free (src);
  g_free (dst);
  g_free (want);
  g_rand_free (rand);
}

static void
test_fill (void)
{
  static const guint32 sizes[] = { 1, 63, 64, 65, 1000, 100003 };
  NsVkContext *ctx = ns_test_context_new ();
  NsVkPipeline pipeline;
  GError      *error = NULL;

  g_assert_true (ns_vk_pipeline_init (ctx, &pipeline, NS_SHADER_fill, 2,
                                      sizeof (FillPush), NULL, &error));
  g_assert_no_error (error);
  for (gsize i = 0; i < G_N_ELEMENTS (sizes); i++)
    check_fill (ctx, &pipeline, sizes[i]);
  ns_vk_pipeline_free (ctx, &pipeline);
  ns_test_context_free (ctx);
}

/* Replaying one recorded command buffer must give the same answer each time. */
static void
test_replay (void)
{
  NsVkContext *ctx = ns_test_context_new ();
  NsVkPipeline pipeline;
  NsVkCommands commands;
  NsVkBuffer   a, b;
  NsVkBuffer  *forward[] = { &a, &b }, *backward[] = { &b, &a };
  GError      *error = NULL;
  float        data[100], back[100];
  FillPush     push = { .n = 100, .scale = 1.0f, .offset = 1.0f };
  guint32      groups[3] = { 2, 1, 1 };
  guint32      local[3] = { 64, 1, 1 };

  for (int i = 0; i < 100; i++)
    data[i] = (float) i;
  g_assert_true (ns_vk_pipeline_init (ctx, &pipeline, NS_SHADER_fill, 2,
                                      sizeof push, local, &error));
  g_assert_true (ns_vk_buffer_init (ctx, &a, sizeof data, &error));
  g_assert_true (ns_vk_buffer_init (ctx, &b, sizeof data, &error));
  g_assert_true (ns_vk_buffer_upload (ctx, &a, 0, data, sizeof data, &error));
  g_assert_true (ns_vk_commands_init (ctx, &commands, 2, &error));
  g_assert_true (ns_vk_commands_begin (ctx, &commands, &error));
  g_assert_true (ns_vk_commands_dispatch (ctx, &commands, &pipeline, forward,
                                          &push, groups, &error));
  g_assert_true (ns_vk_commands_dispatch (ctx, &commands, &pipeline, backward,
                                          &push, groups, &error));
  g_assert_true (ns_vk_commands_end (ctx, &commands, &error));
  for (int round = 0; round < 3; round++)
    g_assert_true (ns_vk_commands_submit (ctx, &commands, &error));
  g_assert_no_error (error);
  g_assert_true (ns_vk_buffer_download (ctx, &a, 0, back, sizeof back,
                                        &error));
  for (int i = 0; i < 100; i++)
    g_assert_cmpfloat (back[i], ==, (float) i + 6.0f);

  ns_vk_commands_free (ctx, &commands);
  ns_vk_buffer_free (ctx, &a);
  ns_vk_buffer_free (ctx, &b);
  ns_vk_pipeline_free (ctx, &pipeline);
  ns_test_context_free (ctx);
}

/* Requests the device cannot honour come back as errors, not crashes. */
static void
test_refusals (void)
{
  NsVkContext *ctx = ns_test_context_new ();
  const VkPhysicalDeviceLimits *limits = ns_vk_context_get_limits (ctx);
  NsVkPipeline pipeline;
  NsVkBuffer   buffer;
  GError      *error = NULL;
  guint32      too_wide[3] = { limits->maxComputeWorkGroupInvocations + 1, 1, 1 };

  g_assert_false (ns_vk_pipeline_init (ctx, &pipeline, NS_SHADER_fill, 2,
                                       sizeof (FillPush), too_wide, &error));
  g_assert_error (error, NS_ERROR, NS_ERROR_UNSUPPORTED);
  g_assert_nonnull (strstr (error->message, "fill"));
  g_clear_error (&error);

  g_assert_false (ns_vk_buffer_init (ctx, &buffer,
                                     (VkDeviceSize) limits->maxStorageBufferRange + 1,
                                     &error));
  g_assert_error (error, NS_ERROR, NS_ERROR_OUT_OF_MEMORY);
  g_clear_error (&error);
  ns_test_context_free (ctx);
}

static void
test_device_request (void)
{
  GError      *error = NULL;
  NsVkContext *ctx = ns_vk_context_new ("no such device anywhere", &error);

  g_assert_null (ctx);
  g_assert_error (error, NS_ERROR, NS_ERROR_NO_DEVICE);
  g_assert_nonnull (strstr (error->message, "no such device anywhere"));
  g_clear_error (&error);
}

/* The tests rely on validation messages being counted: an invalid call
 * (a buffer of size 0) must raise the count. */
static void
test_validation_counts (void)
{
  NsVkContext *ctx = ns_test_context_new ();
  VkBufferCreateInfo info = {
    .sType = VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO,
    .size = 0,
    .usage = VK_BUFFER_USAGE_STORAGE_BUFFER_BIT,
  };
  VkBuffer buffer = VK_NULL_HANDLE;

  if (!g_test_undefined ())
    {
      ns_test_context_free (ctx);
      return;
    }
  g_test_expect_message ("neural-style", G_LOG_LEVEL_WARNING,
                         "Vulkan validation:*");
  if (vkCreateBuffer (ns_vk_context_get_device (ctx), &info, NULL, &buffer)
      == VK_SUCCESS && buffer != VK_NULL_HANDLE)
    vkDestroyBuffer (ns_vk_context_get_device (ctx), buffer, NULL);
  g_test_assert_expected_messages ();
  g_assert_cmpuint (ns_vk_context_get_n_validation_messages (ctx), >, 0);
  ns_vk_context_free (ctx);
}

int
main (int argc, char **argv)
{
  /* Skip the whole program, not each case, on a machine without Vulkan. */
  ns_test_context_free (ns_test_context_new ());

  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/vk/fill", test_fill);
  g_test_add_func ("/vk/replay", test_replay);
  g_test_add_func ("/vk/refusals", test_refusals);
  g_test_add_func ("/vk/device-request", test_device_request);
  if (g_getenv ("NEURAL_STYLE_VK_VALIDATION") != NULL)
    g_test_add_func ("/vk/validation-counts", test_validation_counts);

  return g_test_run ();
}

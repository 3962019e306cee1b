/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The Vulkan layer: one device, storage buffers, compute pipelines built from
 * embedded SPIR-V, and command buffers recorded once and submitted often. */
#pragma once

#include <glib.h>
#include <vulkan/vulkan.h>

#include "ns-error.h"
#include "ns-settings.h"

G_BEGIN_DECLS

typedef enum
{
#define NS_SHADER(stem) NS_SHADER_##stem,
#include "ns-shader-list.h"
#undef NS_SHADER
  NS_N_SHADERS
} NsShaderId;

typedef struct
{
  char                 name[VK_MAX_PHYSICAL_DEVICE_NAME_SIZE];
  VkPhysicalDeviceType type;
  guint32              api_version;
  VkDeviceSize         heap_size;   /* bytes of the largest device-local heap */
  gboolean             usable;      /* Vulkan 1.1, a compute queue, subgroup
                                    * broadcast in subgroups of 8 or more */
} NsVkDeviceInfo;

typedef struct _NsVkContext NsVkContext;

typedef struct
{
  VkBuffer       buffer;
  VkDeviceMemory memory;
  VkDeviceSize   size;      /* bytes */
  void          *mapped;    /* non-NULL when the memory is host-visible */
  VkDeviceAddress address;  /* where shaders find it; 0 without
                               ns_vk_context_has_addresses */
} NsVkBuffer;

typedef struct
{
  NsShaderId            shader;
  VkDescriptorSetLayout set_layout;
  VkPipelineLayout      layout;
  VkPipeline            pipeline;
  guint                 n_buffers;
  guint                 push_size;  /* bytes of the push-constant block */
  guint32               local_size[3];
} NsVkPipeline;

typedef struct
{
  VkCommandBuffer  command_buffer;
  VkDescriptorPool descriptor_pool;
  guint            n_sets;     /* descriptor sets the pool was sized for */
  guint            n_used;
  gboolean         recording;
  VkQueryPool      queries;    /* profiling: two timestamps per dispatch */
  NsShaderId      *query_shaders;
} NsVkCommands;

/* Devices. */

/* Which of @devices to run on: with @request (an index or part of a name,
 * case ignored), the first usable one it names; without, real GPUs before
 * virtual ones before CPU drivers, then the larger device-local heap.
 * Unusable devices are never picked.  FALSE (NS_ERROR_NO_DEVICE) when no
 * device qualifies. */
gboolean            ns_vk_device_pick           (const NsVkDeviceInfo *devices,
                                                 guint                 n_devices,
                                                 const char           *request,
                                                 guint                *chosen,
                                                 GError              **error);
gboolean            ns_vk_list_devices          (GArray          **devices,
                                                 GError          **error);
NsVkContext        *ns_vk_context_new           (const char       *device_request,
                                                 GError          **error);
void                ns_vk_context_free          (NsVkContext      *ctx);
const char         *ns_vk_context_get_device_name (NsVkContext    *ctx);
gboolean            ns_vk_context_is_cpu        (NsVkContext      *ctx);
const VkPhysicalDeviceLimits *
                    ns_vk_context_get_limits    (NsVkContext      *ctx);
VkDeviceSize        ns_vk_context_get_heap_size (NsVkContext      *ctx);
/* The device's default subgroup size, invocations (8 or more). */
guint32             ns_vk_context_get_subgroup_size (NsVkContext  *ctx);
/* TRUE when every buffer has a device address (NsVkBuffer.address) that
 * shaders may read through; FALSE on devices without the feature and under
 * NEURAL_STYLE_VK_LIMITS=minimum. */
gboolean            ns_vk_context_has_addresses (NsVkContext      *ctx);
guint               ns_vk_context_get_n_validation_messages (NsVkContext *ctx);
VkDevice            ns_vk_context_get_device    (NsVkContext      *ctx);

/* With NEURAL_STYLE_PROFILE set: seconds spent in each shader so far and
 * how many dispatches ran; FALSE when profiling is off. */
gboolean            ns_vk_context_get_profile   (NsVkContext      *ctx,
                                                 double           *seconds,
                                                 guint64          *counts);

/* Buffers. */
gboolean            ns_vk_buffer_init           (NsVkContext      *ctx,
                                                 NsVkBuffer       *buffer,
                                                 VkDeviceSize      size,
                                                 GError          **error);
void                ns_vk_buffer_free           (NsVkContext      *ctx,
                                                 NsVkBuffer       *buffer);
gboolean            ns_vk_buffer_upload         (NsVkContext      *ctx,
                                                 NsVkBuffer       *buffer,
                                                 VkDeviceSize      offset,
                                                 const void       *data,
                                                 VkDeviceSize      size,
                                                 GError          **error);
gboolean            ns_vk_buffer_download       (NsVkContext      *ctx,
                                                 NsVkBuffer       *buffer,
                                                 VkDeviceSize      offset,
                                                 void             *data,
                                                 VkDeviceSize      size,
                                                 GError          **error);

/* Pipelines: local_size NULL picks a 1-D workgroup of 64 invocations,
 * reduced to what the device allows. */
gboolean            ns_vk_pipeline_init         (NsVkContext      *ctx,
                                                 NsVkPipeline     *pipeline,
                                                 NsShaderId        shader,
                                                 guint             n_buffers,
                                                 guint             push_size,
                                                 const guint32    *local_size,
                                                 GError          **error);
void                ns_vk_pipeline_free         (NsVkContext      *ctx,
                                                 NsVkPipeline     *pipeline);
const char         *ns_vk_shader_name           (NsShaderId        shader);

/* Commands: begin, any number of dispatches (each followed by a barrier so
 * the next one sees its writes), end, then submit as often as needed. */
gboolean            ns_vk_commands_init         (NsVkContext      *ctx,
                                                 NsVkCommands     *commands,
                                                 guint             max_dispatches,
                                                 GError          **error);
void                ns_vk_commands_free         (NsVkContext      *ctx,
                                                 NsVkCommands     *commands);
gboolean            ns_vk_commands_begin        (NsVkContext      *ctx,
                                                 NsVkCommands     *commands,
                                                 GError          **error);
gboolean            ns_vk_commands_dispatch     (NsVkContext      *ctx,
                                                 NsVkCommands     *commands,
                                                 const NsVkPipeline *pipeline,
                                                 NsVkBuffer      **buffers,
                                                 const void       *push,
                                                 const guint32    *n_groups,
                                                 GError          **error);
/* Records vkCmdFillBuffer of the whole buffer with @value (bit pattern;
 * 0 gives 0.0f), followed by a barrier. */
gboolean            ns_vk_commands_fill         (NsVkContext      *ctx,
                                                 NsVkCommands     *commands,
                                                 NsVkBuffer       *buffer,
                                                 guint32           value,
                                                 GError          **error);
gboolean            ns_vk_commands_end          (NsVkContext      *ctx,
                                                 NsVkCommands     *commands,
                                                 GError          **error);
gboolean            ns_vk_commands_submit       (NsVkContext      *ctx,
                                                 NsVkCommands     *commands,
                                                 GError          **error);

/* One dispatch, submitted and waited for. */
gboolean            ns_vk_run_once              (NsVkContext      *ctx,
                                                 const NsVkPipeline *pipeline,
                                                 NsVkBuffer      **buffers,
                                                 const void       *push,
                                                 const guint32    *n_groups,
                                                 GError          **error);

/* Tests: from now on, the @at-th (1-based) buffer allocation fails with
 * VK_ERROR_OUT_OF_DEVICE_MEMORY (NS_FAULT_ALLOC) or the @at-th queue
 * submission with VK_ERROR_DEVICE_LOST (NS_FAULT_SUBMIT); @at 0 only
 * counts.  NEURAL_STYLE_VK_FAULT arms it at start-up. */
void                ns_vk_fault_arm             (NsFault           kind,
                                                 guint             at);
/* Calls of the armed kind since it was armed. */
guint               ns_vk_fault_count           (void);

/* Fills @error from a failed VkResult, naming the call and what it was for. */
gboolean            ns_vk_check                 (VkResult          result,
                                                 const char       *call,
                                                 const char       *what,
                                                 GError          **error);

G_END_DECLS

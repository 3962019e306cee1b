/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Which Vulkan device a run takes, on made-up device lists: a machine with
 * lavapipe and a real GPU runs on the GPU whatever their order (case C18),
 * a named device wins, unusable devices are never taken. */
#include <string.h>

#include "ns-error.h"
#include "ns-vk.h"

static NsVkDeviceInfo
device (const char           *name,
        VkPhysicalDeviceType  type,
        VkDeviceSize          heap_mib,
        gboolean              usable)
{
  NsVkDeviceInfo info = { .type = type, .heap_size = heap_mib << 20,
                          .usable = usable,
                          .api_version = VK_API_VERSION_1_3 };

  g_strlcpy (info.name, name, sizeof info.name);
  return info;
}

#define CPU  VK_PHYSICAL_DEVICE_TYPE_CPU
#define DGPU VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU
#define IGPU VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU
#define VGPU VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU

/* Picks from @devices with @request and checks the answer is @want, or a
 * NS_ERROR_NO_DEVICE failure when @want is -1. */
static void
check_pick (const NsVkDeviceInfo *devices,
            guint                 n,
            const char           *request,
            int                   want)
{
  guint   chosen = G_MAXUINT;
  GError *error = NULL;
  gboolean ok = ns_vk_device_pick (devices, n, request, &chosen, &error);

  if (want < 0)
    {
      g_assert_false (ok);
      g_assert_error (error, NS_ERROR, NS_ERROR_NO_DEVICE);
      g_clear_error (&error);
      return;
    }
  g_assert_no_error (error);
  g_assert_true (ok);
  if (chosen != (guint) want)
    g_error ("request \"%s\": device %u (%s) chosen, %d (%s) wanted",
             request != NULL ? request : "(none)", chosen,
             chosen < n ? devices[chosen].name : "?", want, devices[want].name);
}

static void
test_gpu_first (void)
{
  NsVkDeviceInfo cpu_first[] = {
    device ("llvmpipe (LLVM 19.1.7, 256 bits)", CPU, 24000, TRUE),
    device ("NVIDIA H200", DGPU, 140000, TRUE),
  };
  NsVkDeviceInfo mixed[] = {
    device ("virtio-gpu", VGPU, 8000, TRUE),
    device ("AMD Radeon 780M", IGPU, 4000, TRUE),
    device ("llvmpipe (LLVM 19.1.7, 256 bits)", CPU, 24000, TRUE),
  };
  NsVkDeviceInfo two_gpus[] = {
    device ("Small GPU", DGPU, 4000, TRUE),
    device ("Large GPU", DGPU, 16000, TRUE),
  };
  NsVkDeviceInfo unusable_gpu[] = {
    device ("Old GPU without subgroups", DGPU, 8000, FALSE),
    device ("llvmpipe (LLVM 19.1.7, 256 bits)", CPU, 24000, TRUE),
  };

  check_pick (cpu_first, G_N_ELEMENTS (cpu_first), NULL, 1);
  check_pick (mixed, G_N_ELEMENTS (mixed), NULL, 1);
  check_pick (two_gpus, G_N_ELEMENTS (two_gpus), NULL, 1);
  check_pick (unusable_gpu, G_N_ELEMENTS (unusable_gpu), NULL, 1);
}

static void
test_request (void)
{
  NsVkDeviceInfo devices[] = {
    device ("llvmpipe (LLVM 19.1.7, 256 bits)", CPU, 24000, TRUE),
    device ("NVIDIA H200", DGPU, 140000, TRUE),
    device ("Old GPU without subgroups", DGPU, 8000, FALSE),
  };
  guint n = G_N_ELEMENTS (devices);

  check_pick (devices, n, "llvmpipe", 0);
  check_pick (devices, n, "LLVMPIPE", 0);
  check_pick (devices, n, "h200", 1);
  check_pick (devices, n, "0", 0);
  check_pick (devices, n, "1", 1);
  check_pick (devices, n, "2", -1);        /* unusable */
  check_pick (devices, n, "Old GPU", -1);  /* unusable */
  check_pick (devices, n, "7", -1);
  check_pick (devices, n, "radeon", -1);
}

static void
test_none (void)
{
  NsVkDeviceInfo unusable[] = {
    device ("Old GPU without subgroups", DGPU, 8000, FALSE),
  };

  check_pick (unusable, G_N_ELEMENTS (unusable), NULL, -1);
  check_pick (NULL, 0, NULL, -1);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/device-pick/gpu-first", test_gpu_first);
  g_test_add_func ("/device-pick/request", test_request);
  g_test_add_func ("/device-pick/none", test_none);

  return g_test_run ();
}

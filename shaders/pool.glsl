// SPDX-License-Identifier: GPL-3.0-or-later
// What the pooling kernels share: their push constants and window ranges.
// Tensors are planar float32 [C][H][W]; output (oy, ox) pools the square
// window of rows oy * stride - pad .. + kernel - 1 (columns likewise) of
// the input, pixels outside the image (padding) taking no part.
#ifndef NS_POOL_GLSL
#define NS_POOL_GLSL

layout (push_constant) uniform Push
{
  uint channels;
  uint in_h;
  uint in_w;
  uint out_h;
  uint out_w;
  uint kernel;      // window side, pixels
  uint stride;
  uint pad;         // pixels of padding before row 0 and column 0
  uint accumulate;  // backward only: 1 adds to grad_in, 0 overwrites it
} pc;

// The in-image part of the window of output (oy, ox): rows first.y until
// last.y (exclusive), columns first.x until last.x.  The host guarantees
// that it is never empty (pad < kernel, last window starts in the image).
void
pool_window (uint oy, uint ox, out uvec2 first, out uvec2 last)
{
  ivec2 start = ivec2 (ox, oy) * int (pc.stride) - int (pc.pad);

  first = uvec2 (max (start, ivec2 (0)));
  last = uvec2 (min (start + int (pc.kernel), ivec2 (pc.in_w, pc.in_h)));
}

// The outputs along one axis (n_out of them) whose windows cover input
// coordinate v: o from .x until .y (exclusive).  Window o covers v when
// o * stride - pad <= v < o * stride - pad + kernel.
uvec2
pool_covering (uint v, uint n_out)
{
  int s = int (pc.stride);
  int lowest = int (v + pc.pad) - int (pc.kernel) + 1;  // o * s >= lowest
  int first = lowest <= 0 ? 0 : (lowest + s - 1) / s;
  int last = min (int (v + pc.pad) / s + 1, int (n_out));

  return uvec2 (first, max (first, last));
}

#endif

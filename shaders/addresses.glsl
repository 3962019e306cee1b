// SPDX-License-Identifier: GPL-3.0-or-later
// Buffers reached through their device addresses, for the *_addresses
// variants of shaders (NS_ADDRESSES; shaders/meson.build).  Such a variant
// keeps its bindings, and the host (ns_op_dispatch) appends binding i's
// address to its push constants, 8-byte aligned after the shader's own:
// NS_PUSH_ADDRESSES (n) ends the push block.  The shader reads and writes
// with NS_AT, through the address in that variant and through the binding
// in the plain one.  A CPU driver (llvmpipe) skips the bounds test it makes
// per lane on a storage buffer access, which is most of the cost of a
// shader that moves data.
#ifndef NS_ADDRESSES_GLSL
#define NS_ADDRESSES_GLSL

#ifdef NS_ADDRESSES
#extension GL_EXT_buffer_reference : require
layout (buffer_reference, std430, buffer_reference_align = 4) buffer
NsFloats { float v[]; };
#define NS_PUSH_ADDRESSES(n) NsFloats address[n];
#define NS_AT(binding, i, which) pc.address[which].v[i]
#else
#define NS_PUSH_ADDRESSES(n)
#define NS_AT(binding, i, which) binding[i]
#endif

#endif

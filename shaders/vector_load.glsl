// Loading f32 activations bound as a storage texel buffer (rgba32ui, four floats per texel),
// the fast path on CPU drivers (weights.glsl). Include with VNAME (a prefix) and VTEX (the
// uimageBuffer); it declares
//   void VNAME_load32(uint base, uint e0, uint K, out float v[32])
// which sets v[i] to element base + e0 + i for e0 + i < K and to 0 past K, never loading past
// element base + K - 1 (e0 < K, a multiple of 32).
// The test is on values the whole dispatch shares (base is per vector, K per dispatch), so
// a CPU driver branches instead of running both paths under a lane mask; e0 is a multiple of 32.
void CAT(VNAME, _load32)(uint base, uint e0, uint K, out float v[32]) {
  if ((base & 3u) == 0u && (K & 31u) == 0u) {  // whole aligned texels
    [[unroll]] for (uint i = 0; i < 8u; ++i) {
      vec4 f = uintBitsToFloat(imageLoad(VTEX, int((base + e0) / 4u + i)));
      v[4u * i] = f.x;
      v[4u * i + 1u] = f.y;
      v[4u * i + 2u] = f.z;
      v[4u * i + 3u] = f.w;
    }
  } else {
    [[unroll]] for (uint i = 0; i < 32u; ++i) {
      uint e = base + min(e0 + i, K - 1u);
      uvec4 t = imageLoad(VTEX, int(e / 4u));
      v[i] = e0 + i < K ? uintBitsToFloat(texel_word(t, e & 3u)) : 0.0;
    }
  }
}

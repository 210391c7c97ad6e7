// Reading GGUF weight rows straight from their blocks in device memory (layouts as in
// engine/quant/blocks.h). A row is cut into units of 32 consecutive elements: one block of the
// 32-element types, one eighth of a K-quant super-block, 32 values of F32/F16/BF16.
//
// Include once per weight binding, with WNAME (a prefix for its names), WBINDING and one
// W_<TYPE> define (W_F32, W_F16, W_BF16, W_Q4_0, W_Q4_1, W_Q5_0, W_Q5_1, W_Q8_0, W_Q4_K,
// W_Q5_K, W_Q6_K). It declares the binding and
//   void WNAME_unit(uint rb, uint u, uint K, out float v[32])
// which sets v to unit u of the row that starts at byte rb of the binding (K: elements per row,
// used by the float types, whose last unit may be short and is padded with zeros).
// Byte offsets: multiples of 4 for F32, Q4_1, Q5_1, Q4_K, Q5_K; of 2 otherwise.
// Define PRECISE as `precise` to forbid fused multiply-adds, so that values match ggml's
// dequantization bit for bit.
#ifndef PRECISE
#define PRECISE
#endif

layout(std430, binding = WBINDING) readonly buffer CAT(WNAME, Words16) {
  uint16_t CAT(WNAME, _w16)[];
};
layout(std430, binding = WBINDING) readonly buffer CAT(WNAME, Words32) {
  uint CAT(WNAME, _w32)[];
};
#define W16(i) uint(CAT(WNAME, _w16)[i])
#define W32(i) CAT(WNAME, _w32)[i]
// Byte i counted from 16-bit word index b16 / 32-bit word index b32.
#define B16(b16, i) ((W16((b16) + ((i) >> 1)) >> (8u * ((i) & 1u))) & 0xFFu)
#define B32(b32, i) ((W32((b32) + ((i) >> 2)) >> (8u * ((i) & 3u))) & 0xFFu)

void CAT(WNAME, _unit)(uint rb, uint u, uint K, out float v[32]) {
#if defined(W_F32)
  uint e0 = 32u * u;
  uint base = rb / 4u + e0;
  if (e0 + 32u <= K) {
    [[unroll]] for (uint i = 0; i < 32u; ++i) v[i] = uintBitsToFloat(W32(base + i));
  } else {
    [[unroll]] for (uint i = 0; i < 32u; ++i) {
      v[i] = e0 + i < K ? uintBitsToFloat(W32(base + i)) : 0.0;
    }
  }
#elif defined(W_F16) || defined(W_BF16)
  uint e0 = 32u * u;
  uint base = rb / 2u + e0;
  if (e0 + 32u <= K && (base & 1u) == 0u) {
    [[unroll]] for (uint i = 0; i < 16u; ++i) {
      uint w = W32(base / 2u + i);
#if defined(W_F16)
      vec2 f = unpackHalf2x16(w);
      v[2u * i] = f.x;
      v[2u * i + 1u] = f.y;
#else
      v[2u * i] = uintBitsToFloat(w << 16);
      v[2u * i + 1u] = uintBitsToFloat(w & 0xFFFF0000u);
#endif
    }
  } else {
    [[unroll]] for (uint i = 0; i < 32u; ++i) {
      uint h = e0 + i < K ? W16(base + i) : 0u;
#if defined(W_F16)
      v[i] = unpackHalf2x16(h).x;
#else
      v[i] = uintBitsToFloat(h << 16);
#endif
    }
  }
#elif defined(W_Q4_0)
  uint b = rb / 2u + 9u * u;  // 18 bytes: d, qs[16]
  float d = unpackHalf2x16(W16(b)).x;
  [[unroll]] for (uint j = 0; j < 8u; ++j) {
    uint q = W16(b + 1u + j);  // bytes 2j, 2j+1
    v[2u * j] = float(int(q & 0xFu) - 8) * d;
    v[2u * j + 1u] = float(int((q >> 8) & 0xFu) - 8) * d;
    v[2u * j + 16u] = float(int((q >> 4) & 0xFu) - 8) * d;
    v[2u * j + 17u] = float(int((q >> 12) & 0xFu) - 8) * d;
  }
#elif defined(W_Q4_1)
  uint b = rb / 4u + 5u * u;  // 20 bytes: d, m, qs[16]
  vec2 dm = unpackHalf2x16(W32(b));
  [[unroll]] for (uint i = 0; i < 4u; ++i) {
    uint q = W32(b + 1u + i);  // bytes 4i .. 4i+3
    [[unroll]] for (uint c = 0; c < 4u; ++c) {
      PRECISE float lo = float((q >> (8u * c)) & 0xFu) * dm.x + dm.y;
      PRECISE float hi = float((q >> (8u * c + 4u)) & 0xFu) * dm.x + dm.y;
      v[4u * i + c] = lo;
      v[4u * i + c + 16u] = hi;
    }
  }
#elif defined(W_Q5_0)
  uint b = rb / 2u + 11u * u;  // 22 bytes: d, qh[4], qs[16]
  float d = unpackHalf2x16(W16(b)).x;
  uint qh = W16(b + 1u) | (W16(b + 2u) << 16);
  [[unroll]] for (uint j = 0; j < 8u; ++j) {
    uint q = W16(b + 3u + j);  // bytes 2j, 2j+1
    uint e = 2u * j;
    v[e] = float(int((q & 0xFu) | (((qh >> e) & 1u) << 4)) - 16) * d;
    v[e + 1u] = float(int(((q >> 8) & 0xFu) | (((qh >> (e + 1u)) & 1u) << 4)) - 16) * d;
    v[e + 16u] = float(int(((q >> 4) & 0xFu) | (((qh >> (e + 16u)) & 1u) << 4)) - 16) * d;
    v[e + 17u] = float(int(((q >> 12) & 0xFu) | (((qh >> (e + 17u)) & 1u) << 4)) - 16) * d;
  }
#elif defined(W_Q5_1)
  uint b = rb / 4u + 6u * u;  // 24 bytes: d, m, qh[4], qs[16]
  vec2 dm = unpackHalf2x16(W32(b));
  uint qh = W32(b + 1u);
  [[unroll]] for (uint i = 0; i < 4u; ++i) {
    uint q = W32(b + 2u + i);
    [[unroll]] for (uint c = 0; c < 4u; ++c) {
      uint e = 4u * i + c;
      uint lo = ((q >> (8u * c)) & 0xFu) | (((qh >> e) & 1u) << 4);
      uint hi = ((q >> (8u * c + 4u)) & 0xFu) | (((qh >> (e + 16u)) & 1u) << 4);
      PRECISE float vlo = float(lo) * dm.x + dm.y;
      PRECISE float vhi = float(hi) * dm.x + dm.y;
      v[e] = vlo;
      v[e + 16u] = vhi;
    }
  }
#elif defined(W_Q8_0)
  uint b = rb / 2u + 17u * u;  // 34 bytes: d, qs[32]
  float d = unpackHalf2x16(W16(b)).x;
  [[unroll]] for (uint j = 0; j < 16u; ++j) {
    int q = int(W16(b + 1u + j));
    v[2u * j] = float(bitfieldExtract(q, 0, 8)) * d;
    v[2u * j + 1u] = float(bitfieldExtract(q, 8, 8)) * d;
  }
#elif defined(W_Q4_K) || defined(W_Q5_K)
#if defined(W_Q4_K)
  uint b = rb / 4u + 36u * (u / 8u);  // 144 bytes: d, dmin, scales[12], qs[128]
  uint qs = b + 4u;
#else
  uint b = rb / 4u + 44u * (u / 8u);  // 176 bytes: d, dmin, scales[12], qh[32], qs[128]
  uint qs = b + 12u;
#endif
  uint g = u % 8u;
  vec2 dm = unpackHalf2x16(W32(b));
  uint sc, mn;  // ggml's get_scale_min_k4
  if (g < 4u) {
    sc = B32(b + 1u, g) & 63u;
    mn = B32(b + 1u, g + 4u) & 63u;
  } else {
    sc = (B32(b + 1u, g + 4u) & 0xFu) | ((B32(b + 1u, g - 4u) >> 6) << 4);
    mn = (B32(b + 1u, g + 4u) >> 4) | ((B32(b + 1u, g) >> 6) << 4);
  }
  PRECISE float dl = dm.x * float(sc);
  PRECISE float ml = dm.y * float(mn);
  uint shift = 4u * (g % 2u);
  [[unroll]] for (uint i = 0; i < 8u; ++i) {
    uint q = W32(qs + 8u * (g / 2u) + i);  // bytes 4i .. 4i+3 of this group's 32
#if defined(W_Q5_K)
    uint h = W32(b + 4u + i);  // qh bytes 4i .. 4i+3
#endif
    [[unroll]] for (uint c = 0; c < 4u; ++c) {
      uint val = (q >> (8u * c + shift)) & 0xFu;
#if defined(W_Q5_K)
      val |= ((h >> (8u * c + g)) & 1u) << 4;
#endif
      PRECISE float r = dl * float(val) - ml;
      v[4u * i + c] = r;
    }
  }
#elif defined(W_Q6_K)
  uint b = rb / 2u + 105u * (u / 8u);  // 210 bytes: ql[128], qh[64], scales[16], d
  uint g = u % 8u;
  uint half_ = g / 4u;
  uint s = g % 4u;
  float d = unpackHalf2x16(W16(b + 104u)).x;
  uint ql = b + 32u * half_ + 16u * (s % 2u);  // 16-bit word of ql[64 half + 32 (s % 2)]
  uint qh = b + 64u + 16u * half_;               // 16-bit word of qh[32 half]
  uint lshift = 4u * (s / 2u);
  uint hshift = 2u * s;
  uint sw = W16(b + 96u + 4u * half_ + s);  // scales[8 half + 2 s] and [8 half + 2 s + 1]
  PRECISE float d0 = d * float(bitfieldExtract(int(sw), 0, 8));
  PRECISE float d1 = d * float(bitfieldExtract(int(sw), 8, 8));
  [[unroll]] for (uint j = 0; j < 16u; ++j) {
    uint lw = W16(ql + j);
    uint hw = W16(qh + j);
    [[unroll]] for (uint c = 0; c < 2u; ++c) {
      uint l = 2u * j + c;
      uint lo = (lw >> (8u * c + lshift)) & 0xFu;
      uint hi = (hw >> (8u * c + hshift)) & 3u;
      PRECISE float r = (l < 16u ? d0 : d1) * float(int(lo | (hi << 4)) - 32);
      v[l] = r;
    }
  }
#else
#error "weights.glsl: define one W_<TYPE>"
#endif
}

#undef W16
#undef W32
#undef B16
#undef B32

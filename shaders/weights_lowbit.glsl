// Unit decoders of the low-bit weight types (Q2_K, Q3_K, IQ4_NL, IQ4_XS, MXFP4, NVFP4, TQ1_0,
// TQ2_0, Q1_0, Q2_0) in their device row layouts (engine/quant/device_layout.h), each matching
// engine/quant/dequantize_lowbit.cpp / dequantize.cpp value for value. Included by weights.glsl
// after its load helpers; defines W_LOWBIT and
//   void WNAME_unit_lowbit(uint rb, uint u, uint K, out float v[32])
// when one of those types is selected. The 16-entry codebooks are constant arrays.
#if defined(W_Q2_K) || defined(W_Q3_K) || defined(W_IQ4_NL) || defined(W_IQ4_XS) || \
    defined(W_MXFP4) || defined(W_NVFP4) || defined(W_TQ1_0) || defined(W_TQ2_0) ||  \
    defined(W_Q1_0) || defined(W_Q2_0)
#ifndef W_LOWBIT
#define W_LOWBIT
#endif

#ifndef WEIGHTS_LOWBIT_TABLES
#define WEIGHTS_LOWBIT_TABLES
// ggml's kvalues_iq4nl and kvalues_fp4 (E2M1 doubled; the FP4 scales are halved to match).
const int kIq4nlValues[16] =
    int[16](-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113);
const int kFp4Values[16] = int[16](0, 1, 2, 3, 4, 6, 8, 12, 0, -1, -2, -3, -4, -6, -8, -12);

// ggml_e8m0_to_fp32_half: 2^(e - 128).
float e8m0_half_to_f32(uint e) {
  return uintBitsToFloat(e < 2u ? (0x00200000u << e) : ((e - 1u) << 23));
}
// ggml_ue4m3_to_fp32: unsigned E4M3 (bit 7 ignored) times 0.5; 0 and 0x7F give 0.
float ue4m3_half_to_f32(uint x) {
  if (x == 0u || x == 0x7Fu) return 0.0;
  uint e = (x >> 3) & 0xFu, m = x & 7u;
  if (e == 0u) return float(m) * uintBitsToFloat(117u << 23);  // 2^-10
  return float(8u + m) * uintBitsToFloat((e + 116u) << 23);    // 2^(e - 11)
}
// Digit n (0..4) of a TQ1_0 byte (ggml: uint8(b * 3^n) * 3 >> 8).
uint tq1_digit(uint b, uint n) {
  const uint pow3[5] = uint[5](1u, 3u, 9u, 27u, 81u);
  return (((b * pow3[n]) & 0xFFu) * 3u) >> 8;
}
#endif

void CAT(WNAME, _unit_lowbit)(uint rb, uint u, uint K, out float v[32]) {
  uint rt = rb >> 4;
#if defined(W_Q2_K)
  // Planes: qs 64, scales 16, d+dmin 4 bytes per super-block. Unit g of super-block s: values
  // 32g + l are bits 2(g % 4).. of qs[32 (g / 4) + l]; scales[2g] for l < 16, scales[2g + 1] after.
  uint nsb = K / 256u;
  uint s = u / 8u, g = u % 8u;
  uvec4 qa = WT(rt + 4u * s + 2u * (g / 4u)), qb = WT(rt + 4u * s + 2u * (g / 4u) + 1u);
  uint sw = CAT(WNAME, _word)(rb + 64u * nsb + 16u * s + 2u * (g & ~1u)) >> (16u * (g & 1u));
  vec2 dm = unpackHalf2x16(CAT(WNAME, _word)(rb + 80u * nsb + 4u * s));
  uint s0 = sw & 0xFFu, s1 = (sw >> 8) & 0xFFu;
  PRECISE float dl0 = dm.x * float(s0 & 0xFu);
  PRECISE float ml0 = dm.y * float(s0 >> 4);
  PRECISE float dl1 = dm.x * float(s1 & 0xFu);
  PRECISE float ml1 = dm.y * float(s1 >> 4);
  uint shift = 2u * (g % 4u);
  [[unroll]] for (uint j = 0; j < 16u; ++j) {
    PRECISE float a = dl0 * float((TBYTE(qa, j) >> shift) & 3u) - ml0;
    PRECISE float b = dl1 * float((TBYTE(qb, j) >> shift) & 3u) - ml1;
    v[j] = a;
    v[j + 16u] = b;
  }
#elif defined(W_Q3_K)
  // Planes: hmask 32, qs 64, scales 12, d 2 bytes per super-block. Value 32g + l: 2 bits as Q2_K,
  // minus 4 unless bit g of hmask[l]; 6-bit scale 2g (l < 16) or 2g + 1 (ggml's Q3_K packing).
  uint nsb = K / 256u;
  uint s = u / 8u, g = u % 8u;
  uvec4 h0 = WT(rt + 2u * s), h1 = WT(rt + 2u * s + 1u);
  uint qt = rt + 2u * nsb + 4u * s + 2u * (g / 4u);
  uvec4 qa = WT(qt), qb = WT(qt + 1u);
  uint sb = rb + 96u * nsb + 12u * s;  // scales[12]
  float d = unpackHalf2x16(CAT(WNAME, _half)(rb + 108u * nsb + 2u * s)).x;
  int sc[2];
  [[unroll]] for (uint k = 0; k < 2u; ++k) {
    uint j = 2u * g + k;
    uint lw = CAT(WNAME, _word)(sb + 4u * ((j % 8u) / 4u));
    uint low = ((lw >> (8u * (j % 4u))) >> (4u * (j / 8u))) & 0xFu;
    uint hw = CAT(WNAME, _word)(sb + 8u);
    uint high = ((hw >> (8u * (j % 4u))) >> (2u * (j / 4u))) & 3u;
    sc[k] = int(low | (high << 4)) - 32;
  }
  PRECISE float dl0 = d * float(sc[0]);
  PRECISE float dl1 = d * float(sc[1]);
  uint shift = 2u * (g % 4u);
  [[unroll]] for (uint j = 0; j < 16u; ++j) {
    int qa_ = int((TBYTE(qa, j) >> shift) & 3u) - (((TBYTE(h0, j) >> g) & 1u) != 0u ? 0 : 4);
    int qb_ = int((TBYTE(qb, j) >> shift) & 3u) - (((TBYTE(h1, j) >> g) & 1u) != 0u ? 0 : 4);
    PRECISE float a = dl0 * float(qa_);
    PRECISE float b = dl1 * float(qb_);
    v[j] = a;
    v[j + 16u] = b;
  }
#elif defined(W_IQ4_NL) || defined(W_MXFP4)
  uint nb = K / 32u;
  uvec4 q = WT(rt + u);  // qs plane: 16 bytes per block
#if defined(W_IQ4_NL)
  float d = unpackHalf2x16(CAT(WNAME, _half)(rb + 16u * nb + 2u * u)).x;
#else
  uint eb = rb + 16u * nb + u;  // e plane: one byte per block
  float d = e8m0_half_to_f32((CAT(WNAME, _word)(eb & ~3u) >> (8u * (eb & 3u))) & 0xFFu);
#endif
  [[unroll]] for (uint j = 0; j < 16u; ++j) {
#if defined(W_IQ4_NL)
    PRECISE float a = d * float(kIq4nlValues[TBYTE(q, j) & 0xFu]);
    PRECISE float b = d * float(kIq4nlValues[TBYTE(q, j) >> 4]);
#else
    PRECISE float a = d * float(kFp4Values[TBYTE(q, j) & 0xFu]);
    PRECISE float b = d * float(kFp4Values[TBYTE(q, j) >> 4]);
#endif
    v[j] = a;
    v[j + 16u] = b;
  }
#elif defined(W_IQ4_XS)
  // Planes: qs 128, (d, scales_h, scales_l[4]) 8 bytes per super-block; unit g is group g.
  uint nsb = K / 256u;
  uint s = u / 8u, g = u % 8u;
  uvec4 q = WT(rt + 8u * s + g);
  uint w0 = CAT(WNAME, _word)(rb + 128u * nsb + 8u * s);
  uint w1 = CAT(WNAME, _word)(rb + 128u * nsb + 8u * s + 4u);
  float d = unpackHalf2x16(w0 & 0xFFFFu).x;
  uint ls = ((w1 >> (8u * (g / 2u) + 4u * (g % 2u))) & 0xFu) | (((w0 >> (16u + 2u * g)) & 3u) << 4);
  PRECISE float dl = d * float(int(ls) - 32);
  [[unroll]] for (uint j = 0; j < 16u; ++j) {
    PRECISE float a = dl * float(kIq4nlValues[TBYTE(q, j) & 0xFu]);
    PRECISE float b = dl * float(kIq4nlValues[TBYTE(q, j) >> 4]);
    v[j] = a;
    v[j + 16u] = b;
  }
#elif defined(W_NVFP4)
  // Planes: qs 32, d[4] 4 bytes per 64-element block. Unit u is half u % 2 of block u / 2: its
  // qs are texel u, its sub-blocks 2 (u % 2) and 2 (u % 2) + 1 (8 bytes each: low nibbles are
  // values 0..7, high nibbles 8..15).
  uint nb = K / 64u;
  uvec4 q = WT(rt + u);
  uint dw = CAT(WNAME, _word)(rb + 32u * nb + 4u * (u / 2u)) >> (16u * (u % 2u));
  float d0 = ue4m3_half_to_f32(dw & 0xFFu), d1 = ue4m3_half_to_f32((dw >> 8) & 0xFFu);
  [[unroll]] for (uint k = 0; k < 2u; ++k) {
    float d = k == 0u ? d0 : d1;
    [[unroll]] for (uint j = 0; j < 8u; ++j) {
      uint b = TBYTE(q, 8u * k + j);
      PRECISE float lo = float(kFp4Values[b & 0xFu]) * d;
      PRECISE float hi = float(kFp4Values[b >> 4]) * d;
      v[16u * k + j] = lo;
      v[16u * k + j + 8u] = hi;
    }
  }
#elif defined(W_TQ2_0)
  // Planes: qs 64, d 2 bytes per super-block. Value 128h + 32l + m is bits 2l.. of qs[32h + m].
  uint nsb = K / 256u;
  uint s = u / 8u, g = u % 8u;
  uint qt = rt + 4u * s + 2u * (g / 4u);
  uvec4 qa = WT(qt), qb = WT(qt + 1u);
  float d = unpackHalf2x16(CAT(WNAME, _half)(rb + 64u * nsb + 2u * s)).x;
  uint shift = 2u * (g % 4u);
  [[unroll]] for (uint j = 0; j < 16u; ++j) {
    v[j] = float(int((TBYTE(qa, j) >> shift) & 3u) - 1) * d;
    v[j + 16u] = float(int((TBYTE(qb, j) >> shift) & 3u) - 1) * d;
  }
#elif defined(W_TQ1_0)
  // Planes: qs 48, qh 4, d 2 bytes per super-block. ggml's order: values 32n + m are digit n of
  // qs[m] (n < 5), 160 + 16n + m digit n of qs[32 + m], 240 + 4n + m digit n of qh[m].
  uint nsb = K / 256u;
  uint s = u / 8u, g = u % 8u;
  uvec4 t0 = WT(rt + 3u * s), t1 = WT(rt + 3u * s + 1u), t2 = WT(rt + 3u * s + 2u);
  uint qh = CAT(WNAME, _word)(rb + 48u * nsb + 4u * s);
  float d = unpackHalf2x16(CAT(WNAME, _half)(rb + 52u * nsb + 2u * s)).x;
  // g, hence which bytes and digits, is the same for the whole unit: constant byte indices.
  if (g < 5u) {
    [[unroll]] for (uint m = 0; m < 16u; ++m) {
      v[m] = float(int(tq1_digit(TBYTE(t0, m), g)) - 1) * d;
      v[m + 16u] = float(int(tq1_digit(TBYTE(t1, m), g)) - 1) * d;
    }
  } else if (g < 7u) {
    uint n = 2u * (g - 5u);
    [[unroll]] for (uint m = 0; m < 16u; ++m) {
      v[m] = float(int(tq1_digit(TBYTE(t2, m), n)) - 1) * d;
      v[m + 16u] = float(int(tq1_digit(TBYTE(t2, m), n + 1u)) - 1) * d;
    }
  } else {
    [[unroll]] for (uint m = 0; m < 16u; ++m) {
      v[m] = float(int(tq1_digit(TBYTE(t2, m), 4u)) - 1) * d;
      v[m + 16u] = float(int(tq1_digit((qh >> (8u * (m % 4u))) & 0xFFu, m / 4u)) - 1) * d;
    }
  }
#elif defined(W_Q1_0)
  // Planes: qs 16, d 2 bytes per 128-element block; unit u is word u % 4 of block u / 4's qs.
  uint nb = K / 128u;
  uint bits = texel_word(WT(rt + u / 4u), u % 4u);
  float d = unpackHalf2x16(CAT(WNAME, _half)(rb + 16u * nb + 2u * (u / 4u))).x;
  [[unroll]] for (uint j = 0; j < 32u; ++j) v[j] = ((bits >> j) & 1u) != 0u ? d : -d;
#elif defined(W_Q2_0)
  // Planes: qs 16, d 2 bytes per 64-element block; unit u is words 2 (u % 2), +1 of block u / 2.
  uint nb = K / 64u;
  uvec4 t = WT(rt + u / 2u);
  uint w0 = texel_word(t, 2u * (u % 2u)), w1 = texel_word(t, 2u * (u % 2u) + 1u);
  float d = unpackHalf2x16(CAT(WNAME, _half)(rb + 16u * nb + 2u * (u / 2u))).x;
  [[unroll]] for (uint j = 0; j < 16u; ++j) {
    v[j] = float(int((w0 >> (2u * j)) & 3u) - 1) * d;
    v[j + 16u] = float(int((w1 >> (2u * j)) & 3u) - 1) * d;
  }
#endif
}
#endif

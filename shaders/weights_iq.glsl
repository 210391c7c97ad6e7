// Unit decoders of the codebook-grid IQ types (IQ2_XXS, IQ2_XS, IQ2_S, IQ3_XXS, IQ3_S, IQ1_S,
// IQ1_M) in their device row layouts (engine/quant/device_layout.h), each matching
// engine/quant/dequantize_iq.cpp value for value: the group scale first, then scale * grid
// magnitude, then the sign (an exact negation); IQ1_* add the delta before scaling. Included by
// weights.glsl after its load helpers; defines W_GRID_IQ and
//   void WNAME_unit_iq(uint rb, uint u, uint K, out float v[32])
// when one of those types is selected. Unit u is group u % 8 of super-block u / 8: four grid
// points of 8 elements (IQ3_*: eight of 4).
//
// The grids are one table in a storage texel buffer at binding GRID_BINDING (the including
// shader's first free binding; engine/quant/iq_device_grids.h: uploaded once per device), not
// constant arrays, which lavapipe took minutes to compile into each pipeline.
#if defined(W_IQ2_XXS) || defined(W_IQ2_XS) || defined(W_IQ2_S) || defined(W_IQ3_XXS) || \
    defined(W_IQ3_S) || defined(W_IQ1_S) || defined(W_IQ1_M)
#ifndef W_GRID_IQ
#define W_GRID_IQ
#endif

#ifndef WEIGHTS_IQ_GRID
#define WEIGHTS_IQ_GRID
#ifndef GRID_BINDING
#error "weights_iq.glsl: the including shader defines GRID_BINDING"
#endif
layout(binding = GRID_BINDING, rgba32ui) uniform readonly uimageBuffer iq_grid_tex;

// First texel of each grid: mirrors kIqGridTexel* in engine/quant/iq_device_grids.h.
const uint IQ_GRID_IQ2XXS = 0u;
const uint IQ_GRID_IQ2XS = 128u;
const uint IQ_GRID_IQ2S = 384u;
const uint IQ_GRID_IQ3XXS = 896u;
const uint IQ_GRID_IQ3S = 960u;
const uint IQ_GRID_IQ1S = 1088u;

// Point i of a grid of 8-byte points (bytes 0..3 in .x, 4..7 in .y).
uvec2 iq_grid8(uint grid, uint i) {
  uvec4 t = imageLoad(iq_grid_tex, int(grid + i / 2u));
  return (i & 1u) != 0u ? t.zw : t.xy;
}
// Point i of a grid of 4-byte points.
uint iq_grid4(uint grid, uint i) {
  return texel_word(imageLoad(iq_grid_tex, int(grid + i / 4u)), i % 4u);
}
// ggml's ksigns_iq2xs: a 7-bit sign code and the parity bit that makes the minus signs even.
uint iq_signs(uint code7) {
  uint c = code7 & 127u;
  return c | ((uint(bitCount(c)) & 1u) << 7);
}
#endif

// Byte b (any alignment) of the weight binding.
uint CAT(WNAME, _byte)(uint b) {
  return (CAT(WNAME, _word)(b & ~3u) >> (8u * (b & 3u))) & 0xFFu;
}

// v[8 p .. 8 p + 7] = scale * the magnitudes of point `pt`, negated where `signs` has the bit.
#define IQ_PUT8(p, scale, pt, signs)                                                               \
  [[unroll]] for (uint j = 0; j < 8u; ++j) {                                                       \
    PRECISE float m = (scale) * float(((pt)[j / 4u] >> (8u * (j % 4u))) & 0xFFu);                  \
    v[8u * (p) + j] = (((signs) >> j) & 1u) != 0u ? -m : m;                                        \
  }
// IQ1_*: v[8 p ..] = scale * (grid value (int8 -1, 0, 1) + delta).
#define IQ1_PUT8(p, scale, pt, delta)                                                              \
  [[unroll]] for (uint j = 0; j < 8u; ++j) {                                                       \
    PRECISE float gv = float(bitfieldExtract(int((pt)[j / 4u]), int(8u * (j % 4u)), 8)) + (delta); \
    PRECISE float m = (scale) * gv;                                                                \
    v[8u * (p) + j] = m;                                                                           \
  }

void CAT(WNAME, _unit_iq)(uint rb, uint u, uint K, out float v[32]) {
  uint nsb = K / 256u;
  uint s = u / 8u, g = u % 8u;
#if defined(W_IQ2_XXS)
  // Planes: qs 64, d 2 bytes per super-block. Group g: qs bytes 8g .. 8g + 7 as two words, four
  // 8-bit indices, then four 7-bit sign codes and the 4-bit scale (top nibble).
  uvec4 t = WT(rb / 16u + 4u * s + g / 2u);
  uint idx = texel_word(t, 2u * (g % 2u)), aux = texel_word(t, 2u * (g % 2u) + 1u);
  float d = unpackHalf2x16(CAT(WNAME, _half)(rb + 64u * nsb + 2u * s)).x;
  PRECISE float db0 = d * (0.5 + float(aux >> 28));
  PRECISE float db = db0 * 0.25;
  [[unroll]] for (uint l = 0; l < 4u; ++l) {
    uvec2 pt = iq_grid8(IQ_GRID_IQ2XXS, (idx >> (8u * l)) & 0xFFu);
    uint sg = iq_signs(aux >> (7u * l));
    IQ_PUT8(l, db, pt, sg)
  }
#elif defined(W_IQ2_XS)
  // Planes: qs 64, scales 8, d 2 bytes per super-block. Group g: four uint16 (9-bit index | 7-bit
  // sign code << 9) at qs byte 8g; scale byte g, low nibble for points 0, 1, high for 2, 3.
  uvec4 t = WT(rb / 16u + 4u * s + g / 2u);
  uint w0 = texel_word(t, 2u * (g % 2u)), w1 = texel_word(t, 2u * (g % 2u) + 1u);
  uint sc = CAT(WNAME, _byte)(rb + 64u * nsb + 8u * s + g);
  float d = unpackHalf2x16(CAT(WNAME, _half)(rb + 72u * nsb + 2u * s)).x;
  PRECISE float dl0 = d * (0.5 + float(sc & 0xFu));
  PRECISE float dh0 = d * (0.5 + float(sc >> 4));
  PRECISE float dl = dl0 * 0.25;
  PRECISE float dh = dh0 * 0.25;
  [[unroll]] for (uint l = 0; l < 4u; ++l) {
    uint q = ((l < 2u ? w0 : w1) >> (16u * (l % 2u))) & 0xFFFFu;
    uvec2 pt = iq_grid8(IQ_GRID_IQ2XS, q & 511u);
    uint sg = iq_signs(q >> 9);
    IQ_PUT8(l, l < 2u ? dl : dh, pt, sg)
  }
#elif defined(W_IQ2_S)
  // Planes: qs 64 (32 index bytes, 32 sign bytes), qh + scales 16, d 2 bytes per super-block.
  // Point l of group g: index qs[4g + l] | 2 bits of qh[g] << 8, signs qs[32 + 4g + l].
  uint idx = CAT(WNAME, _word)(rb + 64u * s + 4u * g);
  uint sgn = CAT(WNAME, _word)(rb + 64u * s + 32u + 4u * g);
  uint qh = CAT(WNAME, _byte)(rb + 64u * nsb + 16u * s + g);
  uint sc = CAT(WNAME, _byte)(rb + 64u * nsb + 16u * s + 8u + g);
  float d = unpackHalf2x16(CAT(WNAME, _half)(rb + 80u * nsb + 2u * s)).x;
  PRECISE float dl0 = d * (0.5 + float(sc & 0xFu));
  PRECISE float dh0 = d * (0.5 + float(sc >> 4));
  PRECISE float dl = dl0 * 0.25;
  PRECISE float dh = dh0 * 0.25;
  [[unroll]] for (uint l = 0; l < 4u; ++l) {
    uint i = ((idx >> (8u * l)) & 0xFFu) | (((qh >> (2u * l)) & 3u) << 8);
    uvec2 pt = iq_grid8(IQ_GRID_IQ2S, i);
    uint sg = (sgn >> (8u * l)) & 0xFFu;
    IQ_PUT8(l, l < 2u ? dl : dh, pt, sg)
  }
#elif defined(W_IQ3_XXS)
  // Planes: qs 96 (64 index bytes, then a word per group: four 7-bit sign codes, the 4-bit
  // scale), d 2 bytes per super-block. Point pair l: indices qs[8g + 2l], qs[8g + 2l + 1].
  uint i0 = CAT(WNAME, _word)(rb + 96u * s + 8u * g);
  uint i1 = CAT(WNAME, _word)(rb + 96u * s + 8u * g + 4u);
  uint aux = CAT(WNAME, _word)(rb + 96u * s + 64u + 4u * g);
  float d = unpackHalf2x16(CAT(WNAME, _half)(rb + 96u * nsb + 2u * s)).x;
  PRECISE float db0 = d * (0.5 + float(aux >> 28));
  PRECISE float db = db0 * 0.5;
  [[unroll]] for (uint l = 0; l < 4u; ++l) {
    uint iw = l < 2u ? i0 : i1;
    uint sh = 16u * (l % 2u);
    uvec2 pt = uvec2(iq_grid4(IQ_GRID_IQ3XXS, (iw >> sh) & 0xFFu),
                     iq_grid4(IQ_GRID_IQ3XXS, (iw >> (sh + 8u)) & 0xFFu));
    uint sg = iq_signs(aux >> (7u * l));
    IQ_PUT8(l, db, pt, sg)
  }
#elif defined(W_IQ3_S)
  // Planes: qs 64, qh + signs + scales 44, d 2 bytes per super-block. Point pair l of group g:
  // indices qs[8g + 2l], qs[8g + 2l + 1] with bits 2l, 2l + 1 of qh[g] as their ninth; sign
  // byte signs[4g + l]; scale nibble g of scales: d (1 + 2 s).
  uint i0 = CAT(WNAME, _word)(rb + 64u * s + 8u * g);
  uint i1 = CAT(WNAME, _word)(rb + 64u * s + 8u * g + 4u);
  uint pb = rb + 64u * nsb + 44u * s;  // qh[8] | signs[32] | scales[4]
  uint qh = CAT(WNAME, _byte)(pb + g);
  uint sgn = CAT(WNAME, _word)(pb + 8u + 4u * g);
  uint sc = (CAT(WNAME, _byte)(pb + 40u + g / 2u) >> (4u * (g % 2u))) & 0xFu;
  float d = unpackHalf2x16(CAT(WNAME, _half)(rb + 108u * nsb + 2u * s)).x;
  PRECISE float db = d * float(1u + 2u * sc);
  [[unroll]] for (uint l = 0; l < 4u; ++l) {
    uint iw = l < 2u ? i0 : i1;
    uint sh = 16u * (l % 2u);
    uint a = ((iw >> sh) & 0xFFu) | (((qh >> (2u * l)) & 1u) << 8);
    uint b = ((iw >> (sh + 8u)) & 0xFFu) | (((qh >> (2u * l + 1u)) & 1u) << 8);
    uvec2 pt = uvec2(iq_grid4(IQ_GRID_IQ3S, a), iq_grid4(IQ_GRID_IQ3S, b));
    uint sg = (sgn >> (8u * l)) & 0xFFu;
    IQ_PUT8(l, db, pt, sg)
  }
#elif defined(W_IQ1_S)
  // Planes: qs 32, qh 16, d 2 bytes per super-block. Group g: index bytes qs[4g ..], qh[g] with
  // 3 high index bits per point, a 3-bit scale (bits 12..14: d (2 s + 1)) and the delta's sign.
  uint idx = CAT(WNAME, _word)(rb + 32u * s + 4u * g);
  uint qh = CAT(WNAME, _half)(rb + 32u * nsb + 16u * s + 2u * g);
  float d = unpackHalf2x16(CAT(WNAME, _half)(rb + 48u * nsb + 2u * s)).x;
  PRECISE float dl = d * float(2u * ((qh >> 12) & 7u) + 1u);
  float delta = (qh & 0x8000u) != 0u ? -0.125 : 0.125;
  [[unroll]] for (uint l = 0; l < 4u; ++l) {
    uint i = ((idx >> (8u * l)) & 0xFFu) | (((qh >> (3u * l)) & 7u) << 8);
    uvec2 pt = iq_grid8(IQ_GRID_IQ1S, i);
    IQ1_PUT8(l, dl, pt, delta)
  }
#elif defined(W_IQ1_M)
  // 56-byte blocks as they are: qs[32] | qh[16] | scales[8]. Group g: index bytes qs[4g ..]; the
  // uint16 of qh[2g], qh[2g + 1] holds a nibble per point (3 high index bits, the delta's sign);
  // scales: four uint16, 3-bit scales (d (2 s + 1)), the fp16 d in their top nibbles.
  uint bb = rb + 56u * s;
  uint idx = CAT(WNAME, _word)(bb + 4u * g);
  uint qh = CAT(WNAME, _half)(bb + 32u + 2u * g);
  uint s01 = CAT(WNAME, _word)(bb + 48u), s23 = CAT(WNAME, _word)(bb + 52u);
  // ggml: sc[0] >> 12 | (sc[1] >> 8) & 0xF0 | (sc[2] >> 4) & 0xF00 | sc[3] & 0xF000.
  uint d16 = ((s01 >> 12) & 0xFu) | ((s01 >> 24) & 0xF0u) | ((s23 >> 4) & 0xF00u) |
             ((s23 >> 16) & 0xF000u);
  float d = unpackHalf2x16(d16).x;
  uint w = (((g < 4u ? s01 : s23) >> (16u * ((g / 2u) % 2u))) & 0xFFFFu) >> (6u * (g % 2u));
  PRECISE float dl = d * float(2u * (w & 7u) + 1u);
  PRECISE float dh = d * float(2u * ((w >> 3) & 7u) + 1u);
  [[unroll]] for (uint l = 0; l < 4u; ++l) {
    uint nib = (qh >> (4u * l)) & 0xFu;
    uint i = ((idx >> (8u * l)) & 0xFFu) | ((nib & 7u) << 8);
    uvec2 pt = iq_grid8(IQ_GRID_IQ1S, i);
    float delta = (nib & 8u) != 0u ? -0.125 : 0.125;
    IQ1_PUT8(l, l < 2u ? dl : dh, pt, delta)
  }
#endif
}
#undef IQ_PUT8
#undef IQ1_PUT8
#endif

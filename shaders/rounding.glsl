// Exactly rounded float arithmetic for emulating llama.cpp's CPU rounding bit for bit (see
// engine/quant/act_rounding.h): Vulkan guarantees correctly rounded add and multiply, but
// division only to 2.5 ulp and fp16 conversions in an unspecified rounding mode, so the division
// and the fp16 / bf16 roundings here are done with integer arithmetic.

// a / b rounded to nearest even, for positive normal a and b whose quotient is a normal float
// (others fall back to the hardware division): long division of the 24-bit significands.
float div_rn(float a, float b) {
  uint ua = floatBitsToUint(a), ub = floatBitsToUint(b);
  uint ea = ua >> 23, eb = ub >> 23;
  if (ea == 0u || ea >= 255u || eb == 0u || eb >= 255u) return a / b;
  uint ma = (ua & 0x7fffffu) | 0x800000u, mb = (ub & 0x7fffffu) | 0x800000u;
  // q = floor(ma / mb * 2^25): 26 bits when ma >= mb, else 25.
  uint q = 0u, r = ma;
  for (int i = 0; i < 26; ++i) {
    q <<= 1;
    if (r >= mb) {
      r -= mb;
      q |= 1u;
    }
    r <<= 1;
  }
  int e = int(ea) - int(eb) + 127;  // biased exponent of a quotient in [1, 2)
  uint round_bit, sticky = r != 0u ? 1u : 0u, m;
  if (q >= 0x2000000u) {
    m = q >> 2;
    round_bit = (q >> 1) & 1u;
    sticky |= q & 1u;
  } else {
    m = q >> 1;
    round_bit = q & 1u;
    e -= 1;
  }
  if (round_bit != 0u && (sticky != 0u || (m & 1u) != 0u)) m += 1u;
  if (m == 0x1000000u) {
    m >>= 1;
    e += 1;
  }
  if (e <= 0 || e >= 255) return a / b;
  return uintBitsToFloat((uint(e) << 23) | (m & 0x7fffffu));
}

// v rounded to the nearest fp16 values, ties to even (quant::f32_to_fp16), as floats: overflow
// gives infinity, NaN passes through. Integer arithmetic and selects, no branches (attention
// rounds every element of its running output after each cache row): Vulkan leaves the rounding
// of fp16 conversions open.
vec2 round_fp16(vec2 v) {
  uvec2 w = floatBitsToUint(v);
  uvec2 sign = w & 0x80000000u;
  uvec2 a = w & 0x7fffffffu;
  // Normal in fp16: drop 13 mantissa bits, ties to even; a carry rolls into the exponent.
  uvec2 r = sign | ((a + 0xfffu + ((a >> 13) & 1u)) & 0xffffe000u);
  // Below 2^-14: a multiple of 2^-24; next to 0.5 the float adder's quantum is 2^-24.
  precise vec2 tiny = (abs(v) + 0.5) - 0.5;
  r = mix(r, sign | floatBitsToUint(tiny), lessThan(a, uvec2(0x38800000u)));
  r = mix(r, sign | 0x7f800000u, greaterThanEqual(a, uvec2(0x477ff000u)));
  r = mix(r, w, greaterThan(a, uvec2(0x7f800000u)));
  return uintBitsToFloat(r);
}

float round_fp16(float f) { return round_fp16(vec2(f, 0.0)).x; }

// f rounded to the nearest bf16 value, ties to even (quant::f32_to_bf16), as a float.
float round_bf16(float f) {
  uint u = floatBitsToUint(f);
  if ((u & 0x7fffffffu) > 0x7f800000u) return f;
  return uintBitsToFloat(((u + 0x7fffu + ((u >> 16) & 1u)) >> 16) << 16);
}

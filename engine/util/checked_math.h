// Size arithmetic that cannot wrap: sizes derived from file metadata or flags saturate at the
// largest value instead, so that an estimate built from absurd numbers is absurdly large (and
// fails its check with both numbers) rather than small.
#pragma once
#include <cstdint>
#include <initializer_list>
#include <limits>

namespace vkchat {

inline constexpr std::uint64_t kSaturated = std::numeric_limits<std::uint64_t>::max();

inline std::uint64_t sat_mul(std::uint64_t a, std::uint64_t b) {
  std::uint64_t r = 0;
  return __builtin_mul_overflow(a, b, &r) ? kSaturated : r;
}

inline std::uint64_t sat_mul(std::initializer_list<std::uint64_t> factors) {
  std::uint64_t r = 1;
  for (std::uint64_t f : factors) r = sat_mul(r, f);
  return r;
}

inline std::uint64_t sat_add(std::uint64_t a, std::uint64_t b) {
  std::uint64_t r = 0;
  return __builtin_add_overflow(a, b, &r) ? kSaturated : r;
}

}  // namespace vkchat

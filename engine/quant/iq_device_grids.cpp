// The device codebook table: iq_grids.h's arrays copied in order at the texels of the header.
#include "quant/iq_device_grids.h"

#include <array>
#include <cstring>

#include "quant/iq_grids.h"

namespace vkchat::quant {

namespace {

template <class T, std::size_t N>
void put(std::vector<std::byte>& out, std::uint32_t texel, const std::array<T, N>& grid) {
  // Little-endian host: each entry's bytes are its points' elements in order, as on the CPU.
  std::memcpy(out.data() + 16ull * texel, grid.data(), sizeof(T) * N);
}

// Each grid ends where the next begins.
static_assert(kIqGridTexelIq2xs == kIqGridTexelIq2xxs + 256 * 8 / 16);
static_assert(kIqGridTexelIq2s == kIqGridTexelIq2xs + 512 * 8 / 16);
static_assert(kIqGridTexelIq3xxs == kIqGridTexelIq2s + 1024 * 8 / 16);
static_assert(kIqGridTexelIq3s == kIqGridTexelIq3xxs + 256 * 4 / 16);
static_assert(kIqGridTexelIq1s == kIqGridTexelIq3s + 512 * 4 / 16);
static_assert(kIqGridTexels == kIqGridTexelIq1s + 2048 * 8 / 16);

}  // namespace

std::vector<std::byte> iq_device_grids() {
  std::vector<std::byte> out(16ull * kIqGridTexels);
  put(out, kIqGridTexelIq2xxs, kIq2xxsGrid);
  put(out, kIqGridTexelIq2xs, kIq2xsGrid);
  put(out, kIqGridTexelIq2s, kIq2sGrid);
  put(out, kIqGridTexelIq3xxs, kIq3xxsGrid);
  put(out, kIqGridTexelIq3s, kIq3sGrid);
  put(out, kIqGridTexelIq1s, kIq1sGrid);
  return out;
}

}  // namespace vkchat::quant

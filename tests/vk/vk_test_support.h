// Support for the Vulkan suites: one validated context per test process, and a listener that
// fails any test during which the validation layer reported anything.
#pragma once
#include <cstdint>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "vk/buffer.h"
#include "vk/context.h"

namespace vkchat::test {

// The process's context, created on first use with validation on (whatever the environment
// says) and destroyed, with a final validation check, after the last test.
vk::Context& vk_context();

// Marks the validation messages so far as expected (for tests that provoke them on purpose).
void acknowledge_validation_messages();

// A device buffer holding `data` (mapped or through staging), and reading one back.
template <class T>
vk::Buffer device_buffer(vk::Context& ctx, std::span<const T> data, const char* name = "test") {
  vk::Buffer b(ctx, data.size_bytes(), vk::BufferKind::Device, name);
  ctx.upload(b, 0, std::as_bytes(data));
  return b;
}
template <class T>
std::vector<T> read_buffer(vk::Context& ctx, const vk::Buffer& b, std::size_t count,
                           std::size_t offset_bytes = 0) {
  std::vector<T> out(count);
  ctx.download(b, offset_bytes, std::as_writable_bytes(std::span<T>(out)));
  return out;
}

// vkchat-cli: VKCHAT_CLI (set by ctest), else the one this build made.
std::string cli_path();

// A fresh seed per run (printed by the tests on failure so a run can be repeated with
// VKCHAT_TEST_SEED).
std::uint64_t test_seed();

}  // namespace vkchat::test

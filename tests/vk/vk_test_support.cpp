// The shared validated context and the validation-message listener.
#include "vk/vk_test_support.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "util/env.h"
#include "vk/instance.h"

namespace vkchat::test {

namespace {

std::unique_ptr<vk::Context>& context_slot() {
  static std::unique_ptr<vk::Context> ctx;
  return ctx;
}

std::uint64_t& baseline() {
  static std::uint64_t n = 0;
  return n;
}

// Fails the current test (or the whole run, from the environment's tear-down) when new
// validation messages arrived, quoting them.
void check_validation(const char* where) {
  std::uint64_t now = vk::validation_message_count();
  if (now == baseline()) return;
  std::string text;
  for (const std::string& m : vk::validation_messages(baseline())) text += "\n  " + m;
  ADD_FAILURE() << (now - baseline()) << " Vulkan validation message(s) " << where << ":" << text;
  baseline() = now;
}

class ValidationListener : public ::testing::EmptyTestEventListener {
  void OnTestStart(const ::testing::TestInfo&) override {
    baseline() = vk::validation_message_count();
  }
  void OnTestEnd(const ::testing::TestInfo&) override { check_validation("during this test"); }
};

class ContextEnvironment : public ::testing::Environment {
  void TearDown() override {
    context_slot().reset();
    check_validation("when destroying the context");
  }
};

// Registered before main() runs; gtest_main keeps listeners and environments added here.
[[maybe_unused]] const bool registered = [] {
  ::testing::UnitTest::GetInstance()->listeners().Append(new ValidationListener);
  ::testing::AddGlobalTestEnvironment(new ContextEnvironment);
  return true;
}();

}  // namespace

vk::Context& vk_context() {
  auto& slot = context_slot();
  if (!slot) {
    vk::ContextOptions o = vk::ContextOptions::from_env();
    o.validation = true;
    slot = std::make_unique<vk::Context>(vk::Context::create(o));
  }
  return *slot;
}

void acknowledge_validation_messages() {
  baseline() = vk::validation_message_count();
}

std::string cli_path() {
  return env_value("VKCHAT_CLI").value_or(VKCHAT_CLI_DEFAULT);
}

std::uint64_t test_seed() {
  static const std::uint64_t seed = [] {
    if (auto s = env_value("VKCHAT_TEST_SEED")) return static_cast<std::uint64_t>(std::stoull(*s));
    return static_cast<std::uint64_t>(std::random_device{}()) << 32 | std::random_device{}();
  }();
  return seed;
}

}  // namespace vkchat::test

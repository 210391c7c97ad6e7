// vkchat-cli: headless front end to the engine. Dispatches to one command per cmd_*.cpp file.
#include <cstdio>
#include <exception>
#include <string>
#include <string_view>

#include "cli/cli_common.h"
#include "util/errors.h"
#include "vk/vk_error.h"

namespace vkchat::cli {

int run_info(Args& args);
extern const std::string_view kInfoHelp;
int run_tokenize(Args& args);
extern const std::string_view kTokenizeHelp;
int run_detokenize(Args& args);
extern const std::string_view kDetokenizeHelp;
int run_bench_tokenizer(Args& args);
extern const std::string_view kBenchTokenizerHelp;
int run_bench_sampler(Args& args);
extern const std::string_view kBenchSamplerHelp;
int run_devices(Args& args);
extern const std::string_view kDevicesHelp;
int run_synth(Args& args);
extern const std::string_view kSynthHelp;
int run_bench_kernels(Args& args);
extern const std::string_view kBenchKernelsHelp;
int run_template(Args& args);
extern const std::string_view kTemplateHelp;
int run_chat(Args& args);
extern const std::string_view kChatHelp;
int run_generate(Args& args);
extern const std::string_view kGenerateHelp;
int run_score(Args& args);
extern const std::string_view kScoreHelp;
int run_bench(Args& args);
int run_serve(Args& args);
extern const std::string_view kServeHelp;
extern const std::string_view kBenchHelp;

std::span<const Command> commands() {
  static const Command table[] = {
      {"info", "print a GGUF model's metadata and tensor summary", kInfoHelp, run_info},
      {"tokenize", "print the token ids of a text", kTokenizeHelp, run_tokenize},
      {"detokenize", "print the text of token ids", kDetokenizeHelp, run_detokenize},
      {"bench-tokenizer", "time tokenizing a large mixed text", kBenchTokenizerHelp,
       run_bench_tokenizer},
      {"bench-sampler", "time the sampler per token on random logits", kBenchSamplerHelp,
       run_bench_sampler},
      {"devices", "list the Vulkan devices and their compute properties", kDevicesHelp,
       run_devices},
      {"synth", "write a model at a real model's shapes with random weights", kSynthHelp,
       run_synth},
      {"bench-kernels", "time matrix x vector per weight type against copy bandwidth",
       kBenchKernelsHelp, run_bench_kernels},
      {"template", "render a chat template for a conversation", kTemplateHelp, run_template},
      {"chat", "chat with a model: a REPL on stdin/stdout", kChatHelp, run_chat},
      {"generate", "continue a prompt on the GPU, streaming the text", kGenerateHelp, run_generate},
      {"score", "teacher forcing over a text: probabilities and perplexity", kScoreHelp, run_score},
      {"serve", "serve the model over the OpenAI chat API (HTTP)", kServeHelp, run_serve},
      {"bench", "time model loading, prefill and decode on the GPU", kBenchHelp, run_bench},
  };
  return table;
}

namespace {

void print_usage() {
  std::fprintf(stdout, "usage: vkchat-cli COMMAND [options]\n\ncommands:\n");
  for (const Command& c : commands()) {
    std::fprintf(stdout, "  %-16.*s %.*s\n", static_cast<int>(c.name.size()), c.name.data(),
                 static_cast<int>(c.summary.size()), c.summary.data());
  }
  std::fprintf(stdout, "\nRun 'vkchat-cli COMMAND --help' for a command's options.\n");
}

}  // namespace
}  // namespace vkchat::cli

int main(int argc, char** argv) {
  using namespace vkchat::cli;
  if (argc < 2) {
    print_usage();
    return kExitUser;
  }
  std::string_view name = argv[1];
  if (name == "--help" || name == "-h" || name == "help") {
    print_usage();
    return kExitOk;
  }
  for (const Command& c : commands()) {
    if (c.name != name) continue;
    Args args(std::span<char*>(argv + 2, static_cast<std::size_t>(argc - 2)));
    if (args.flag("--help") || args.flag("-h")) {
      std::fwrite(c.help.data(), 1, c.help.size(), stdout);
      return kExitOk;
    }
    try {
      return c.run(args);
    } catch (const UsageError& e) {
      std::fprintf(stderr, "vkchat-cli %s: %s (see --help)\n", argv[1], e.what());
      return kExitUser;
    } catch (const vkchat::InputError& e) {
      std::fprintf(stderr, "vkchat-cli %s: %s\n", argv[1], e.what());
      return kExitUser;
    } catch (const vkchat::vk::NoDeviceError& e) {
      std::fprintf(stderr, "vkchat-cli %s: %s\n", argv[1], e.what());
      return kExitInternal;
    } catch (const vkchat::vk::VulkanError& e) {
      std::fprintf(stderr, "vkchat-cli %s: vulkan: %s\n", argv[1], e.what());
      return kExitInternal;
    } catch (const std::exception& e) {
      std::fprintf(stderr, "vkchat-cli %s: internal error: %s\n", argv[1], e.what());
      return kExitInternal;
    }
  }
  std::fprintf(stderr, "vkchat-cli: unknown command '%s' (see --help)\n", argv[1]);
  return kExitUser;
}

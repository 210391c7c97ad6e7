// `vkchat-cli template (MODEL | FILE.jinja) --messages FILE.json [--no-generation-prompt]
// [--bos S --eos S]`: prints the rendered prompt exactly, with no newline added.
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <optional>
#include <stdexcept>
#include <string>

#include "chat/chat_template.h"
#include "cli/cli_common.h"
#include "gguf/gguf_reader.h"
#include "util/errors.h"
#include "util/json.h"

namespace vkchat::cli {

extern const std::string_view kTemplateHelp;
const std::string_view kTemplateHelp =
    "usage: vkchat-cli template (MODEL | FILE.jinja) --messages FILE.json\n"
    "                           [--no-generation-prompt] [--bos S --eos S]\n"
    "\n"
    "Renders a chat template and prints the prompt exactly (no newline added).\n"
    "  MODEL                   a GGUF file: its tokenizer.chat_template, bos and eos tokens;\n"
    "                          without a template, or when it fails, a built-in format is\n"
    "                          used and a note on stderr says which and why\n"
    "  FILE.jinja              a template file, rendered strictly: its errors fail the command\n"
    "  --messages FILE.json    {\"messages\":[{\"role\":...,\"content\":...}], ...}: every member\n"
    "                          is a template variable (tools, date_string, bos_token, ...)\n"
    "  --no-generation-prompt  add_generation_prompt = false (default: the file's, else true)\n"
    "  --bos S, --eos S        bos_token / eos_token (default: the file's, else the model's)\n"
    "\n"
    "strftime_now() uses the local date, or SOURCE_DATE_EPOCH (UTC) when that is set.\n";

namespace {

bool is_gguf(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) throw FileError(path, "cannot open");
  char magic[4] = {};
  std::size_t n = std::fread(magic, 1, 4, f);
  std::fclose(f);
  return n == 4 && std::string_view(magic, 4) == "GGUF";
}

std::string read_text(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) throw FileError(path, "cannot open");
  std::string out;
  char buf[65536];
  for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, f)) > 0;) out.append(buf, n);
  bool failed = std::ferror(f) != 0;
  std::fclose(f);
  if (failed) throw FileError(path, "read error");
  return out;
}

std::optional<std::tm> source_date() {
  const char* epoch = std::getenv("SOURCE_DATE_EPOCH");
  if (!epoch || !*epoch) return std::nullopt;
  char* end = nullptr;
  long long secs = std::strtoll(epoch, &end, 10);
  if (*end != '\0') throw UsageError("SOURCE_DATE_EPOCH must be a number of seconds");
  std::time_t t = static_cast<std::time_t>(secs);
  std::tm out{};
  gmtime_r(&t, &out);
  return out;
}

}  // namespace

int run_template(Args& args) {
  std::optional<std::string> messages_path = args.value("--messages");
  bool no_generation_prompt = args.flag("--no-generation-prompt");
  std::optional<std::string> bos = args.value("--bos");
  std::optional<std::string> eos = args.value("--eos");
  std::vector<std::string> pos = args.positionals();
  if (pos.size() != 1) throw UsageError("expected one MODEL or FILE.jinja");
  if (!messages_path) throw UsageError("--messages FILE.json is required");

  json::Value context;
  try {
    context = json::parse(read_text(*messages_path));
  } catch (const JsonError& e) {
    throw UsageError(*messages_path + ": " + e.what());
  }
  const json::Value* messages = context.find("messages");
  if (!messages || !messages->is_array()) {
    throw UsageError(*messages_path + ": expected a JSON object with a \"messages\" array");
  }
  if (bos) context.set("bos_token", *bos);
  if (eos) context.set("eos_token", *eos);
  if (no_generation_prompt) context.set("add_generation_prompt", false);

  const std::string& input = pos[0];
  chat::ChatRenderOptions opts;
  opts.now = source_date();
  bool model = is_gguf(input);
  std::optional<gguf::GgufFile> file;
  if (model) file = gguf::GgufFile::open(input);
  chat::ChatTemplate tmpl = model
                                ? chat::ChatTemplate::from_gguf(*file)
                                : chat::ChatTemplate::from_source(read_text(input), "", "", input);
  opts.allow_fallback = model;
  chat::RenderResult result;
  try {
    result = tmpl.render(context, opts);
  } catch (const std::invalid_argument& e) {
    throw UsageError(*messages_path + ": " + e.what());
  }
  if (result.used_fallback) {
    std::fprintf(stderr, "vkchat-cli template: %s; using the built-in '%s' format\n",
                 result.fallback_reason.c_str(), result.format_name.c_str());
  }
  std::fwrite(result.text.data(), 1, result.text.size(), stdout);
  return std::fflush(stdout) == 0 ? kExitOk : kExitInternal;
}

}  // namespace vkchat::cli

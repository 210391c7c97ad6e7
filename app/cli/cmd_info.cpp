// `vkchat-cli info MODEL [--tensors] [--json]`: what a GGUF file holds.
#include <algorithm>
#include <cstdio>
#include <map>
#include <string>
#include <type_traits>
#include <variant>
#include <vector>

#include "cli/cli_common.h"
#include "gguf/file_type.h"
#include "gguf/gguf_reader.h"
#include "util/errors.h"

namespace vkchat::cli {

extern const std::string_view kInfoHelp;
const std::string_view kInfoHelp =
    "usage: vkchat-cli info MODEL [--tensors] [--json]\n"
    "\n"
    "Prints a GGUF file's architecture, name, parameter count, file type, tensor type\n"
    "histogram and total bytes, hyperparameters (those given per layer, as Gemma 4's\n"
    "head_count_kv, listed layer by layer), tokenizer and chat-template presence.\n"
    "  --tensors   also list every tensor: name, type, shape, bytes\n"
    "  --json      one JSON object instead of text\n";

namespace {

// A hyperparameter given as one number or as one per layer (Gemma 4's head_count_kv and
// feed_forward_length are arrays).
struct Count {
  std::vector<std::uint64_t> values;
  bool per_layer = false;
};

// Throws MetadataError naming the key when it is neither a non-negative integer nor an array of
// them.
std::optional<Count> read_count(const gguf::GgufFile& f, const std::string& key) {
  const gguf::Value* v = f.find(key);
  if (!v) return std::nullopt;
  Count c;
  if (v->type != gguf::ValueType::ARRAY) {
    c.values.push_back(f.get<std::uint64_t>(key));
    return c;
  }
  c.per_layer = true;
  const gguf::Array& a = std::get<gguf::Array>(v->data);
  bool ok = a.elem_type != gguf::ValueType::BOOL;
  std::visit(
      [&](const auto& items) {
        using E = typename std::decay_t<decltype(items)>::value_type;
        if constexpr (std::is_integral_v<E>) {
          for (const E x : items) {
            if constexpr (std::is_signed_v<E>) ok = ok && x >= 0;
            c.values.push_back(static_cast<std::uint64_t>(x));
          }
        } else {
          ok = false;
        }
      },
      a.items);
  if (!ok) {
    throw MetadataError(f.path() + ": metadata '" + key + "' is " + v->to_string() +
                        ", expected a count or an array of counts per layer");
  }
  return c;
}

struct ModelFacts {
  std::string arch, name, tok_model, tok_pre, file_type;
  std::uint64_t n_params = 0, n_bytes = 0, vocab = 0;
  std::optional<Count> ctx, embd, layers, heads, kv_heads, ff;
  bool chat_template = false;
  std::map<std::string, std::pair<std::uint64_t, std::uint64_t>>
      histogram;  // type -> (count, bytes)
};

ModelFacts collect(const gguf::GgufFile& f) {
  ModelFacts m;
  m.arch = std::string(f.architecture());
  m.name = f.get_optional<std::string>("general.name").value_or("");
  auto key = [&](const char* suffix) { return m.arch + "." + suffix; };
  m.ctx = read_count(f, key("context_length"));
  m.embd = read_count(f, key("embedding_length"));
  m.layers = read_count(f, key("block_count"));
  m.heads = read_count(f, key("attention.head_count"));
  m.kv_heads = read_count(f, key("attention.head_count_kv"));
  m.ff = read_count(f, key("feed_forward_length"));
  m.tok_model = f.get_optional<std::string>("tokenizer.ggml.model").value_or("");
  m.tok_pre = f.get_optional<std::string>("tokenizer.ggml.pre").value_or("");
  if (const gguf::Array* toks = f.find_array("tokenizer.ggml.tokens")) m.vocab = toks->size();
  m.chat_template = f.contains("tokenizer.chat_template");
  m.file_type = gguf::file_type_label(f);
  for (const gguf::TensorInfo& t : f.tensors()) {
    m.n_params += t.n_elements;
    m.n_bytes += t.size;
    auto& h = m.histogram[std::string(gguf::type_name(t.type))];
    h.first += 1;
    h.second += t.size;
  }
  return m;
}

std::string human_count(std::uint64_t n) {
  char buf[32];
  if (n >= 1'000'000'000)
    std::snprintf(buf, sizeof buf, "%.2fB", n / 1e9);
  else if (n >= 1'000'000)
    std::snprintf(buf, sizeof buf, "%.2fM", n / 1e6);
  else if (n >= 1'000)
    std::snprintf(buf, sizeof buf, "%.1fK", n / 1e3);
  else
    std::snprintf(buf, sizeof buf, "%llu", static_cast<unsigned long long>(n));
  return buf;
}

// "8"; per layer "2 2 2 2 2 1 (per layer)", or "4 (every layer)" where all are equal.
std::string opt(const std::optional<Count>& v) {
  if (!v) return "-";
  if (!v->per_layer) return std::to_string(v->values.front());
  if (v->values.empty()) return "[] (per layer)";
  const auto& xs = v->values;
  if (std::all_of(xs.begin(), xs.end(), [&](std::uint64_t x) { return x == xs.front(); })) {
    return std::to_string(xs.front()) + " (every layer)";
  }
  std::string s;
  for (const std::uint64_t x : xs) s += (s.empty() ? "" : " ") + std::to_string(x);
  return s + " (per layer)";
}
// A number, or an array of them per layer.
std::string opt_json(const std::optional<Count>& v) {
  if (!v) return "null";
  if (!v->per_layer) return std::to_string(v->values.front());
  std::string s = "[";
  for (std::size_t i = 0; i < v->values.size(); ++i) {
    s += (i ? "," : "") + std::to_string(v->values[i]);
  }
  return s + "]";
}

void print_text(const gguf::GgufFile& f, const ModelFacts& m, bool tensors) {
  std::printf("file:            %s\n", f.path().c_str());
  std::printf("gguf version:    %u\n", f.version());
  std::printf("architecture:    %s\n", m.arch.empty() ? "-" : m.arch.c_str());
  std::printf("name:            %s\n", m.name.empty() ? "-" : m.name.c_str());
  std::printf("parameters:      %s (%llu)\n", human_count(m.n_params).c_str(),
              static_cast<unsigned long long>(m.n_params));
  std::printf("file type:       %s\n", m.file_type.empty() ? "-" : m.file_type.c_str());
  std::printf("tensors:         %zu, %s (%llu bytes)\n", f.tensors().size(),
              human_bytes(m.n_bytes).c_str(), static_cast<unsigned long long>(m.n_bytes));
  for (const auto& [type, h] : m.histogram) {
    std::printf("  %-8s       %llu tensors, %s\n", type.c_str(),
                static_cast<unsigned long long>(h.first), human_bytes(h.second).c_str());
  }
  std::printf("context length:  %s\n", opt(m.ctx).c_str());
  std::printf("embedding:       %s\n", opt(m.embd).c_str());
  std::printf("layers:          %s\n", opt(m.layers).c_str());
  std::printf("heads:           %s\n", opt(m.heads).c_str());
  std::printf("kv heads:        %s\n", opt(m.kv_heads).c_str());
  std::printf("feed forward:    %s\n", opt(m.ff).c_str());
  std::printf("tokenizer:       %s", m.tok_model.empty() ? "-" : m.tok_model.c_str());
  if (!m.tok_pre.empty()) std::printf(" (pre: %s)", m.tok_pre.c_str());
  std::printf("\nvocab size:      %llu\n", static_cast<unsigned long long>(m.vocab));
  std::printf("chat template:   %s\n", m.chat_template ? "yes" : "no");
  if (tensors) {
    std::printf("\n%-40s %-8s %-24s %s\n", "tensor", "type", "shape", "bytes");
    for (const gguf::TensorInfo& t : f.tensors()) {
      std::printf("%-40.*s %-8.*s %-24s %llu\n", static_cast<int>(t.name.size()), t.name.data(),
                  static_cast<int>(gguf::type_name(t.type).size()), gguf::type_name(t.type).data(),
                  t.shape_string().c_str(), static_cast<unsigned long long>(t.size));
    }
  }
}

void print_json(const gguf::GgufFile& f, const ModelFacts& m, bool tensors) {
  std::string o = "{";
  o += "\"file\":" + json_quote(f.path());
  o += ",\"gguf_version\":" + std::to_string(f.version());
  o += ",\"architecture\":" + json_quote(m.arch);
  o += ",\"name\":" + json_quote(m.name);
  o += ",\"parameters\":" + std::to_string(m.n_params);
  o += ",\"file_type\":" + json_quote(m.file_type);
  o += ",\"tensor_count\":" + std::to_string(f.tensors().size());
  o += ",\"tensor_bytes\":" + std::to_string(m.n_bytes);
  o += ",\"tensor_types\":{";
  bool first = true;
  for (const auto& [type, h] : m.histogram) {
    if (!first) o += ",";
    first = false;
    o += json_quote(type) + ":{\"count\":" + std::to_string(h.first) +
         ",\"bytes\":" + std::to_string(h.second) + "}";
  }
  o += "}";
  o += ",\"context_length\":" + opt_json(m.ctx);
  o += ",\"embedding_length\":" + opt_json(m.embd);
  o += ",\"block_count\":" + opt_json(m.layers);
  o += ",\"head_count\":" + opt_json(m.heads);
  o += ",\"head_count_kv\":" + opt_json(m.kv_heads);
  o += ",\"feed_forward_length\":" + opt_json(m.ff);
  o += ",\"tokenizer_model\":" + json_quote(m.tok_model);
  o += ",\"tokenizer_pre\":" + json_quote(m.tok_pre);
  o += ",\"vocab_size\":" + std::to_string(m.vocab);
  o += std::string(",\"chat_template\":") + (m.chat_template ? "true" : "false");
  if (tensors) {
    o += ",\"tensors\":[";
    for (std::size_t i = 0; i < f.tensors().size(); ++i) {
      const gguf::TensorInfo& t = f.tensors()[i];
      if (i) o += ",";
      o += "{\"name\":" + json_quote(t.name) + ",\"type\":" + json_quote(gguf::type_name(t.type)) +
           ",\"shape\":[";
      for (std::uint32_t d = 0; d < t.n_dims; ++d) o += (d ? "," : "") + std::to_string(t.ne[d]);
      o +=
          "],\"offset\":" + std::to_string(t.offset) + ",\"bytes\":" + std::to_string(t.size) + "}";
    }
    o += "]";
  }
  o += "}\n";
  std::fwrite(o.data(), 1, o.size(), stdout);
}

}  // namespace

int run_info(Args& args) {
  bool tensors = args.flag("--tensors");
  bool json = args.flag("--json");
  auto pos = args.positionals();
  if (pos.size() != 1) throw UsageError("expected exactly one MODEL path");
  auto f = gguf::GgufFile::open(pos[0]);
  ModelFacts m = collect(f);
  if (json)
    print_json(f, m, tensors);
  else
    print_text(f, m, tensors);
  return kExitOk;
}

}  // namespace vkchat::cli

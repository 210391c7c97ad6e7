// `vkchat-cli bench-tokenizer MODEL [--file F] [--size BYTES] [--runs N] ...`: how fast
// the tokenizer encodes a large text (by default 1 MiB of generated English, code and CJK).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <random>
#include <string>

#include "cli/cli_common.h"
#include "gguf/gguf_reader.h"
#include "tokenizer/tokenizer.h"
#include "util/errors.h"

namespace vkchat::cli {

extern const std::string_view kBenchTokenizerHelp;
const std::string_view kBenchTokenizerHelp =
    "usage: vkchat-cli bench-tokenizer MODEL [--file F] [--size BYTES] [--runs N]\n"
    "                                   [--save-text P] [--json]\n"
    "\n"
    "Times Tokenizer::encode (no BOS, special tokens not parsed) on a text and prints bytes,\n"
    "tokens, the best time of the runs and the throughput.\n"
    "  --file F      tokenize this file's bytes instead of the generated text\n"
    "  --size BYTES  size of the generated mix of English, code and CJK (default 1048576)\n"
    "  --runs N      repetitions; the best is reported (default 3)\n"
    "  --save-text P write the text that was tokenized to file P\n"
    "  --json        one JSON object instead of text\n";

namespace {

constexpr std::string_view kEnglish[] = {
    "The committee met on Tuesday to review the budget for the coming year. After a long "
    "discussion, the members agreed that the library's opening hours should be extended, "
    "although several of them worried about the cost of heating the building in winter. ",
    "She couldn't remember where she'd left her keys, so she retraced her steps: the bakery, "
    "the post office, the bench by the river. \"They're probably in your coat,\" her brother "
    "said, and of course they were. ",
    "In 1969, roughly 600 million people watched the first Moon landing on television; today "
    "a phone in your pocket has more computing power than the whole Apollo program had. ",
    "Rain fell steadily over the hills, filling the streams until they spilled across the "
    "old stone bridge. Farmers moved their sheep to higher ground and waited. ",
};

constexpr std::string_view kCode[] = {
    "int count_words(const std::string& text) {\n"
    "  int n = 0;\n"
    "  bool in_word = false;\n"
    "  for (char c : text) {\n"
    "    if (std::isspace(static_cast<unsigned char>(c))) {\n"
    "      in_word = false;\n"
    "    } else if (!in_word) {\n"
    "      in_word = true;\n"
    "      ++n;\n"
    "    }\n"
    "  }\n"
    "  return n;\n"
    "}\n\n",
    "def fibonacci(n: int) -> list[int]:\n"
    "    \"\"\"Return the first n Fibonacci numbers.\"\"\"\n"
    "    seq = [0, 1]\n"
    "    while len(seq) < n:\n"
    "        seq.append(seq[-1] + seq[-2])\n"
    "    return seq[:n]\n\n"
    "if __name__ == \"__main__\":\n"
    "    print(fibonacci(20))\n\n",
    "const server = http.createServer((req, res) => {\n"
    "  if (req.url === '/health') {\n"
    "    res.writeHead(200, { 'Content-Type': 'application/json' });\n"
    "    res.end(JSON.stringify({ ok: true, uptime: process.uptime() }));\n"
    "    return;\n"
    "  }\n"
    "  res.writeHead(404);\n"
    "  res.end();\n"
    "});\n\n",
};

constexpr std::string_view kCjk[] = {
    "今天天气很好，我们一起去公园散步吧。公园里有很多人在跑步、打太极拳，还有孩子们在放风筝。",
    "机器学习是人工智能的一个分支，它使计算机能够从数据中学习，而不需要明确的编程。",
    "東京は日本の首都であり、世界でも有数の大都市です。毎年多くの観光客が訪れます。",
    "오늘은 날씨가 정말 좋아서 친구들과 함께 한강 공원에 가서 자전거를 탔습니다. ",
};

// A deterministic mix: about 45% English, 35% code, 20% CJK by pieces, with numbers and
// identifiers varied so the text is not one block repeated.
std::string generate_text(std::size_t size) {
  std::mt19937 rng(12345);
  std::string out;
  out.reserve(size + 1024);
  while (out.size() < size) {
    const unsigned kind = rng() % 20;
    if (kind < 9) {
      out += kEnglish[rng() % std::size(kEnglish)];
    } else if (kind < 16) {
      std::string code(kCode[rng() % std::size(kCode)]);
      const std::string suffix = "_" + std::to_string(rng() % 1000);
      for (std::string_view name : {"count_words", "fibonacci", "server"}) {
        for (std::size_t p = code.find(name); p != std::string::npos;
             p = code.find(name, p + name.size() + suffix.size())) {
          code.insert(p + name.size(), suffix);
        }
      }
      out += code;
    } else {
      out += kCjk[rng() % std::size(kCjk)];
      out += std::to_string(rng() % 100000) + "\n";
    }
  }
  // Cut at a character boundary.
  std::size_t cut = std::min(size, out.size());
  while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80) --cut;
  out.resize(cut);
  return out;
}

}  // namespace

int run_bench_tokenizer(Args& args) {
  const auto file_arg = args.value("--file");
  const auto size = args.integer("--size").value_or(1 << 20);
  const auto runs = args.integer("--runs").value_or(3);
  const bool json = args.flag("--json");
  const auto save_arg = args.value("--save-text");
  const auto pos = args.positionals();
  if (pos.size() != 1) throw UsageError("expected exactly one MODEL argument");
  if (size <= 0 || runs <= 0) throw UsageError("--size and --runs must be positive");

  std::string text;
  if (file_arg) {
    std::ifstream in(*file_arg, std::ios::binary);
    if (!in) throw FileError(*file_arg, "cannot open");
    text.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  } else {
    text = generate_text(static_cast<std::size_t>(size));
  }

  if (save_arg) {
    std::ofstream out(*save_arg, std::ios::binary);
    if (!out.write(text.data(), static_cast<std::streamsize>(text.size()))) {
      throw FileError(*save_arg, "cannot write");
    }
  }

  const auto file = gguf::GgufFile::open(pos[0]);
  const auto load_start = std::chrono::steady_clock::now();
  const auto tok = tokenizer::Tokenizer::from_gguf(file);
  const double load_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - load_start).count();

  double best = 1e30;
  std::size_t n_tokens = 0;
  for (std::int64_t r = 0; r < runs; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    const auto ids = tok.encode(text, false, false);
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    best = std::min(best, s);
    n_tokens = ids.size();
  }
  const double mb_s = static_cast<double>(text.size()) / (1024.0 * 1024.0) / best;
  if (json) {
    std::printf(
        "{\"model\":%s,\"pre\":%s,\"bytes\":%zu,\"tokens\":%zu,\"load_s\":%.4f,\"best_s\":%.4f,"
        "\"mib_per_s\":%.3f,\"runs\":%lld}\n",
        json_quote(pos[0]).c_str(), json_quote(tok.pre_name()).c_str(), text.size(), n_tokens,
        load_s, best, mb_s, static_cast<long long>(runs));
  } else {
    std::printf(
        "%s (%s%s%.*s): %zu bytes -> %zu tokens in %.3f s (%.2f MiB/s, best of %lld); "
        "load %.3f s\n",
        pos[0].c_str(), std::string(tok.model_name()).c_str(),
        tok.pre_name().empty() ? "" : ", pre ", static_cast<int>(tok.pre_name().size()),
        tok.pre_name().data(), text.size(), n_tokens, best, mb_s, static_cast<long long>(runs),
        load_s);
  }
  return kExitOk;
}

}  // namespace vkchat::cli

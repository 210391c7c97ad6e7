#!/usr/bin/env node
// Writes a vocabulary's tokenizer vectors with llama.cpp (the peer's node-llama-cpp), for
// vocabularies that llama.cpp ships without them (Gemma 4's). It makes the same calls as
// `peer.mjs tokenize MODEL TEXT [--special]` (vocab-only load, model.tokenize(text, special): no
// BOS/EOS added, special tokens parsed only with --special), but loads the vocabulary once for
// all inputs instead of once per input.
//
//   node scripts/tokenizer-vectors.mjs VOCAB.gguf INPUTS.inp OUTPUT.out [--special] [PEER_DIR]
//
// INPUTS.inp is llama.cpp's test-tokenizer-0 layout (each input followed by
// "\n__ggml_vocab_test__\n"); OUTPUT.out gets one line of space-separated ids per input.
// PEER_DIR defaults to /work/peer (a folder where `npm ci` has installed node-llama-cpp).
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const args = process.argv.slice(2).filter((a) => a !== "--special");
const special = process.argv.includes("--special");
const [vocab, inputs, output, peerDir = "/work/peer"] = args;
if (!vocab || !inputs || !output) {
  console.error("usage: tokenizer-vectors.mjs VOCAB.gguf INPUTS.inp OUTPUT.out [--special] [PEER_DIR]");
  process.exit(2);
}
const entry = join(peerDir, "node_modules/node-llama-cpp/dist/index.js");
const { getLlama, LlamaLogLevel } = await import(pathToFileURL(entry).href);

const sep = "\n__ggml_vocab_test__\n";
const text = readFileSync(inputs, "utf8");
const cases = text.split(sep);
if (cases.pop() !== "") throw new Error(`${inputs} does not end with the separator line`);

const llama = await getLlama({ gpu: false, build: "never", logLevel: LlamaLogLevel.error });
const model = await llama.loadModel({ modelPath: vocab, gpuLayers: 0, vocabOnly: true });
const lines = cases.map((c) => model.tokenize(c, special).map((id) => ` ${id}`).join(""));
writeFileSync(output, lines.join("\n") + "\n");
console.error(`${output}: ${cases.length} inputs`);
await model.dispose();
await llama.dispose();

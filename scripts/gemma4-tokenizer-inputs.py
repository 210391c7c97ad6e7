#!/usr/bin/env python3
"""Writes the inputs of the Gemma 4 tokenizer vectors (tests/data/tokenizer/ggml-vocab-gemma-4.gguf.inp and
.special.inp): llama.cpp's 46 inputs shared by the other vocabularies plus code, emoji, scripts, rare code
points, whitespace runs, numbers and every special token of the vocabulary in context. Then
  node scripts/tokenizer-vectors.mjs ../shared/tokenizer/ggml-vocab-gemma-4.gguf tests/data/tokenizer/ggml-vocab-gemma-4.gguf.inp tests/data/tokenizer/ggml-vocab-gemma-4.gguf.out
  node scripts/tokenizer-vectors.mjs ../shared/tokenizer/ggml-vocab-gemma-4.gguf tests/data/tokenizer/ggml-vocab-gemma-4.gguf.special.inp tests/data/tokenizer/ggml-vocab-gemma-4.gguf.special.out --special
writes their ids with llama.cpp. A developer tool, not a build step.
"""
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
SHARED = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / 'shared'
SEP = "\n__ggml_vocab_test__\n"
base = open(SHARED / 'tokenizer/ggml-vocab-llama-bpe.gguf.inp', encoding='utf-8').read()
specials = ['<pad>', '<eos>', '<bos>', '<unk>', '<mask>', '<|tool>', '<tool|>', '<|tool_call>', '<tool_call|>',
            '<|tool_response>', '<tool_response|>', '<|"|>', '<|think|>', '<|channel>', '<channel|>', '<|turn>',
            '<turn|>', '<|image>', '<|audio>', '<|image|>', '<|audio|>', '<image|>', '<audio|>', '<|video|>']
extra = [
    # code
    'def fib(n):\n    if n < 2:\n        return n\n    return fib(n - 1) + fib(n - 2)\n',
    '#include <vector>\nint main() {\n\tstd::vector<int> v{1, 2, 3};\n\tfor (auto& x : v) x *= 2;\n\treturn 0;\n}\n',
    '{"name": "vkchat", "version": [1, 2, 3], "ok": true, "nested": {"a": null}}',
    'SELECT id, name FROM users WHERE age >= 18 ORDER BY name DESC;',
    '<div class="x">&nbsp;<a href="https://example.com/?q=1&r=2">link</a></div>',
    # emoji
    '🦙 Llamas 🦙🦙 love 👨‍👩‍👧‍👦 and ❤️‍🔥 🇺🇸🇯🇵 👍🏽',
    # CJK, other scripts
    '你好，世界！今天天气很好。我们去公园散步吧。',
    'こんにちは世界、カタカナとひらがな。東京タワー',
    '안녕하세요 세계! 한국어 텍스트입니다.',
    'مرحبا بالعالم! هذا نص عربي للاختبار.',
    'שלום עולם',
    'नमस्ते दुनिया, यह हिंदी है।',
    'สวัสดีชาวโลก',
    'Привет, мир! Как дела? Ёжик.',
    'Γειά σου Κόσμε',
    'Tiếng Việt có dấu: Đường phố Hà Nội',
    # combining marks, rare code points that need byte fallback
    'cafe\u0301 nai\u0308ve \u00e9\u00e8\u00ea',
    '\ufeffBOM then text \u200b zero width \u200d joiner',
    '\ue000\ue001 private use \U000F0000 and \U0010FFFD',
    '𓀀𓀁𓀂 hieroglyphs 𝕳𝖊𝖑𝖑𝖔 𝟙𝟚𝟛',
    'a\u2581b \u2581\u2581\u2581 lower one eighth block',
    '<0x41><0x0A> look like byte tokens',
    # whitespace runs, newlines, tabs
    ' ' * 40,
    '\n' * 35,
    '\t' * 40,
    'x' + ' ' * 33 + 'y',
    ' \n \n\t\t  x\n\n\n\ty  \n',
    'line one\r\nline two\r\n\r\nline four\r',
    '\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\nend',
    'trailing spaces   ',
    '   leading spaces',
    '\u3000ideographic space\u00a0nbsp\u2009thin',
    # numbers
    '3.14159265358979323846264338327950288419716939937510',
    '12345678901234567890123456789012345678901234567890',
    '1,000,000.00 $12.50 -42 +7 1e-10 0x1F3A 0b1011 2026-12-02T17:09:59Z',
    # punctuation and the detokenizer's clean-up
    "don't I'm we'll they've you're it's 'quoted' \"double\" ... !? ?! , .",
    'Hello , world . Really ? Yes ! It \' s',
    '----====****____####~~~~````',
    # every special/control token in context, as literal text (parse_special off)
    'Before ' + ' '.join(specials) + ' after',
    '<|turn>user\nHello there<turn|>\n<|turn>model\nHi!<turn|>',
    '<|tool_call>call:get_weather{city:<|"|>Paris<|"|>}<tool_call|>',
    '<bos><|turn>system\nYou are helpful.<turn|>\n',
]
special_cases = [
    ''.join(specials),
    ' '.join(specials),
    '\n'.join(specials) + '\n',
    '<bos><|turn>system\nYou are a helpful assistant.<turn|>\n<|turn>user\nHello!<turn|>\n<|turn>model\n',
    '<|turn>model\n<|channel>thought\nLet me think.<channel|>The answer is 4.<turn|>',
    '<|turn>system\n<|think|>Think step by step.<turn|>',
    '<|tool>declaration:get_weather{description:<|"|>Weather<|"|>}<tool|>',
    '<|tool_call>call:get_weather{city:<|"|>Paris<|"|>}<tool_call|><|tool_response>response:get_weather{temp:20}<tool_response|>',
    'Look: <|image><|image|><|image|><image|> and <|audio><|audio|><audio|> and <|video|>',
    '<pad><pad><eos><unk><mask>text<mask>',
    'no specials here, just text',
    '<|turn>user\n<|turn> nested <turn|><turn|>',
    '<|turn >broken<turn| > <|turn|> <turnn|>',
    '  <|turn>  spaces around  <turn|>  ',
]
root = ROOT / 'tests/data/tokenizer'
root.mkdir(parents=True, exist_ok=True)
for s in extra + special_cases:
    assert SEP not in s
(root / 'ggml-vocab-gemma-4.gguf.inp').write_text(base + ''.join(s + SEP for s in extra), encoding='utf-8', newline='')
(root / 'ggml-vocab-gemma-4.gguf.special.inp').write_text(''.join(s + SEP for s in special_cases), encoding='utf-8', newline='')
print(len(base.split(SEP)) - 1 + len(extra), len(special_cases))

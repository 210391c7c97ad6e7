#!/usr/bin/env python3
"""Regenerates tests/data/templates: each ../shared template rendered for each extra
conversation (tools, tool calls, reasoning, several system messages, content parts) by Python
Jinja2 the way Hugging Face's apply_chat_template renders it. These complement llama.cpp's
renderings in ../shared/templates; the test ChatTemplate.MatchesJinja2OnRicherConversations
checks the interpreter against them. It also renders the templates of tests/data/templates/
extra (newer families that ../shared lacks: Gemma 4, gpt-oss, Qwen 3.5, copied from llama.cpp's
models/templates, and the chat template inside ../shared/tokenizer/ggml-vocab-gemma-4.gguf) for
both ../shared's conversations and the richer ones, into extra/ (ChatTemplate.NewerFamiliesMatchJinja2).
A developer tool (needs python3-jinja2), not a build step.

usage: scripts/template-goldens.py [SHARED_DIR]
"""
import datetime
import json
import pathlib
import sys

from jinja2.exceptions import TemplateError
from jinja2.ext import loopcontrols
from jinja2.sandbox import ImmutableSandboxedEnvironment

ROOT = pathlib.Path(__file__).resolve().parent.parent
SHARED = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared"
OUT = ROOT / "tests/data/templates"
NOW = datetime.datetime(2026, 11, 26)  # the tests render with this date


def raise_exception(message):
    raise TemplateError(message)


def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
    return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators,
                      sort_keys=sort_keys)


env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[loopcontrols])
env.filters["tojson"] = tojson
env.globals["raise_exception"] = raise_exception
env.globals["strftime_now"] = NOW.strftime



def render_all(templates, conversations, out):
    for old in out.glob("*.txt"):
        old.unlink()
    for old in out.glob("*.error"):
        old.unlink()
    for template in templates:
        source = template.read_text(encoding="utf-8")
        for conv in conversations:
            context = json.loads(conv.read_text(encoding="utf-8"))
            name = f"{template.stem}.{conv.stem}"
            try:
                text = env.from_string(source).render(**context)
                (out / f"{name}.txt").write_bytes(text.encode("utf-8"))
            except Exception as e:  # the template rejects this conversation: any error will do
                (out / f"{name}.error").write_text(f"{type(e).__name__}: {e}\n", encoding="utf-8")


RICHER = sorted((OUT / "conversations").glob("*.json"))
render_all(sorted((SHARED / "templates").glob("*.jinja")), RICHER, OUT)
render_all(sorted((OUT / "extra").glob("*.jinja")),
           sorted((SHARED / "templates/conversations").glob("*.json")) + RICHER, OUT / "extra")

// Conformance: the official `openai` npm client drives `vkchat-cli serve`.
//   node conformance.mjs VKCHAT_CLI MODEL.gguf [THINK_TEMPLATE.jinja]
// Starts the server on a free port with an API key, runs every check, stops it; exit 0 = pass.
// A second server has two slots (--parallel 2) and no queue: two streams overlap, a third
// request meanwhile gets 503, and a client leaving one slot leaves the other's answer as it is.
// With THINK_TEMPLATE (a template whose generation prompt opens <think>, DeepSeek-R1's), another
// server renders with it (--chat-template-file), so the model's whole answer is reasoning: the
// reasoning_content checks run against that one. A last one renders with Qwen3's template (beside
// it) and --think off, for the enable_thinking switch. The load test is load.mjs.
import { spawn } from 'node:child_process';
import { Agent, request as httpRequest } from 'node:http';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { KEY, startServer as startServe, stopServer } from './server_process.mjs';

const [cli, model, thinkTemplate] = process.argv.slice(2);
if (!cli || !model) { console.error('usage: node conformance.mjs VKCHAT_CLI MODEL'); process.exit(2); }
readFileSync(model, { flag: 'r' }).subarray(0, 4); // a missing model fails, never skips

if (thinkTemplate) readFileSync(thinkTemplate, { flag: 'r' });
const startServer = (extra) => startServe(cli, model, ['--queue', '4', '--max-body', '65536', ...extra]);
const main = await startServer([]);
const base = main.base;

// The clients' keep-alive connections, closed before the servers are stopped (an idle one holds a
// server thread for httplib's keep-alive timeout, 5 s).
const agent = new Agent({ keepAlive: true });
const client = new OpenAI({ apiKey: KEY, baseURL: `${base}/v1`, maxRetries: 0, timeout: 30000, httpAgent: agent });
const NAME = (await client.models.list()).data[0].id; // the model's general.name
const msgs = [{ role: 'user', content: 'Once upon a time' }];
const checks = [];
const check = (name, fn) => checks.push([name, fn]);

check('models', async () => {
  const list = await client.models.list();
  assert.equal(list.data.length, 1);
  assert.equal(list.data[0].object, 'model');
});
check('chat, not streamed', async () => {
  const r = await client.chat.completions.create({ model: NAME, messages: msgs, max_tokens: 16, seed: 1 });
  assert.equal(r.object, 'chat.completion');
  assert.equal(r.choices[0].message.role, 'assistant');
  assert.ok(r.choices[0].message.content.length > 0);
  assert.equal(r.choices[0].finish_reason, 'length');
  assert.equal(r.usage.completion_tokens, 16);
  assert.ok(r.usage.prompt_tokens > 0);
  assert.ok(!('reasoning_content' in r.choices[0].message), 'no reasoning without a reasoning template');
});
check('chat, streamed, with usage', async () => {
  const s = await client.chat.completions.create({ messages: msgs, max_tokens: 12, seed: 5, stream: true,
                                                   stream_options: { include_usage: true } });
  let text = ''; let finish = null; let usage = null;
  for await (const c of s) {
    if (c.choices.length) { text += c.choices[0].delta.content ?? ''; finish = c.choices[0].finish_reason ?? finish; }
    if (c.usage) usage = c.usage;
  }
  assert.equal(finish, 'length');
  assert.equal(usage.completion_tokens, 12);
  const r = await client.chat.completions.create({ messages: msgs, max_tokens: 12, seed: 5 });
  assert.equal(r.choices[0].message.content, text, 'streamed and non-streamed text differ for one seed');
});
check('seed reproducibility', async () => {
  const a = await client.chat.completions.create({ messages: msgs, max_tokens: 24, seed: 42, temperature: 1 });
  const b = await client.chat.completions.create({ messages: msgs, max_tokens: 24, seed: 42, temperature: 1 });
  assert.equal(a.choices[0].message.content, b.choices[0].message.content);
});
check('stop strings', async () => {
  const a = await client.chat.completions.create({ messages: msgs, max_tokens: 40, seed: 7 });
  const text = a.choices[0].message.content;
  const word = text.trim().split(/\s+/)[2];
  assert.ok(word, `answer too short: ${text}`);
  const b = await client.chat.completions.create({ messages: msgs, max_tokens: 40, seed: 7, stop: [word] });
  assert.equal(b.choices[0].message.content, text.slice(0, text.indexOf(word)));
  assert.equal(b.choices[0].finish_reason, 'stop');
});
check('completions', async () => {
  const r = await client.completions.create({ model: NAME, prompt: 'Once upon a time', max_tokens: 8 });
  assert.equal(r.object, 'text_completion');
  assert.equal(r.usage.completion_tokens, 8);
});
check('logprobs: each token with its log-probability and top_logprobs, streamed and not', async () => {
  const ask = { messages: msgs, max_tokens: 12, seed: 3, temperature: 0.8, logprobs: true, top_logprobs: 3 };
  const r = await client.chat.completions.create(ask);
  const content = r.choices[0].logprobs.content;
  assert.equal(content.length, 12, 'one entry per generated token');
  for (const t of content) {
    assert.ok(t.logprob <= 0 && Number.isFinite(t.logprob), `logprob ${t.logprob}`);
    assert.deepEqual(Buffer.from(t.bytes).toString('latin1').length, t.bytes.length);
    assert.equal(t.top_logprobs.length, 3);
    for (let i = 1; i < 3; ++i) assert.ok(t.top_logprobs[i - 1].logprob >= t.top_logprobs[i].logprob);
  }
  // The tokens' bytes are the answer's (no stop string here).
  const bytes = Buffer.concat(content.map((t) => Buffer.from(t.bytes)));
  assert.equal(bytes.toString('utf8'), r.choices[0].message.content);
  // Streamed: the same tokens, each chunk with those whose text it carries.
  const s = await client.chat.completions.create({ ...ask, stream: true });
  const streamed = [];
  for await (const c of s) {
    if (c.choices.length && c.choices[0].logprobs) streamed.push(...c.choices[0].logprobs.content);
  }
  assert.deepEqual(streamed.map((t) => t.bytes), content.map((t) => t.bytes));
  // Without logprobs: null, as OpenAI answers.
  const plain = await client.chat.completions.create({ messages: msgs, max_tokens: 4 });
  assert.equal(plain.choices[0].logprobs, null);
  // The legacy completions API: logprobs N.
  const c = await client.completions.create({ model: NAME, prompt: 'Once upon a time', max_tokens: 5, logprobs: 2 });
  assert.equal(c.choices[0].logprobs.tokens.length, 5);
  const alts = Object.keys(c.choices[0].logprobs.top_logprobs[0]).length;  // texts may repeat
  assert.ok(alts >= 1 && alts <= 2, `${alts} alternatives`);
});
check('401 on a wrong key', async () => {
  const bad = new OpenAI({ apiKey: 'wrong', baseURL: `${base}/v1`, maxRetries: 0, httpAgent: agent });
  await assert.rejects(bad.models.list(), (e) => e.status === 401);
});
check('400 on malformed JSON and on a wrong type', async () => {
  const r = await fetch(`${base}/v1/chat/completions`, { method: 'POST', body: '{"messages":[',
    headers: { Authorization: `Bearer ${KEY}`, 'Content-Type': 'application/json' } });
  assert.equal(r.status, 400);
  assert.ok((await r.json()).error.message);
  await assert.rejects(client.chat.completions.create({ messages: msgs, temperature: 'hot' }),
                       (e) => e.status === 400 && e.error.param === 'temperature');
});
check('413 on an oversized body', async () => {
  await assert.rejects(client.chat.completions.create({ messages: [{ role: 'user', content: 'a'.repeat(100000) }] }),
                       (e) => e.status === 413);
});
check('404 on an unknown model', async () => {
  await assert.rejects(client.chat.completions.create({ model: 'nope', messages: msgs }), (e) => e.status === 404);
});
// Streams an answer over a connection of its own, counting the tokens that reach the client (the
// logprobs entries of its events); `onTokens(n)` after each event that brought some. Resolves at
// the first event (the role's, written before the answer starts).
const streamCounted = (server, body, onTokens) => new Promise((resolve, reject) => {
  const req = httpRequest(`${server.base}/v1/chat/completions`, {
    method: 'POST', agent: false,
    headers: { Authorization: `Bearer ${KEY}`, 'Content-Type': 'application/json' } });
  const out = { req, tokens: 0 };
  req.on('error', (e) => { if (!out.closed) reject(e); });
  req.on('response', (res) => {
    let buf = '';
    res.on('data', (d) => {
      buf += d;
      let end;
      while ((end = buf.indexOf('\n\n')) >= 0) {
        const line = buf.slice(0, end); buf = buf.slice(end + 2);
        if (!line.startsWith('data: {')) continue;
        const n = JSON.parse(line.slice(6)).choices[0]?.logprobs?.content?.length ?? 0;
        if (n) { out.tokens += n; onTokens(out.tokens); }
        resolve(out);
      }
    });
    res.on('error', () => {});
  });
  req.end(JSON.stringify(body));
});
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
// Freezes the server (SIGSTOP) while the client of stream `s` takes in everything it had been
// written and closes, then lets it go on (SIGCONT); resolves with the tokens the server then
// logs it generated for that answer. Freezing makes the count exact: a running server is tokens
// ahead of what its client has read by the time it closes, and that lead is not what is measured.
const leaveFrozen = async (server, s) => {
  const before = server.err.length;
  server.proc.kill('SIGSTOP');
  try {
    await sleep(300);  // what the server had written arrives meanwhile
    s.closed = true;
    s.req.destroy();
    await sleep(100);
  } finally {
    server.proc.kill('SIGCONT');
  }
  let logged = null;
  for (let i = 0; i < 400 && !logged; ++i) {
    logged = /a client left mid-answer: stopped after (\d+) tokens/.exec(server.err.slice(before));
    if (!logged) await sleep(50);
  }
  assert.ok(logged, `no "client left" line in the server's log:\n${server.err.slice(before)}`);
  return Number(logged[1]);
};
check('client disconnect mid-stream stops generation within one token', async () => {
  // The client reads k tokens and leaves: the server stops before it computes more than one more.
  const k = 3;
  let reached;
  const kRead = new Promise((r) => { reached = r; });
  const s = await streamCounted(main, { messages: msgs, max_tokens: 100000, stream: true, seed: 4,
                                        logprobs: true }, (n) => { if (n >= k) reached(); });
  await kRead;
  const generated = await leaveFrozen(main, s);
  assert.ok(s.tokens >= k);
  assert.ok(generated >= s.tokens && generated <= s.tokens + 1,
            `the client read ${s.tokens} tokens; the server generated ${generated}`);
  // A client that leaves during a prefill of two chunks (over 512 tokens), before any token: the
  // prefill stops after the chunk under way, and not one token is generated (a check only when
  // there is text to write would run the whole prefill and a token).
  const long = [{ role: 'user', content: 'Once upon a time, there was a cat. '.repeat(60) }];
  const p = await streamCounted(main, { messages: long, max_tokens: 8, stream: true, logprobs: true }, () => {});
  assert.equal(await leaveFrozen(main, p), 0);
  assert.equal(p.tokens, 0);
  // The server is free again at once: a short request is answered quickly (an unstopped
  // generation would hold the model until the context filled).
  const t0 = Date.now();
  const r = await client.chat.completions.create({ messages: msgs, max_tokens: 4 });
  assert.equal(r.usage.completion_tokens, 4);
  assert.ok(Date.now() - t0 < 5000, `took ${Date.now() - t0} ms`);
});
check('chat --remote against the server', async () => {
  const r = await client.chat.completions.create({ messages: msgs, max_tokens: 10, seed: 3, temperature: 0.8,
                                                   top_p: 0.95, top_k: 40, min_p: 0.05 });
  const out = await new Promise((resolve, reject) => {
    const p = spawn(cli, ['chat', '--remote', `${base}/v1`, '--api-key', KEY, '--model', NAME, '-n', '10',
                          '--seed', '3'], { stdio: ['pipe', 'pipe', 'inherit'] });
    let text = '';
    p.stdout.on('data', (d) => { text += d; });
    p.on('exit', (c) => (c === 0 ? resolve(text) : reject(new Error(`chat --remote exited ${c}`))));
    p.stdin.end('Once upon a time\n');
  });
  assert.equal(out, `${r.choices[0].message.content}\n`);
});
// `vkchat-cli serve -m MODEL ...args` to its exit: the exit code and stderr.
const serveExit = (args) => new Promise((resolve) => {
  const p = spawn(cli, ['serve', '-m', model, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let e = '';
  p.stderr.on('data', (d) => { e += d; });
  p.on('exit', (c) => resolve({ code: c, err: e }));
});
check('--parallel and --queue out of range are usage errors', async () => {
  for (const [flag, value, says] of [['--parallel', '0', 'from 1 to 64'], ['--parallel', '65', 'from 1 to 64'],
                                     ['--queue', '-1', '0 or more']]) {
    const { code, err } = await serveExit([flag, value]);
    assert.equal(code, 1, `${flag} ${value}: exit ${code}`);
    assert.ok(err.includes(`${flag} must be ${says}`), err);
  }
});
check('a second serve on a port in use exits 1 and says so; the first goes on', async () => {
  const port = new URL(base).port;
  const { code, err } = await serveExit(['--port', port]);
  assert.equal(code, 1, `exit ${code}: ${err}`);
  assert.ok(err.includes(`port ${port} is in use`), err);
  assert.ok(!err.includes('serving'), err);
  assert.equal((await client.models.list()).data[0].id, NAME);
});
// Two slots and no queue: two requests run at once, a third is refused while they do. Validation
// on: its thread-safety checks report any Vulkan object the two slots used at once.
const par = await startServe(cli, model, ['--parallel', '2', '--queue', '0'], { VKCHAT_VK_VALIDATION: '1' });
// Without keep-alive, so that no idle connection holds a server thread when SIGTERM comes.
const parClient = new OpenAI({ apiKey: KEY, baseURL: `${par.base}/v1`, maxRetries: 0, timeout: 30000,
                               httpAgent: new Agent({ keepAlive: false }) });
// Reads a stream to its end (or its abort), timing each content chunk; `onChunk(n)` after the n-th.
const collect = async (stream, onChunk = () => {}) => {
  const out = { text: '', chunks: 0, first: null, last: null, finish: null };
  for await (const c of stream) {
    if (!c.choices.length) continue;
    const d = c.choices[0].delta.content ?? '';
    if (d) {
      out.text += d; out.chunks++;
      out.last = performance.now(); out.first ??= out.last;
      await onChunk(out.chunks);
    }
    out.finish = c.choices[0].finish_reason ?? out.finish;
  }
  return out;
};
const story = [{ role: 'user', content: 'Tell me a story.' }];
check('parallel 2: two streams overlap in time and answer as one at a time does', async () => {
  const [a, b] = await Promise.all([
    parClient.chat.completions.create({ messages: msgs, max_tokens: 48, seed: 11, stream: true }),
    parClient.chat.completions.create({ messages: story, max_tokens: 48, seed: 12, stream: true }),
  ]);
  const [ra, rb] = await Promise.all([collect(a), collect(b)]);
  assert.ok(ra.chunks > 10 && rb.chunks > 10, `${ra.chunks} and ${rb.chunks} chunks`);
  assert.ok(ra.first < rb.last && rb.first < ra.last,
            `no overlap: a ${ra.first}..${ra.last} ms, b ${rb.first}..${rb.last} ms`);
  const sa = await parClient.chat.completions.create({ messages: msgs, max_tokens: 48, seed: 11 });
  const sb = await parClient.chat.completions.create({ messages: story, max_tokens: 48, seed: 12 });
  assert.equal(ra.text, sa.choices[0].message.content);
  assert.equal(rb.text, sb.choices[0].message.content);
});
check('parallel 2: a third request gets 503; a disconnect leaves the other slot be', async () => {
  const [a, b] = await Promise.all([
    parClient.chat.completions.create({ messages: msgs, max_tokens: 100000, stream: true }),
    parClient.chat.completions.create({ messages: story, max_tokens: 64, seed: 3, stream: true }),
  ]);
  let bStarted; const started = new Promise((r) => { bStarted = r; });
  let refused = null;
  const ra = collect(a, async (n) => {
    if (n !== 3) return;
    await started;
    // Both slots are busy and nobody may wait: refused at once.
    refused = await parClient.chat.completions.create({ messages: msgs, max_tokens: 4 }).then(
      () => 'answered', (e) => [e.status, e.headers?.['retry-after']]);
    a.controller.abort(); // the client of slot a leaves
  });
  const rb = await collect(b, (n) => { if (n === 1) bStarted(); });
  await ra;
  assert.deepEqual(refused, [503, '1']);
  assert.equal(rb.finish, 'length');
  const alone = await parClient.chat.completions.create({ messages: story, max_tokens: 64, seed: 3 });
  assert.equal(rb.text, alone.choices[0].message.content, 'the other slot\'s answer changed');
  // The left slot is free again at once (both slots answer).
  const t0 = Date.now();
  const two = await Promise.all([0, 1].map(() => parClient.chat.completions.create({ messages: msgs, max_tokens: 4 })));
  assert.deepEqual(two.map((r) => r.usage.completion_tokens), [4, 4]);
  assert.ok(Date.now() - t0 < 5000, `took ${Date.now() - t0} ms`);
});

check('parallel 2: SIGTERM while a slot streams ends the server at once, exit 0', async () => {
  const s = await parClient.chat.completions.create({ messages: msgs, max_tokens: 100000, stream: true });
  const it = s[Symbol.asyncIterator]();
  await it.next(); await it.next();
  const t0 = Date.now();
  assert.equal(await stopServer(par), 0); // par's last check
  // An unstopped stream would go on until the context is full (seconds).
  assert.ok(Date.now() - t0 < 2000, `took ${Date.now() - t0} ms`);
  s.controller.abort();
});

// The same model behind DeepSeek-R1's template: its generation prompt ends in "<think>\n", so the
// answer is reasoning that never closes. /v1/completions renders the same prompt without the
// split, so its text is the raw answer the reasoning must be (whitespace at the ends dropped).
const think = thinkTemplate ? await startServer(['--chat-template-file', thinkTemplate]) : null;
const thinkClient = think && new OpenAI({ apiKey: KEY, baseURL: `${think.base}/v1`, maxRetries: 0, timeout: 30000,
                                                 httpAgent: agent });
const trimWs = (t) => t.replace(/^[ \n\r\t]+|[ \n\r\t]+$/g, '');
if (think) {
  check('reasoning_content, not streamed', async () => {
    const r = await thinkClient.chat.completions.create({ messages: msgs, max_tokens: 16, seed: 9 });
    const raw = await thinkClient.completions.create({ prompt: msgs[0].content, max_tokens: 16, seed: 9 });
    const m = r.choices[0].message;
    assert.equal(typeof m.reasoning_content, 'string');
    assert.ok(m.reasoning_content.length > 0);
    assert.equal(m.reasoning_content, trimWs(raw.choices[0].text));
    assert.equal(m.content, '', 'the reasoning is not in the content');
    assert.equal(r.choices[0].finish_reason, 'length');
  });
  check('reasoning_content, streamed as deltas', async () => {
    const s = await thinkClient.chat.completions.create({ messages: msgs, max_tokens: 16, seed: 9, stream: true });
    let reasoning = ''; let content = '';
    for await (const c of s) {
      if (!c.choices.length) continue;
      reasoning += c.choices[0].delta.reasoning_content ?? '';
      content += c.choices[0].delta.content ?? '';
    }
    const r = await thinkClient.chat.completions.create({ messages: msgs, max_tokens: 16, seed: 9 });
    assert.equal(reasoning, r.choices[0].message.reasoning_content);
    assert.equal(content, '');
  });
  check('reasoning switches and a returned reasoning_content are accepted', async () => {
    const r = await thinkClient.chat.completions.create({
      messages: [...msgs, { role: 'assistant', content: '', reasoning_content: 'thought' }, { role: 'user', content: 'And?' }],
      max_tokens: 4, reasoning_effort: 'low', chat_template_kwargs: { enable_thinking: true } });
    assert.equal(r.usage.completion_tokens, 4);
    await assert.rejects(thinkClient.chat.completions.create({ messages: msgs, chat_template_kwargs: 'yes' }),
                         (e) => e.status === 400 && e.error.param === 'chat_template_kwargs');
  });
  check('chat --remote shows reasoning_content apart', async () => {
    const r = await thinkClient.chat.completions.create({ messages: msgs, max_tokens: 10, seed: 3, temperature: 0.8,
                                                         top_p: 0.95, top_k: 40, min_p: 0.05 });
    const out = await new Promise((resolve, reject) => {
      const p = spawn(cli, ['chat', '--remote', `${think.base}/v1`, '--api-key', KEY, '--model', NAME, '-n', '10',
                            '--seed', '3'], { stdio: ['pipe', 'pipe', 'pipe'] });
      let stdout = ''; let stderr = '';
      p.stdout.on('data', (d) => { stdout += d; });
      p.stderr.on('data', (d) => { stderr += d; });
      p.on('exit', (c) => (c === 0 ? resolve({ stdout, stderr }) : reject(new Error(`chat --remote exited ${c}`))));
      p.stdin.end('Once upon a time\n');
    });
    assert.equal(out.stdout, '\n', 'the answer (empty) alone on stdout');
    const shown = r.choices[0].message.reasoning_content.split('\n').map((l) => `Thinking: ${l}\n`).join('');
    assert.equal(out.stderr, shown);
  });
}

// Qwen3's template with --think off writes "<think>\n\n</think>\n\n" into the prompt; a request's
// chat_template_kwargs.enable_thinking=true overrides the flag, and the prompt is that much shorter.
const qwen3 = thinkTemplate
  ? await startServer(['--chat-template-file', join(dirname(thinkTemplate), 'Qwen-Qwen3-0.6B.jinja'), '--think', 'off'])
  : null;
if (qwen3) {
  check('enable_thinking: serve --think and chat_template_kwargs', async () => {
    const q = new OpenAI({ apiKey: KEY, baseURL: `${qwen3.base}/v1`, maxRetries: 0, timeout: 30000, httpAgent: agent });
    const off = await q.chat.completions.create({ messages: msgs, max_tokens: 8, seed: 2 });
    const on = await q.chat.completions.create({ messages: msgs, max_tokens: 8, seed: 2,
                                                 chat_template_kwargs: { enable_thinking: true } });
    assert.ok(off.usage.prompt_tokens > on.usage.prompt_tokens,
              `prompt ${off.usage.prompt_tokens} (off) vs ${on.usage.prompt_tokens} (on)`);
    // The block is closed in the prompt: the answer is content, unchanged.
    assert.ok(off.choices[0].message.content.length > 0);
    assert.ok(!('reasoning_content' in off.choices[0].message));
  });
}

let failed = 0;
for (const [name, fn] of checks) {
  const t0 = Date.now();
  try { await fn(); console.log(`ok   ${name} (${Date.now() - t0} ms)`); }
  catch (e) { failed++; console.log(`FAIL ${name}: ${e.stack ?? e}`); }
}
agent.destroy();
for (const server of [main, par, think, qwen3].filter(Boolean)) {
  const code = await stopServer(server);
  if (code !== 0) { failed++; console.log(`FAIL server exit: ${code}\n${server.err}`); }
}
if (par.err.includes('vulkan validation')) { failed++; console.log(`FAIL validation (--parallel 2):\n${par.err}`); }
console.log(failed ? `${failed} failed` : 'all passed');
process.exit(failed ? 1 : 0);

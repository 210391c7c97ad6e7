// Load test: 8 concurrent clients (the official `openai` npm client) send 200 requests in all to
// `vkchat-cli serve --parallel 2 --queue 2`, with small max_tokens; some are streamed, some of
// those left after two chunks, and many share a prompt prefix. A refused client comes back after
// 100 ms.
//   node load.mjs VKCHAT_CLI MODEL.gguf [SLOTS]     (SLOTS: --parallel, 2 by default)
// Every request must be answered (200) or refused with 503 / 429; the server must still answer
// and exit cleanly afterwards, with no Vulkan validation message (validation is on); its resident
// memory must stay flat (less than 20 MiB of growth over 160 requests after 40 of warm-up), and
// the whole run must take less than 60 s. Prints the figures docs/PERFORMANCE.md records:
// requests per second, refusals, memory before and after, the server's CPU time.
import { readFileSync } from 'node:fs';
import { Agent } from 'node:http';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { KEY, startServer, stopServer } from './server_process.mjs';

const [cli, model, slots = '2'] = process.argv.slice(2);
if (!cli || !model) { console.error('usage: node load.mjs VKCHAT_CLI MODEL'); process.exit(2); }
readFileSync(model, { flag: 'r' }).subarray(0, 4); // a missing model fails, never skips

const CLIENTS = 8;
const BACKOFF_MS = 100;
// Validation on: its thread-safety checks report any Vulkan object two slots used at once.
const server = await startServer(cli, model, ['--parallel', slots, '--queue', '2'], { VKCHAT_VK_VALIDATION: '1' });
// Keep-alive connections, closed before the server is stopped (an idle one holds a server
// thread for httplib's keep-alive timeout, 5 s).
const agent = new Agent({ keepAlive: true });
let failed = false;
try {
  const client = new OpenAI({ apiKey: KEY, baseURL: `${server.base}/v1`, maxRetries: 0, timeout: 30000,
                              httpAgent: agent });
  // A few conversations that later requests continue (a shared prefix), and fresh prompts.
  const opening = (i) => [{ role: 'user', content: `Tim and the ${['dog', 'cat', 'ball'][i % 3]}` }];
  const one = async (i) => {
    const messages = i % 2 ? [...opening(i), { role: 'assistant', content: 'Tim' }, { role: 'user', content: `And ${i}?` }]
                           : [{ role: 'user', content: `Once upon a time ${i}` }];
    try {
      if (i % 4 === 1) {
        const s = await client.chat.completions.create({ messages, max_tokens: 6, seed: i, stream: true });
        let chunks = 0;
        for await (const c of s) {
          void c;
          if (++chunks === 3 && i % 8 === 1) break; // the client leaves mid-stream
        }
        assert.ok(chunks >= 2);
        return 'ok';
      }
      const r = await client.chat.completions.create({ messages, max_tokens: 6, seed: i });
      assert.ok(r.usage.completion_tokens > 0);
      return 'ok';
    } catch (e) {
      if (e.status === 503 || e.status === 429) return 'refused';
      throw e;
    }
  };
  const run = async (from, count) => {
    let next = from; const out = { ok: 0, refused: 0 };
    await Promise.all(Array.from({ length: CLIENTS }, async () => {
      while (next < from + count) {
        const r = await one(next++);
        out[r]++;
        // A refused client comes back later, as a client would after Retry-After.
        if (r === 'refused') await new Promise((res) => setTimeout(res, BACKOFF_MS));
      }
    }));
    return out;
  };
  const cpu0 = server.cpuSeconds();
  const t0 = performance.now();
  const warm = await run(0, 40);
  const before = server.rss();
  const rest = await run(40, 160);
  const after = server.rss();
  const ms = performance.now() - t0;
  const cpu = server.cpuSeconds() - cpu0;
  const ok = warm.ok + rest.ok; const refused = warm.refused + rest.refused;
  console.log(`load: ${CLIENTS} clients, ${slots} slots, ${ok} answered, ${refused} refused, ${(ms / 1000).toFixed(2)} s ` +
              `(${(200 / (ms / 1000)).toFixed(1)} requests/s, ${(ok / (ms / 1000)).toFixed(1)} answered/s), ` +
              `server rss ${before} -> ${after} KiB, server CPU ${cpu.toFixed(2)} s`);
  assert.ok(ok > 0);
  assert.equal(ok + refused, 200);
  assert.ok(ms < 60000, `200 requests took ${ms} ms`);
  assert.ok(after - before < 20 * 1024, `memory grew by ${after - before} KiB`);
  // Still serving: a plain request after the load.
  const r = await client.chat.completions.create({ messages: opening(0), max_tokens: 4 });
  assert.equal(r.usage.completion_tokens, 4);
  assert.ok(!server.err.includes('vulkan validation'), server.err);
  console.log('ok   load');
} catch (e) {
  failed = true;
  console.log(`FAIL load: ${e.stack ?? e}`);
}
agent.destroy();
const code = await stopServer(server);
if (code !== 0) { failed = true; console.log(`FAIL server exit: ${code}\n${server.err}`); }
console.log(failed ? 'failed' : 'all passed');
process.exit(failed ? 1 : 0);

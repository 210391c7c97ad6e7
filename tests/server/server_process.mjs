// `vkchat-cli serve` as a child process, for the server tests (conformance.mjs, load.mjs): started
// on a free port with an API key, its resident memory and CPU time read from /proc, stopped with
// SIGTERM as Ctrl-C would.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

export const KEY = 'test-key';

const freePort = () => new Promise((res) => {
  const s = createServer().listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => res(p)); });
});

// Resolves when /health answers; `args`: serve's flags beyond -m, --port and --api-key; `env`:
// variables to add to the environment (VKCHAT_VK_VALIDATION).
export const startServer = async (cli, model, args, env = {}) => {
  const port = await freePort();
  const proc = spawn(cli, ['serve', '-m', model, '--port', String(port), '--api-key', KEY, ...args],
                     { stdio: ['ignore', 'inherit', 'pipe'], env: { ...process.env, ...env } });
  const server = {
    proc,
    base: `http://127.0.0.1:${port}`,
    err: '',
    // VmRSS in KiB.
    rss: () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${proc.pid}/status`, 'utf8'))[1]),
    // User + system CPU seconds so far (fields 14 and 15 of /proc/PID/stat, in clock ticks of
    // 1/100 s on Linux).
    cpuSeconds: () => {
      const stat = readFileSync(`/proc/${proc.pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return (Number(fields[11]) + Number(fields[12])) / 100;
    },
  };
  proc.stderr.on('data', (d) => { server.err += d; });
  for (let i = 0; ; ++i) {
    try { if ((await fetch(`${server.base}/health`)).ok) break; } catch { /* not up yet */ }
    if (i > 300 || proc.exitCode !== null || proc.signalCode !== null) throw new Error(`server did not start:\n${server.err}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return server;
};

// SIGTERM, then the exit code (or the signal's name when it died of one).
export const stopServer = async (server) => {
  const { exitCode, signalCode } = server.proc;
  if (exitCode !== null || signalCode !== null) return exitCode ?? signalCode;
  const exited = new Promise((r) => server.proc.on('exit', (c, sig) => r(c ?? sig)));
  server.proc.kill('SIGTERM');
  return exited;
};

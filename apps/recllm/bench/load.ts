/**
 * Load test on loopback: `vfm-recllm serve` (rule policy, hybrid retrieval) in a child process over a
 * 2,000-item synthetic corpus, autocannon in this process with 100 connections, each bound to its own
 * session and posting chat messages for a bounded time. Prints p50/p99 latency and requests/s, then
 * checks that no message was lost: every session's history holds exactly two turns per answered request.
 *
 *   npm run bench -w @vfmkit/recllm-app                 # 10 s
 *   RECLLM_BENCH_SECONDS=30 RECLLM_BENCH_SESSIONS=100 npm run bench -w @vfmkit/recllm-app
 *   RECLLM_BENCH_RATE=50 RECLLM_BENCH_MODE=dense npm run bench -w @vfmkit/recllm-app   # 50 req/s offered, dense retrieval
 *   RECLLM_BENCH_CPU_PROF=/tmp/prof npm run bench -w @vfmkit/recllm-app   # + a V8 CPU profile of the server
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { runDemo } from '../src/demo';

const SECONDS = Number(process.env.RECLLM_BENCH_SECONDS ?? 10);
const SESSIONS = Number(process.env.RECLLM_BENCH_SESSIONS ?? 100);
const ITEMS = Number(process.env.RECLLM_BENCH_ITEMS ?? 2000);
const MODE = process.env.RECLLM_BENCH_MODE ?? 'hybrid';
/** Requests/s over all sessions (users who read the reply before typing); unset: as fast as the server answers. */
const RATE = process.env.RECLLM_BENCH_RATE ? Number(process.env.RECLLM_BENCH_RATE) : undefined;
const QUERIES = [
  'a red sphere that bounces',
  'something blue that spins',
  "I don't like striped ones",
  'a checkered box sliding',
  'short videos from Marble Garage',
  'a green cylinder falling',
  'more like the first one',
  'a purple cone standing still',
];

/** The machine may be shared: its 1-minute load average before the run is printed with the results. */
const LOAD_BEFORE = loadavg()[0];
const dir = mkdtempSync(join(tmpdir(), 'recllm-bench-'));
const bin = fileURLToPath(new URL('../bin/vfm-recllm.mjs', import.meta.url));
await runDemo({ dataDir: dir, items: ITEMS, clips: 0 });
/** A folder for a V8 CPU profile of the server (`node --cpu-prof`), written when it exits. */
const PROFILE_DIR = process.env.RECLLM_BENCH_CPU_PROF;
const server = spawn(
  process.execPath,
  [
    ...(PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`] : []),
    bin,
    'serve',
    '--data',
    dir,
    '--port',
    '0',
    '--k',
    '5',
    '--mode',
    MODE,
  ],
  { stdio: ['ignore', 'pipe', 'inherit'] },
);
try {
  const base = await new Promise<string>((ok, fail) => {
    let out = '';
    server.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) ok(m[1]);
    });
    server.on('exit', (c) => fail(new Error(`server exited ${c}`)));
  });
  const sessions: string[] = [];
  for (let i = 0; i < SESSIONS; i++) {
    const r = await fetch(`${base}/api/sessions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ userId: `load-${i}` }),
    });
    sessions.push(((await r.json()) as { sessionId: string }).sessionId);
  }
  const answered = new Map<string, number>(sessions.map((s) => [s, 0]));
  const sent = new Map<string, number>(sessions.map((s) => [s, 0]));
  let next = 0;
  type Ctx = { sid?: string; n?: number };
  const result = await autocannon({
    url: base,
    connections: SESSIONS,
    duration: SECONDS,
    pipelining: 1,
    ...(RATE ? { overallRate: RATE } : {}),
    timeout: 10,
    requests: [
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        setupRequest: (req, context: Ctx) => {
          if (!context.sid) {
            context.sid = sessions[next++ % sessions.length];
            context.n = 0;
          }
          const text = QUERIES[(context.n ?? 0) % QUERIES.length];
          context.n = (context.n ?? 0) + 1;
          sent.set(context.sid, (sent.get(context.sid) ?? 0) + 1);
          return { ...req, path: `/api/sessions/${context.sid}/messages`, body: JSON.stringify({ text }) };
        },
        onResponse: (status, _body, context: Ctx) => {
          if (status === 200 && context.sid) answered.set(context.sid, (answered.get(context.sid) ?? 0) + 1);
        },
      },
    ],
  });
  // let requests cut off by the end of the run finish on the server
  await new Promise((r) => setTimeout(r, 2000));
  // every answered message is in its session's history (user + assistant turn, alternating); a request
  // cut off at the end may have been answered after autocannon stopped listening (sent - answered <= 1)
  let intact = 0;
  for (const sid of sessions) {
    const s = (await (await fetch(`${base}/api/sessions/${sid}`)).json()) as { turns: { role: string }[] };
    const n = s.turns.length;
    const alternating = s.turns.every((t, i) => t.role === (i % 2 ? 'assistant' : 'user'));
    if (alternating && n % 2 === 0 && n >= 2 * (answered.get(sid) ?? 0) && n <= 2 * (sent.get(sid) ?? 0))
      intact++;
  }
  const total = [...answered.values()].reduce((a, b) => a + b, 0);
  const errors = result.errors + result.timeouts + result.non2xx;
  const cpu = cpus()[0]?.model.trim() ?? 'unknown CPU';
  console.log(
    `\nMachine: ${cpu} x ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}; load average before ${LOAD_BEFORE.toFixed(1)}, after ${loadavg()[0].toFixed(1)} (1 min)`,
  );
  console.log(
    `\n| sessions (connections) | offered load | duration | corpus | requests | requests/s | p50 ms | p90 ms | p99 ms | max ms | errors | sessions intact |`,
  );
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  console.log(
    `| ${SESSIONS} | ${RATE ? `${RATE} req/s` : 'closed loop'} | ${SECONDS} s | ${ITEMS} items, rule policy, ${MODE} | ${total} | ${result.requests.average.toFixed(1)} | ${result.latency.p50} | ${result.latency.p90} | ${result.latency.p99} | ${result.latency.max} | ${errors} | ${intact}/${SESSIONS} |`,
  );
  if (errors > 0 || intact !== SESSIONS) process.exitCode = 1;
} finally {
  server.kill('SIGTERM');
  await new Promise((r) => server.on('exit', r));
  rmSync(dir, { recursive: true, force: true });
}

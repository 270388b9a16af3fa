/**
 * recllm benchmark: retrieval latency (p50/p99) and recall@10 on the 10,000-item synthetic corpus for
 * dense (the store's in-memory exact scan, LanceDB's flat scan and an IVF-PQ index), lexical (BM25) and hybrid (RRF)
 * retrieval against a brute-force exact cosine search in the same run; then simulator throughput
 * (sessions/s) and success with the rule policy, 500 sessions per retrieval mode; and, when an LLM is
 * configured, the LLM policy on hybrid retrieval:
 *   RECLLM_LLM_BASE_URL + RECLLM_LLM_MODEL (+ RECLLM_LLM_API_KEY): an OpenAI-compatible server;
 *   RECLLM_GGUF: a local GGUF model through node-llama-cpp (RECLLM_LLM_MAX_TOKENS per call, default 512).
 *   RECLLM_BENCH_LLM_SESSIONS: sessions for the LLM policy (default 50).
 *
 * Run: npm run bench -w @vfmkit/recllm   (about 2 minutes on 2 cores without an LLM)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeMachine, markdownTable, Rng } from '@vfmkit/core';
import {
  type ChatClient,
  DialogueManager,
  exactCosineSearch,
  generateCorpus,
  HashingEmbedder,
  itemFacts,
  itemText,
  LlamaCppChatClient,
  LlmPolicy,
  OpenAiChatClient,
  RETRIEVAL_MODES,
  simulate,
  simulationMetrics,
} from '../src/index';
import { CorpusStore } from '../src/lancedb/index';

const CORPUS = Number(process.env.RECLLM_BENCH_ITEMS ?? 10_000);
const QUERIES = Number(process.env.RECLLM_BENCH_QUERIES ?? 100);
const SIM_ITEMS = Number(process.env.RECLLM_BENCH_SIM_ITEMS ?? 2_000);
const SESSIONS = Number(process.env.RECLLM_BENCH_SESSIONS ?? 500);

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};
const f = (x: number, d = 2) => x.toFixed(d);

async function main(): Promise<void> {
  console.log(`# recllm benchmark\n\nMachine: ${describeMachine()}\n`);
  const embedder = new HashingEmbedder({ dim: 256 });
  const items = generateCorpus({ count: CORPUS, seed: 0 });
  const dir = mkdtempSync(join(tmpdir(), 'recllm-bench-'));
  try {
    let t0 = performance.now();
    const store = await CorpusStore.open({ dir, embedder });
    await store.upsert(items);
    const indexS = (performance.now() - t0) / 1000;
    t0 = performance.now();
    const replay = await store.upsert(items);
    const replayS = (performance.now() - t0) / 1000;
    console.log(
      `Indexed ${CORPUS} items (embed + LanceDB merge-insert + BM25) in ${f(indexS)} s (${f(CORPUS / indexS, 0)} items/s); ` +
        `replaying the same upsert wrote nothing (${replay.unchanged.length} unchanged) in ${f(replayS)} s.\n`,
    );

    // Queries: the first two facts a user would recall about a random target (as the simulator says them).
    const rng = new Rng(1);
    const queries = Array.from({ length: QUERIES }, () => {
      const target = items[rng.int(items.length)];
      return { target: target.id, text: itemFacts(target).slice(0, 2).join(', ') };
    });
    const vectors = await embedder.embedText(items.map(itemText));
    const exactTop = new Map<string, string[]>();
    const rows: (string | number)[][] = [];
    const measure = async (name: string, run: (q: string) => Promise<string[]>) => {
      const times: number[] = [];
      let hit = 0;
      let overlap = 0;
      for (const q of queries.slice(0, 10)) await run(q.text); // warm-up (caches, JIT)
      for (const q of queries) {
        const t = performance.now();
        const ids = await run(q.text);
        times.push(performance.now() - t);
        if (ids.slice(0, 10).includes(q.target)) hit++;
        const ex = exactTop.get(q.text);
        if (ex) overlap += ids.slice(0, 10).filter((id) => ex.includes(id)).length / 10;
      }
      rows.push([
        name,
        f(pct(times, 50)),
        f(pct(times, 99)),
        f(hit / queries.length, 3),
        f(overlap / queries.length, 3),
      ]);
    };
    await measure('exact brute force (float64 JS, dense)', async (q) => {
      const [v] = await embedder.embedText([q]);
      const ids = exactCosineSearch(vectors, v, 10).map((h) => items[h.index].id);
      exactTop.set(q, ids);
      return ids;
    });
    for (const mode of RETRIEVAL_MODES)
      await measure(
        `${mode}${mode === 'dense' ? ' (in-memory exact scan, the default)' : mode === 'lexical' ? ' (BM25)' : ' (RRF of both)'}`,
        async (q) => (await store.search({ query: q, mode, k: 10 })).map((h) => h.id),
      );
    const flat = await CorpusStore.open({ dir, embedder, denseScan: 'lancedb' });
    await measure('dense (LanceDB flat scan)', async (q) =>
      (await flat.search({ query: q, mode: 'dense', k: 10 })).map((h) => h.id),
    );
    await flat.close();
    t0 = performance.now();
    await store.createVectorIndex();
    const ivfS = (performance.now() - t0) / 1000;
    await measure(`dense (LanceDB IVF-PQ, built in ${f(ivfS, 1)} s)`, async (q) =>
      (await store.search({ query: q, mode: 'dense', k: 10 })).map((h) => h.id),
    );
    await store.close();
    console.log(
      `## Retrieval on ${CORPUS} items, ${QUERIES} queries (k = 10)\n\n` +
        "recall@10: the query's target item is in the top 10. overlap@10: share of the top 10 that the exact dense search also returns.\n",
    );
    console.log(
      markdownTable(['method', 'p50 ms', 'p99 ms', 'recall@10 (target)', 'overlap@10 vs exact'], rows),
    );

    // Simulator throughput with the rule policy.
    const simItems = generateCorpus({ count: SIM_ITEMS, seed: 1 });
    const simDir = mkdtempSync(join(tmpdir(), 'recllm-bench-sim-'));
    const simStore = await CorpusStore.open({ dir: simDir, embedder });
    await simStore.upsert(simItems);
    const simRows: (string | number)[][] = [];
    const users = [
      { name: 'patient (4 turns, forget 0.3, dislikes 0.5)', patience: 4, forgetRate: 0.3, dislikeRate: 0.5 },
      { name: 'impatient (2 turns, forget 0.6, no dislikes)', patience: 2, forgetRate: 0.6, dislikeRate: 0 },
    ];
    for (const u of users)
      for (const mode of RETRIEVAL_MODES) {
        const manager = new DialogueManager({ store: simStore, mode, k: 5, pool: 30 });
        t0 = performance.now();
        const results = await simulate(manager, {
          items: simItems,
          sessions: SESSIONS,
          seed: 7,
          patience: u.patience,
          forgetRate: u.forgetRate,
          dislikeRate: u.dislikeRate,
        });
        const s = (performance.now() - t0) / 1000;
        const m = simulationMetrics(results, 30);
        simRows.push([
          `${mode}, ${u.name}`,
          SESSIONS,
          f(SESSIONS / s, 1),
          f(m.successRate, 3),
          f(m.meanTurnsToSuccess),
          f(m.recallAt[10], 3),
          f(m.meanRank),
          f(m.mrr, 3),
        ]);
      }
    const llm: ChatClient | undefined = process.env.RECLLM_LLM_BASE_URL
      ? new OpenAiChatClient({
          baseUrl: process.env.RECLLM_LLM_BASE_URL,
          model: process.env.RECLLM_LLM_MODEL ?? 'default',
          apiKey: process.env.RECLLM_LLM_API_KEY,
        })
      : process.env.RECLLM_GGUF
        ? new LlamaCppChatClient({
            modelPath: process.env.RECLLM_GGUF,
            maxTokens: Number(process.env.RECLLM_LLM_MAX_TOKENS ?? 512),
            contextSize: 8192,
          })
        : undefined;
    if (llm) {
      const n = Number(process.env.RECLLM_BENCH_LLM_SESSIONS ?? 50);
      let fallbacks = 0;
      const policy = new LlmPolicy({
        client: llm,
        logger: (e) => {
          if (e.event === 'policy_fallback') fallbacks++;
        },
      });
      const manager = new DialogueManager({ store: simStore, policy, mode: 'hybrid', k: 5, pool: 30 });
      t0 = performance.now();
      const results = await simulate(manager, { items: simItems, sessions: n, seed: 7, patience: 4 });
      const s = (performance.now() - t0) / 1000;
      const m = simulationMetrics(results, 30);
      simRows.push([
        `hybrid, LLM policy (${llm.name}; ${fallbacks} rule fallbacks)`,
        n,
        f(n / s, 2),
        f(m.successRate, 3),
        f(m.meanTurnsToSuccess),
        f(m.recallAt[10], 3),
        f(m.meanRank),
        f(m.mrr, 3),
      ]);
    }
    await simStore.close();
    rmSync(simDir, { recursive: true, force: true });
    console.log(
      `\n## Simulator, rule policy, ${SIM_ITEMS} items, scripted users (verbosity 1, k = 5, pool 30)\n`,
    );
    console.log(
      markdownTable(
        [
          'retrieval, users',
          'sessions',
          'sessions/s',
          'success',
          'turns to success',
          'recall@10',
          'mean rank',
          'MRR',
        ],
        simRows,
      ),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();

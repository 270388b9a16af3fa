import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import type { Embedder, Reply, RetrievalMode } from '@vfmkit/recllm';
import { openApp } from './app-context';
import { checkLlmFlags, type LlmFlags, policyFromFlags } from './llm';

/** Options of {@link runChat}. */
export interface ChatOptions extends LlmFlags {
  dataDir: string;
  user: string;
  k?: number;
  mode?: RetrievalMode;
  /** The corpus's embedder (default: the hashing embedder); the one the corpus was built with. */
  embedder?: Embedder;
  input: Readable;
  output: Writable;
}

const HELP =
  'type what you want to watch; /like N, /dislike N (N = a number of the last list), /profile, /quit';

/**
 * The terminal chat: one session per run over the data folder's corpus and profiles; each line is a
 * user message, each reply (recommendations with their reasons) is printed. Ends at `/quit` or end of
 * input, folding the session into the user's profile.
 * @returns the exit status (0).
 */
export async function runChat(options: ChatOptions): Promise<number> {
  const out = (s: string) => options.output.write(`${s}\n`);
  checkLlmFlags(options); // before the data folder is opened (and created)
  const base = { k: options.k, mode: options.mode, embedder: options.embedder };
  const probe = await openApp(options.dataDir, base);
  let ctx = probe;
  const llm = policyFromFlags(options, probe.store, (e) => process.stderr.write(`${JSON.stringify(e)}\n`));
  if (llm.policy) {
    await probe.close();
    ctx = await openApp(options.dataDir, { ...llm, ...base });
  }
  try {
    if (ctx.store.size === 0)
      out('the corpus is empty: run `vfm-recllm demo --no-serve` or `vfm-recllm index` first');
    const { sessionId } = await ctx.manager.startSession(options.user);
    out(`vfm-recllm chat: ${ctx.store.size} videos, ${llm.policy ? 'LLM' : 'rule'} policy. ${HELP}`);
    let last: Reply | undefined;
    const rl = createInterface({ input: options.input, terminal: false });
    for await (const raw of rl) {
      const line = raw.trim();
      if (!line) continue;
      if (line === '/quit' || line === '/exit') break;
      if (line === '/profile') {
        const p = ctx.manager.getSession(sessionId)?.profile;
        out(`profile: ${p?.summary || '(empty)'}`);
        continue;
      }
      const fb = /^\/(like|dislike)\s+(\d+)$/.exec(line);
      if (fb) {
        const rec = last?.recommendations[Number(fb[2]) - 1];
        if (!rec) {
          out(`no recommendation ${fb[2]} in the last list`);
          continue;
        }
        const p = await ctx.manager.feedback(sessionId, rec.id, fb[1] as 'like' | 'dislike');
        out(`${fb[1]}d ${rec.item.title}. profile: ${p.summary}`);
        continue;
      }
      if (line.startsWith('/')) {
        out(HELP);
        continue;
      }
      last = await ctx.manager.handleMessage(sessionId, line);
      out(last.text);
    }
    const profile = await ctx.manager.endSession(sessionId);
    out(`bye. profile: ${profile.summary || '(empty)'}`);
    return 0;
  } finally {
    await ctx.close();
  }
}

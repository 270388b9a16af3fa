import { ConfigError, Rng } from '@vfmkit/core';
import type { DialogueManager } from './dialogue-manager';
import type { Item } from './item';
import { PERSONAS, type Persona, ScriptedUser, type UserSimulator } from './simulator';

/** The outcome of one simulated session. */
export interface SessionResult {
  readonly targetId: string;
  readonly success: boolean;
  /** User messages sent (the opening counts as 1); at success, the turns to success. */
  readonly turns: number;
  /** The target's rank among the ranked candidates after each retrieval (`undefined` = not retrieved). */
  readonly targetRanks: readonly (number | undefined)[];
  /** The target's rank after the session's last retrieval (`undefined` = absent). */
  readonly finalRank: number | undefined;
}

/**
 * Runs one conversation between a simulated user and the dialogue manager, until the user is done
 * (target recommended, or out of patience).
 */
export async function runSession(
  manager: DialogueManager,
  user: UserSimulator,
  userId: string,
): Promise<SessionResult> {
  const state = await manager.startSession(userId);
  const ranks: (number | undefined)[] = [];
  let text = await user.opening();
  let turns = 1;
  for (;;) {
    const reply = await manager.handleMessage(state.sessionId, text);
    if (reply.actions.some((a) => a.type === 'retrieve')) {
      const live = manager.getSession(state.sessionId);
      const i = live?.candidates.findIndex((c) => c.id === user.target.id) ?? -1;
      ranks.push(i >= 0 ? i + 1 : undefined);
    }
    const next = await user.respond(reply, turns);
    if (next.done) {
      await manager.endSession(state.sessionId);
      return {
        targetId: user.target.id,
        success: next.success,
        turns,
        targetRanks: ranks,
        finalRank: ranks.at(-1),
      };
    }
    text = next.text;
    turns++;
  }
}

/** Aggregate metrics over sessions. */
export interface SimulationMetrics {
  readonly sessions: number;
  /** Fraction of sessions whose target was recommended within the user's patience. */
  readonly successRate: number;
  /** Mean user messages to success, over successful sessions. */
  readonly meanTurnsToSuccess: number;
  /** Fraction of sessions whose target ranked in the top k of the candidates after the last retrieval. */
  readonly recallAt: Readonly<Record<number, number>>;
  /** Mean final rank of the target, counting an absent target as `pool + 1`. */
  readonly meanRank: number;
  /** Mean reciprocal final rank (absent = 0). */
  readonly mrr: number;
}

/**
 * Aggregates session results.
 * @param pool the candidate pool size (an absent target counts as rank `pool + 1` in the mean rank).
 */
export function simulationMetrics(
  results: readonly SessionResult[],
  pool: number,
  ks: readonly number[] = [1, 5, 10],
): SimulationMetrics {
  if (results.length === 0) throw new ConfigError('no session results to aggregate', { key: 'results' });
  const wins = results.filter((r) => r.success);
  const recallAt: Record<number, number> = {};
  for (const k of ks)
    recallAt[k] =
      results.filter((r) => r.finalRank !== undefined && r.finalRank <= k).length / results.length;
  return {
    sessions: results.length,
    successRate: wins.length / results.length,
    meanTurnsToSuccess: wins.length ? wins.reduce((s, r) => s + r.turns, 0) / wins.length : Number.NaN,
    recallAt,
    meanRank: results.reduce((s, r) => s + (r.finalRank ?? pool + 1), 0) / results.length,
    mrr: results.reduce((s, r) => s + (r.finalRank ? 1 / r.finalRank : 0), 0) / results.length,
  };
}

/** Options of {@link simulate}. */
export interface SimulateOptions {
  /** The corpus the targets are drawn from. */
  items: readonly Item[];
  sessions: number;
  seed?: number;
  patience?: number;
  verbosity?: number;
  forgetRate?: number;
  dislikeRate?: number;
  /** Personas cycled through (default all). */
  personas?: readonly Persona[];
  /** Sessions run at once (default 1). */
  concurrency?: number;
}

/**
 * Runs `sessions` scripted-user sessions against `manager` with targets drawn uniformly from `items`
 * (seeded), cycling personas, and returns each result. Users are distinct (`sim-user-i`), so profiles
 * do not carry over between sessions.
 */
export async function simulate(manager: DialogueManager, options: SimulateOptions): Promise<SessionResult[]> {
  const rng = new Rng(options.seed ?? 0);
  const personas = options.personas ?? PERSONAS;
  const users = Array.from({ length: options.sessions }, (_, i) => {
    return new ScriptedUser({
      target: options.items[rng.int(options.items.length)],
      persona: personas[i % personas.length],
      patience: options.patience,
      verbosity: options.verbosity,
      forgetRate: options.forgetRate,
      dislikeRate: options.dislikeRate,
      seed: rng.nextU32(),
    });
  });
  const results: SessionResult[] = new Array(users.length);
  let next = 0;
  const worker = async () => {
    while (next < users.length) {
      const i = next++;
      results[i] = await runSession(manager, users[i], `sim-user-${i}`);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? 1) }, worker));
  return results;
}

import { randomUUID } from 'node:crypto';
import { ConfigError } from '@vfmkit/core';
import { type Action, actionSchema, type Preference } from './actions';
import type { Candidate, DialogueState, Recommendation, Turn } from './dialogue-state';
import { SessionError } from './errors';
import { checkExplanation, type FactVocabulary, factVocabulary } from './explanation-check';
import type { Item } from './item';
import type { Logger } from './llm-client';
import { silentLogger } from './llm-client';
import { type CorpusVocabulary, corpusVocabulary } from './parse';
import type { Policy, PolicyContext } from './policy';
import { emptyProfile, type UserProfile, updateProfileByRules } from './profile';
import { type ProfileUpdater, RuleProfileUpdater } from './profile-updater';
import { type Ranker, RuleRanker } from './ranker';
import type { RetrievalMode, Retriever } from './retrieval';
import { RulePolicy } from './rule-policy';
import { MemorySessionStore, type SessionStore } from './session-store';

/** Options of {@link DialogueManager}. */
export interface DialogueManagerOptions {
  store: Retriever;
  /** Default: the {@link RulePolicy}. */
  policy?: Policy;
  /** Default: the {@link RuleRanker}. */
  ranker?: Ranker;
  /** Default: in memory. Pass a `SqliteSessionStore` to survive restarts. */
  sessions?: SessionStore;
  /** Default: the rule updater. */
  profileUpdater?: ProfileUpdater;
  /** Items recommended per turn (default 5). */
  k?: number;
  /** Retrieval mode (default `hybrid`). */
  mode?: RetrievalMode;
  /** Candidates retrieved and ranked per retrieval (default 30). */
  pool?: number;
  /** Policy steps per user turn before the manager ends the turn itself (default 4). */
  maxSteps?: number;
  /** Longest accepted user message in characters (default 2,000; longer ones are cut). */
  maxMessageChars?: number;
  /**
   * Sessions kept in memory (default 1,000); idle ones beyond it are dropped least-recently-used first
   * and reloaded from the session store on their next message.
   */
  maxLiveSessions?: number;
  logger?: Logger;
}

/** The reply to one user message. */
export interface Reply {
  readonly sessionId: string;
  readonly text: string;
  /** The action that ended the turn. */
  readonly action: Action;
  /** Every action of the turn, in order. */
  readonly actions: readonly Action[];
  readonly recommendations: readonly (Recommendation & { readonly item: Item })[];
}

/**
 * The dialogue manager. Each user message runs a short loop: the policy returns one validated action;
 * `retrieve` searches the corpus and ranks the hits (the ranker explains each), `record_preference`
 * updates the session, and `ask`, `recommend` or `answer` end the turn with a reply. An invalid or
 * failing action from any policy is replaced by the rule policy's (logged as `action_fallback`);
 * explanations that name facts absent from their item are replaced by the ranker's (logged), so a
 * session never crashes on model output. Messages of one session are handled one at a time, in order;
 * the state is saved after every turn.
 */
export class DialogueManager {
  private readonly policy: Policy;
  private readonly rulePolicy = new RulePolicy();
  private readonly ranker: Ranker;
  private readonly ruleRanker = new RuleRanker();
  private readonly sessions: SessionStore;
  private readonly updater: ProfileUpdater;
  private readonly logger: Logger;
  private readonly k: number;
  private readonly pool: number;
  private readonly maxSteps: number;
  private readonly maxChars: number;
  private readonly mode: RetrievalMode;
  private readonly maxLive: number;
  private readonly live = new Map<string, DialogueState>();
  private readonly queues = new Map<string, Promise<unknown>>();
  private vocab?: { size: number; corpus: CorpusVocabulary; facts: FactVocabulary };

  constructor(private readonly options: DialogueManagerOptions) {
    this.policy = options.policy ?? this.rulePolicy;
    this.ranker = options.ranker ?? this.ruleRanker;
    this.sessions = options.sessions ?? new MemorySessionStore();
    this.updater = options.profileUpdater ?? new RuleProfileUpdater();
    this.logger = options.logger ?? silentLogger;
    this.k = options.k ?? 5;
    this.pool = options.pool ?? 30;
    this.maxSteps = options.maxSteps ?? 4;
    this.maxChars = options.maxMessageChars ?? 2000;
    this.mode = options.mode ?? 'hybrid';
    this.maxLive = options.maxLiveSessions ?? 1000;
    if (!Number.isInteger(this.k) || this.k < 1 || this.k > 10)
      throw new ConfigError(`k must be an integer in [1, 10], got ${this.k}`, { key: 'k', value: this.k });
    if (!Number.isInteger(this.pool) || this.pool < this.k || this.pool > 1000)
      throw new ConfigError(`pool must be an integer in [k, 1000], got ${this.pool}`, {
        key: 'pool',
        value: this.pool,
      });
  }

  /** Starts a session for `userId`, reading the user's profile. */
  async startSession(userId: string, sessionId: string = randomUUID()): Promise<DialogueState> {
    if (!userId || userId.length > 128) throw new SessionError('userId must be 1-128 characters', { userId });
    if (this.live.has(sessionId) || this.sessions.loadSession(sessionId))
      throw new SessionError(`session '${sessionId}' already exists`, { sessionId });
    const state: DialogueState = {
      sessionId,
      userId,
      turns: [],
      profile: this.sessions.getProfile(userId) ?? emptyProfile(userId),
      candidates: [],
      shown: [],
      preferences: [],
      ended: false,
    };
    this.live.set(sessionId, state);
    this.sessions.saveSession(state);
    return state;
  }

  /** Sessions held in memory now (at most `maxLiveSessions` once idle). */
  get liveSessionCount(): number {
    return this.live.size;
  }

  /** A session's state (loaded from the session store after a restart); `undefined` if unknown. */
  getSession(sessionId: string): DialogueState | undefined {
    let s = this.live.get(sessionId);
    if (s) {
      this.live.delete(sessionId); // most recently used last
      this.live.set(sessionId, s);
    } else {
      const stored = this.sessions.loadSession(sessionId);
      if (stored) {
        // stores keep candidate ids: re-attach the items from the corpus (a deleted item's candidate goes)
        const candidates = stored.candidates.flatMap((c) => {
          const item = this.options.store.get(c.id) ?? c.item;
          return item ? [{ ...c, item }] : [];
        });
        s = { ...stored, candidates };
        s.profile = this.sessions.getProfile(s.userId) ?? s.profile;
        this.live.set(sessionId, s);
      }
    }
    return s;
  }

  /**
   * Handles one user message and returns the reply. Never throws on policy, ranker or model failures
   * (they fall back to rules); throws SessionError for an unknown or ended session.
   * @param options.onAction called with each action as soon as it is chosen (e.g. to stream progress
   *   over SSE: "searching for ...", then the reply); an exception it throws is logged and ignored.
   */
  handleMessage(
    sessionId: string,
    message: string,
    options: { onAction?: (action: Action) => void } = {},
  ): Promise<Reply> {
    return this.serial(sessionId, () => this.turn(sessionId, message, options.onAction));
  }

  /**
   * Records a like or dislike of an item and folds it into the profile at once (the item's id; its
   * channel for a like too). Returns the updated profile.
   */
  feedback(sessionId: string, itemId: string, kind: 'like' | 'dislike'): Promise<UserProfile> {
    return this.serial(sessionId, async () => {
      const state = this.require(sessionId);
      const item = this.options.store.get(itemId);
      if (!item) throw new SessionError(`unknown item '${itemId}'`, { sessionId, itemId });
      const prefs: Preference[] = [{ kind, target: 'item', value: item.id }];
      if (kind === 'like') prefs.push({ kind, target: 'channel', value: item.channel });
      state.preferences.push(...prefs);
      const updated = updateProfileByRules(state.profile, prefs);
      state.profile = { ...updated, sessions: state.profile.sessions };
      this.sessions.saveProfile(state.profile);
      this.sessions.saveSession(state);
      return state.profile;
    });
  }

  /** Ends a session: updates the profile from it (LLM or rules) and saves both. */
  endSession(sessionId: string): Promise<UserProfile> {
    return this.serial(sessionId, async () => {
      const state = this.require(sessionId);
      let profile: UserProfile;
      try {
        profile = await this.updater.update(state.profile, state);
      } catch (e) {
        this.logger({ event: 'profile_fallback', reason: (e as Error).message });
        profile = updateProfileByRules(state.profile, state.preferences);
      }
      state.profile = profile;
      state.ended = true;
      this.sessions.saveProfile(profile);
      this.sessions.saveSession(state);
      this.live.delete(sessionId);
      return profile;
    });
  }

  private async turn(
    sessionId: string,
    message: string,
    onAction?: (action: Action) => void,
  ): Promise<Reply> {
    const state = this.require(sessionId);
    const text = message.slice(0, this.maxChars);
    state.turns.push({ role: 'user', text, at: new Date().toISOString() });
    const actions: Action[] = [];
    let final: Action | undefined;
    for (let step = 0; step < this.maxSteps && !final; step++) {
      const ctx = this.context(state, actions);
      let action = await this.safeDecide(this.policy, ctx);
      const problem = this.invalid(action, ctx);
      if (problem) {
        this.logger({ event: 'action_fallback', policy: this.policy.name, reason: problem, sessionId });
        action = this.rulePolicy.decideSync(ctx);
      }
      actions.push(action);
      this.emit(onAction, action, sessionId);
      if (action.type === 'retrieve') await this.retrieve(state, action);
      else if (action.type === 'record_preference') state.preferences.push(...action.preferences);
      else final = action;
    }
    if (!final) {
      // The policy kept retrieving or recording: the rule policy ends the turn.
      final = this.rulePolicy.decideSync(this.context(state, [...actions, { type: 'retrieve', query: '-' }]));
      actions.push(final);
      this.emit(onAction, final, sessionId);
    }
    const reply = this.render(state, final, actions);
    const turn: Turn = {
      role: 'assistant',
      text: reply.text,
      at: new Date().toISOString(),
      action: final,
      recommendations: reply.recommendations.map((r) => ({ id: r.id, explanation: r.explanation })),
    };
    state.turns.push(turn);
    for (const r of reply.recommendations) if (!state.shown.includes(r.id)) state.shown.push(r.id);
    this.sessions.saveSession(state);
    return reply;
  }

  private emit(onAction: ((action: Action) => void) | undefined, action: Action, sessionId: string): void {
    try {
      onAction?.(action);
    } catch (e) {
      this.logger({ event: 'on_action_failed', reason: (e as Error).message, sessionId });
    }
  }

  private async safeDecide(policy: Policy, ctx: PolicyContext): Promise<Action> {
    try {
      return await policy.decide(ctx);
    } catch (e) {
      this.logger({ event: 'action_fallback', policy: policy.name, reason: (e as Error).message });
      return this.rulePolicy.decideSync(ctx);
    }
  }

  /**
   * Why an action cannot run here, or undefined. The session checks apply to every policy; the schema
   * check to every policy but the manager's own rule policy, whose actions are built from validated
   * data and are what a failed check falls back to anyway (with 1,000 shown ids to exclude, parsing
   * them cost more than the rest of the turn).
   */
  private invalid(action: Action, ctx: PolicyContext): string | undefined {
    if (this.policy !== this.rulePolicy) {
      const parsed = actionSchema.safeParse(action);
      if (!parsed.success) return `invalid action: ${parsed.error.issues[0].message}`;
    }
    if (action.type === 'recommend') {
      const ids = new Set(ctx.state.candidates.map((c) => c.id));
      const bad = action.items.find((i) => !ids.has(i.id));
      if (bad) return `recommended '${bad.id}' is not a candidate`;
    }
    if (action.type === 'answer' && !ctx.lookup(action.itemId)) return `unknown item '${action.itemId}'`;
    if (action.type === 'retrieve' && ctx.turnActions.some((a) => a.type === 'retrieve'))
      return 'a second retrieve in one turn';
    return undefined;
  }

  private async retrieve(state: DialogueState, action: Extract<Action, { type: 'retrieve' }>): Promise<void> {
    state.lastRetrieval = { query: action.query, filters: action.filters };
    let hits: Awaited<ReturnType<Retriever['search']>> = [];
    try {
      hits = await this.options.store.search({
        query: action.query,
        filters: action.filters,
        mode: this.mode,
        k: this.pool,
      });
    } catch (e) {
      this.logger({ event: 'retrieval_failed', reason: (e as Error).message, sessionId: state.sessionId });
    }
    let ranked: Candidate[];
    try {
      ranked = await this.ranker.rank({ query: action.query, hits, state });
    } catch (e) {
      this.logger({ event: 'ranker_fallback', ranker: this.ranker.name, reason: (e as Error).message });
      ranked = this.ruleRanker.rankSync({ query: action.query, hits, state });
    }
    state.candidates = ranked;
  }

  private render(state: DialogueState, action: Action, actions: Action[]): Reply {
    const base = { sessionId: state.sessionId, action, actions };
    if (action.type === 'ask') return { ...base, text: action.question, recommendations: [] };
    if (action.type === 'answer') return { ...base, text: action.answer, recommendations: [] };
    if (action.type === 'recommend') {
      const facts = this.vocabulary().facts;
      const byId = new Map(state.candidates.map((c) => [c.id, c]));
      const recs = action.items.flatMap((r) => {
        const c = byId.get(r.id);
        if (!c) return [];
        const verdict = checkExplanation(r.explanation, c.item, facts);
        if (!verdict.grounded)
          this.logger({
            event: 'explanation_flagged',
            id: r.id,
            unsupported: verdict.unsupported,
            sessionId: state.sessionId,
          });
        return [{ id: r.id, item: c.item, explanation: verdict.grounded ? r.explanation : c.explanation }];
      });
      const lines = recs.map((r, i) => `${i + 1}. ${r.item.title} (${r.item.channel}): ${r.explanation}`);
      return {
        ...base,
        text: [action.message ?? 'Here are some videos:', ...lines].join('\n'),
        recommendations: recs,
      };
    }
    return { ...base, text: '', recommendations: [] };
  }

  private context(state: DialogueState, turnActions: readonly Action[]): PolicyContext {
    return {
      state,
      turnActions,
      vocabulary: this.vocabulary().corpus,
      k: this.k,
      lookup: (id) => this.options.store.get(id),
    };
  }

  /** Corpus and fact vocabularies, rebuilt when the corpus size changes. */
  private vocabulary(): { corpus: CorpusVocabulary; facts: FactVocabulary } {
    const size = this.options.store.size;
    if (!this.vocab || this.vocab.size !== size) {
      const items = this.options.store.all();
      this.vocab = { size, corpus: corpusVocabulary(items), facts: factVocabulary(items) };
    }
    return this.vocab;
  }

  /** Drops the least recently used idle sessions beyond `maxLiveSessions` (they stay in the store). */
  private evict(): void {
    if (this.live.size <= this.maxLive) return;
    for (const id of this.live.keys()) {
      if (this.live.size <= this.maxLive) break;
      if (!this.queues.has(id)) this.live.delete(id);
    }
  }

  private require(sessionId: string): DialogueState {
    const s = this.getSession(sessionId);
    if (!s) throw new SessionError(`unknown session '${sessionId}'`, { sessionId });
    if (s.ended) throw new SessionError(`session '${sessionId}' has ended`, { sessionId });
    return s;
  }

  private serial<T>(sessionId: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.queues.get(sessionId) ?? Promise.resolve();
    const run = prev.then(fn, fn);
    const tail = run.catch(() => undefined);
    this.queues.set(sessionId, tail);
    tail.then(() => {
      if (this.queues.get(sessionId) === tail) this.queues.delete(sessionId);
      this.evict();
    });
    return run;
  }
}

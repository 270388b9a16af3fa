import Database from 'better-sqlite3';
import type { Candidate, DialogueState, Turn } from './dialogue-state';
import { SessionError } from './errors';
import type { Item } from './item';
import { type UserProfile, userProfileSchema } from './profile';

/** A summary row of a stored session. */
export interface SessionInfo {
  readonly id: string;
  readonly userId: string;
  readonly turns: number;
  readonly ended: boolean;
  readonly updatedAt: string;
}

/**
 * A session as a store gives it back. Stores keep the ranked candidates without their items (ids,
 * ranks, scores, explanations: the items are in the corpus, and a state written every turn stays small);
 * the dialogue manager re-attaches each item from the corpus when it loads a session. `item` is present
 * only in sessions saved by older versions, which stored it.
 */
export type StoredDialogueState = Omit<DialogueState, 'candidates'> & {
  candidates: (Omit<Candidate, 'item'> & { item?: Item })[];
};

/** The stored form of a state without its turns: candidates without their items. */
function storedRest(state: DialogueState): Omit<StoredDialogueState, 'turns'> {
  const { turns: _turns, candidates, ...rest } = state;
  return {
    ...rest,
    candidates: candidates.map((c) => ({
      id: c.id,
      retrievalRank: c.retrievalRank,
      score: c.score,
      explanation: c.explanation,
    })),
  };
}

/** Where sessions and profiles live. {@link SqliteSessionStore} persists; {@link MemorySessionStore} does not. */
export interface SessionStore {
  saveSession(state: DialogueState): void;
  loadSession(id: string): StoredDialogueState | undefined;
  listSessions(filter?: { userId?: string; includeEnded?: boolean }): SessionInfo[];
  getProfile(userId: string): UserProfile | undefined;
  saveProfile(profile: UserProfile): void;
  close(): void;
}

/** Sessions and profiles in memory (tests, the simulator, throwaway chats). */
export class MemorySessionStore implements SessionStore {
  private readonly sessions = new Map<string, string>();
  private readonly profiles = new Map<string, UserProfile>();
  saveSession(state: DialogueState): void {
    this.sessions.set(state.sessionId, JSON.stringify({ ...storedRest(state), turns: state.turns }));
  }
  loadSession(id: string): StoredDialogueState | undefined {
    const s = this.sessions.get(id);
    return s ? (JSON.parse(s) as StoredDialogueState) : undefined;
  }
  listSessions(filter: { userId?: string; includeEnded?: boolean } = {}): SessionInfo[] {
    return [...this.sessions.values()]
      .map((s) => JSON.parse(s) as StoredDialogueState)
      .filter(
        (s) =>
          (filter.userId === undefined || s.userId === filter.userId) && (filter.includeEnded || !s.ended),
      )
      .map((s) => ({
        id: s.sessionId,
        userId: s.userId,
        turns: s.turns.length,
        ended: s.ended,
        updatedAt: s.turns.at(-1)?.at ?? '',
      }));
  }
  getProfile(userId: string): UserProfile | undefined {
    return this.profiles.get(userId);
  }
  saveProfile(profile: UserProfile): void {
    this.profiles.set(profile.userId, userProfileSchema.parse(profile));
  }
  close(): void {}
}

/**
 * Sessions and profiles in SQLite (better-sqlite3, WAL journal): a `messages` table holds each turn
 * once (append-only, keyed by session and sequence number), `sessions` the rest of the dialogue state,
 * `profiles` one validated JSON profile per user. Every save is one transaction, so a crash leaves
 * either the old or the new state; reopening the file resumes every session.
 */
export class SqliteSessionStore implements SessionStore {
  private readonly db: Database.Database;
  private readonly stmts: ReturnType<SqliteSessionStore['prepare']>;

  /** @param path a file path, or `:memory:`. */
  constructor(readonly path: string) {
    try {
      this.db = new Database(path);
    } catch (cause) {
      throw new SessionError(`cannot open SQLite database '${path}'`, { path }, { cause });
    }
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS sessions (
        id TEXT PRIMARY KEY, user_id TEXT NOT NULL, state_json TEXT NOT NULL,
        ended INTEGER NOT NULL DEFAULT 0, updated_at TEXT NOT NULL);
      CREATE INDEX IF NOT EXISTS sessions_user ON sessions(user_id);
      CREATE TABLE IF NOT EXISTS messages (
        session_id TEXT NOT NULL, seq INTEGER NOT NULL, role TEXT NOT NULL, text TEXT NOT NULL,
        turn_json TEXT NOT NULL, at TEXT NOT NULL, PRIMARY KEY (session_id, seq));
      CREATE TABLE IF NOT EXISTS profiles (
        user_id TEXT PRIMARY KEY, profile_json TEXT NOT NULL, updated_at TEXT NOT NULL);`);
    this.stmts = this.prepare();
  }

  private prepare() {
    return {
      upsertSession: this.db.prepare(
        `INSERT INTO sessions (id, user_id, state_json, ended, updated_at) VALUES (@id, @userId, @state, @ended, @at)
         ON CONFLICT(id) DO UPDATE SET state_json = excluded.state_json, ended = excluded.ended, updated_at = excluded.updated_at`,
      ),
      // messages are numbered 0..n-1 without gaps: the count is the highest seq + 1, read from the primary
      // key index in O(log n) (COUNT(*) walks all the session's rows, which grew with every turn)
      countMessages: this.db.prepare(
        'SELECT COALESCE(MAX(seq) + 1, 0) AS n FROM messages WHERE session_id = ?',
      ),
      insertMessage: this.db.prepare(
        'INSERT INTO messages (session_id, seq, role, text, turn_json, at) VALUES (?, ?, ?, ?, ?, ?)',
      ),
      getSession: this.db.prepare('SELECT state_json, user_id FROM sessions WHERE id = ?'),
      getMessages: this.db.prepare('SELECT turn_json FROM messages WHERE session_id = ? ORDER BY seq'),
      list: this.db.prepare(
        `SELECT s.id, s.user_id, s.ended, s.updated_at, (SELECT COUNT(*) FROM messages m WHERE m.session_id = s.id) AS turns
         FROM sessions s ORDER BY s.updated_at DESC`,
      ),
      getProfile: this.db.prepare('SELECT profile_json FROM profiles WHERE user_id = ?'),
      upsertProfile: this.db.prepare(
        `INSERT INTO profiles (user_id, profile_json, updated_at) VALUES (?, ?, ?)
         ON CONFLICT(user_id) DO UPDATE SET profile_json = excluded.profile_json, updated_at = excluded.updated_at`,
      ),
    };
  }

  /**
   * Saves a session: appends the turns not yet stored and replaces the rest of the state, in one
   * transaction.
   * @throws SessionError when the stored conversation is longer than the state's (a diverged copy).
   */
  saveSession(state: DialogueState): void {
    const tx = this.db.transaction((s: DialogueState) => {
      const stored = (this.stmts.countMessages.get(s.sessionId) as { n: number }).n;
      if (stored > s.turns.length)
        throw new SessionError(
          `session '${s.sessionId}' has ${stored} stored turns but the state has ${s.turns.length}`,
          {
            sessionId: s.sessionId,
            stored,
            state: s.turns.length,
          },
        );
      for (let i = stored; i < s.turns.length; i++) {
        const t = s.turns[i];
        this.stmts.insertMessage.run(s.sessionId, i, t.role, t.text, JSON.stringify(t), t.at);
      }
      this.stmts.upsertSession.run({
        id: s.sessionId,
        userId: s.userId,
        state: JSON.stringify(storedRest(s)),
        ended: s.ended ? 1 : 0,
        at: new Date().toISOString(),
      });
    });
    tx(state);
  }

  loadSession(id: string): StoredDialogueState | undefined {
    const row = this.stmts.getSession.get(id) as { state_json: string } | undefined;
    if (!row) return undefined;
    const turns = (this.stmts.getMessages.all(id) as { turn_json: string }[]).map(
      (r) => JSON.parse(r.turn_json) as Turn,
    );
    return { ...(JSON.parse(row.state_json) as Omit<StoredDialogueState, 'turns'>), turns };
  }

  listSessions(filter: { userId?: string; includeEnded?: boolean } = {}): SessionInfo[] {
    return (
      this.stmts.list.all() as {
        id: string;
        user_id: string;
        ended: number;
        updated_at: string;
        turns: number;
      }[]
    )
      .filter(
        (r) =>
          (filter.userId === undefined || r.user_id === filter.userId) && (filter.includeEnded || !r.ended),
      )
      .map((r) => ({
        id: r.id,
        userId: r.user_id,
        turns: r.turns,
        ended: r.ended === 1,
        updatedAt: r.updated_at,
      }));
  }

  getProfile(userId: string): UserProfile | undefined {
    const row = this.stmts.getProfile.get(userId) as { profile_json: string } | undefined;
    return row ? userProfileSchema.parse(JSON.parse(row.profile_json)) : undefined;
  }

  saveProfile(profile: UserProfile): void {
    const p = userProfileSchema.parse(profile);
    this.stmts.upsertProfile.run(p.userId, JSON.stringify(p), p.updatedAt);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

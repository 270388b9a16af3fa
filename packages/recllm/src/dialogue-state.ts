import type { Action, Preference } from './actions';
import type { Item } from './item';
import type { UserProfile } from './profile';

/** One recommended item as shown to the user. */
export interface Recommendation {
  readonly id: string;
  readonly explanation: string;
}

/** One message of a conversation. Assistant turns carry the action that produced them. */
export interface Turn {
  readonly role: 'user' | 'assistant';
  readonly text: string;
  readonly at: string;
  readonly action?: Action;
  readonly recommendations?: readonly Recommendation[];
}

/** A ranked candidate: the retrieval rank, the ranker's score and explanation. */
export interface Candidate {
  readonly id: string;
  readonly item: Item;
  readonly retrievalRank: number;
  readonly score: number;
  readonly explanation: string;
}

/** Everything a session knows; persisted after every turn. */
export interface DialogueState {
  readonly sessionId: string;
  readonly userId: string;
  turns: Turn[];
  profile: UserProfile;
  /** Ranked candidates of the latest retrieval, best first. */
  candidates: Candidate[];
  /** The latest retrieval request. */
  lastRetrieval?: { query: string; filters?: Record<string, unknown> };
  /** Ids recommended so far in this session. */
  shown: string[];
  /** Preferences recorded in this session (folded into the profile at session end). */
  preferences: Preference[];
  ended: boolean;
}

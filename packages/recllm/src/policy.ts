import type { Action } from './actions';
import type { DialogueState } from './dialogue-state';
import type { Item } from './item';
import type { CorpusVocabulary } from './parse';

/** What a policy reads to choose its next action. */
export interface PolicyContext {
  readonly state: DialogueState;
  /** Actions already taken in this turn (a turn ends with ask, recommend or answer). */
  readonly turnActions: readonly Action[];
  readonly vocabulary: CorpusVocabulary;
  /** Items to recommend per turn. */
  readonly k: number;
  /** Looks an item up by id (for answers about items not among the candidates). */
  readonly lookup: (id: string) => Item | undefined;
}

/** Chooses the next dialogue action. Implementations: {@link RulePolicy}, `LlmPolicy`. */
export interface Policy {
  readonly name: string;
  decide(context: PolicyContext): Promise<Action>;
}

/** Actions that end a turn (the reply to the user); `retrieve` and `record_preference` do not. */
export const TERMINAL_ACTIONS: ReadonlySet<Action['type']> = new Set(['ask', 'recommend', 'answer']);

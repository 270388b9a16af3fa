import { z } from 'zod';
import type { Preference } from './actions';

/** Limits on a profile (it is read into every prompt). */
export const PROFILE_LIMITS = { summary: 800, entries: 40, entry: 80 } as const;

/**
 * A natural-language user profile: a short text plus structured likes and dislikes (each a short
 * phrase: a tag like `red`, a channel like `channel:Pixel Lab`, or free text).
 */
export const userProfileSchema = z
  .object({
    userId: z.string().min(1).max(128),
    summary: z.string().max(PROFILE_LIMITS.summary),
    likes: z.array(z.string().min(1).max(PROFILE_LIMITS.entry)).max(PROFILE_LIMITS.entries),
    dislikes: z.array(z.string().min(1).max(PROFILE_LIMITS.entry)).max(PROFILE_LIMITS.entries),
    /** Sessions folded into this profile. */
    sessions: z.number().int().nonnegative(),
    updatedAt: z.string(),
  })
  .strict();

/** A user profile; see {@link userProfileSchema}. */
export type UserProfile = z.output<typeof userProfileSchema>;

/** A new, empty profile. */
export function emptyProfile(userId: string, now = new Date()): UserProfile {
  return { userId, summary: '', likes: [], dislikes: [], sessions: 0, updatedAt: now.toISOString() };
}

/** The profile phrase of a preference: tags and text as they are, `channel:Name`, `item:id`. */
export function preferencePhrase(p: Preference): string {
  const v = p.value.trim().slice(0, PROFILE_LIMITS.entry);
  return p.target === 'channel' ? `channel:${v}` : p.target === 'item' ? `item:${v}` : v.toLowerCase();
}

/**
 * The rule update at session end: each preference moves its phrase to the front of likes or dislikes
 * (and out of the other list: the latest statement wins), lists are capped at the most recent
 * {@link PROFILE_LIMITS.entries}, and the summary is rewritten from the lists.
 */
export function updateProfileByRules(
  profile: UserProfile,
  preferences: readonly Preference[],
  now = new Date(),
): UserProfile {
  let likes = [...profile.likes];
  let dislikes = [...profile.dislikes];
  for (const p of preferences) {
    const phrase = preferencePhrase(p);
    likes = likes.filter((x) => x !== phrase);
    dislikes = dislikes.filter((x) => x !== phrase);
    (p.kind === 'like' ? likes : dislikes).unshift(phrase);
  }
  likes = likes.slice(0, PROFILE_LIMITS.entries);
  dislikes = dislikes.slice(0, PROFILE_LIMITS.entries);
  return {
    ...profile,
    likes,
    dislikes,
    summary: summarize(likes, dislikes),
    sessions: profile.sessions + 1,
    updatedAt: now.toISOString(),
  };
}

function summarize(likes: readonly string[], dislikes: readonly string[]): string {
  const part = (xs: readonly string[]) =>
    xs
      .slice(0, 8)
      .map((x) =>
        x.startsWith('channel:')
          ? `the channel ${x.slice(8)}`
          : x.startsWith('item:')
            ? `video ${x.slice(5)}`
            : x,
      )
      .join(', ');
  const s: string[] = [];
  if (likes.length) s.push(`Likes ${part(likes)}.`);
  if (dislikes.length) s.push(`Dislikes ${part(dislikes)}.`);
  return s.join(' ').slice(0, PROFILE_LIMITS.summary);
}

import { ConfigError } from './errors';

/** One problem a schema found: where (`path`, object keys and array indices) and what. */
export interface SchemaIssue {
  readonly path: readonly PropertyKey[];
  readonly message: string;
  /** zod's `unrecognized_keys` issues list the unknown keys of a strict object here. */
  readonly keys?: readonly string[];
}

/**
 * What a schema's `safeParse` returns. zod's schemas fit this shape; core takes no dependency on zod.
 */
export type SafeParseResult<T> =
  | { readonly success: true; readonly data: T }
  | { readonly success: false; readonly error: { readonly issues: readonly SchemaIssue[] } };

/** Anything with a zod-style `safeParse` (a zod schema). */
export interface SafeParser<T> {
  safeParse(input: unknown): SafeParseResult<T>;
}

/**
 * A schema issue path as a dotted key (`groups.0.tasks`), or `root` when the issue is at the top. An
 * unknown key of a strict object is part of the key (`optim.lrr`), so the message names it.
 */
export function issueKey(issue: SchemaIssue, root = '(root)'): string {
  const path = [...issue.path.map((p) => String(p)), ...(issue.keys?.slice(0, 1) ?? [])];
  return path.length === 0 ? root : path.join('.');
}

/**
 * The `ConfigError` for a failed schema parse: the message is `<what>: <key>: <message>` for the first
 * issue, `details.key` names that key, and `details.issues` lists every issue as `{ path, message }`.
 *
 * @param what what was being parsed, e.g. `'AdamW config'`
 * @param issues the schema's issues (zod: `result.error.issues`); at least one
 * @param options `root` names the key of an issue at the top level (default `(root)`); `cause` chains
 * the schema's own error
 */
export function configErrorFromIssues(
  what: string,
  issues: readonly SchemaIssue[],
  options: { root?: string; cause?: unknown } = {},
): ConfigError {
  const root = options.root ?? '(root)';
  const first = issues[0];
  const key = first ? issueKey(first, root) : root;
  const message = first ? first.message : 'invalid';
  return new ConfigError(
    `${what}: ${key}: ${message}`,
    { key, issues: issues.map((i) => ({ path: issueKey(i, root), message: i.message })) },
    options.cause === undefined ? undefined : { cause: options.cause },
  );
}

/**
 * Validates `input` with a schema (a zod schema or anything with `safeParse`) and returns the parsed
 * value, or throws a {@link ConfigError} naming the first bad key (see {@link configErrorFromIssues}).
 *
 * @example
 * const config = parseConfig(adamWSchema, { lr: -1 }, 'AdamW config');
 * // throws ConfigError "AdamW config: lr: Too small: expected number to be >0", details.key = 'lr'
 */
export function parseConfig<T>(
  schema: SafeParser<T>,
  input: unknown,
  what: string,
  options: { root?: string } = {},
): T {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw configErrorFromIssues(what, result.error.issues, { ...options, cause: result.error });
}

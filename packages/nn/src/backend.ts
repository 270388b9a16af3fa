import * as tf from '@tensorflow/tfjs';
import { BackendError } from './errors';

/**
 * The one place that loads TensorFlow.js. Importing the union package `@tensorflow/tfjs` (not
 * `@tensorflow/tfjs-core`) registers every gradient and chained op, whatever the entry point; every
 * module of this package gets `tf` from here.
 */
export { tf };

/** Backends in order of preference. */
export type BackendName = 'tensorflow-gpu' | 'tensorflow' | 'wasm' | 'cpu';

/** What {@link initBackend} chose, and why each better option was skipped. */
export interface BackendChoice {
  /** The tfjs backend name now active (`tensorflow` for both tfjs-node packages, `wasm`, `cpu`). */
  readonly backend: string;
  /** The option that was taken. */
  readonly option: BackendName;
  /** Each option tried before it, with the reason it was skipped. */
  readonly skipped: readonly { option: BackendName; reason: string }[];
}

export interface InitBackendOptions {
  /**
   * Force one backend (as `VFM_TF_BACKEND` does; this option wins over the variable). Accepts
   * `tensorflow-gpu`, `tensorflow` (alias `node`), `wasm`, `cpu`.
   */
  readonly backend?: BackendName | 'node';
  /** Where the one-line report goes; `null` keeps quiet. Default `console.error`. */
  readonly log?: ((line: string) => void) | null;
}

const ORDER: readonly BackendName[] = ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'];
let chosen: Promise<BackendChoice> | undefined;

/** Imports a module by a name the bundler and type checker must not resolve (optional peers). */
const importOptional = (name: string): Promise<unknown> => import(/* @vite-ignore */ name);

async function tryOption(option: BackendName): Promise<string> {
  switch (option) {
    case 'tensorflow-gpu':
      await importOptional('@tensorflow/tfjs-node-gpu');
      return 'tensorflow';
    case 'tensorflow':
      await importOptional('@tensorflow/tfjs-node');
      return 'tensorflow';
    case 'wasm':
      await import('@tensorflow/tfjs-backend-wasm');
      return 'wasm';
    case 'cpu':
      return 'cpu';
  }
}

function parseChoice(value: string, source: string): BackendName {
  const v = value.trim().toLowerCase();
  const name = v === 'node' ? 'tensorflow' : v;
  if ((ORDER as readonly string[]).includes(name)) return name as BackendName;
  throw new BackendError(`${source}="${value}" is not one of ${ORDER.join(', ')} (or node)`, {
    tried: [],
    value,
  });
}

async function choose(options: InitBackendOptions): Promise<BackendChoice> {
  const forcedRaw = options.backend ?? process.env.VFM_TF_BACKEND;
  const source = options.backend ? 'backend option' : 'VFM_TF_BACKEND';
  const forced = forcedRaw ? parseChoice(forcedRaw, source) : undefined;
  const candidates = forced ? [forced] : ORDER;
  const skipped: { option: BackendName; reason: string }[] = [];
  for (const option of candidates) {
    try {
      const backend = await tryOption(option);
      if (!(await tf.setBackend(backend))) throw new Error(`tf.setBackend('${backend}') returned false`);
      await tf.ready();
      const choice: BackendChoice = { backend: tf.getBackend(), option, skipped };
      const why = skipped.map((s) => `${s.option}: ${s.reason}`).join('; ');
      const line = forced
        ? `[@vfmkit/nn] tfjs backend: ${option} (forced by ${source})`
        : `[@vfmkit/nn] tfjs backend: ${option}${why ? ` (skipped ${why})` : ''}`;
      if (options.log !== null) (options.log ?? console.error)(line);
      return choice;
    } catch (cause) {
      const reason = firstLine(cause);
      skipped.push({ option, reason });
    }
  }
  throw new BackendError(
    `no TensorFlow.js backend could start: ${skipped.map((s) => `${s.option}: ${s.reason}`).join('; ')}`,
    { tried: skipped.map((s) => ({ backend: s.option, reason: s.reason })) },
  );
}

function firstLine(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  if (/Cannot find (module|package)|ERR_MODULE_NOT_FOUND|Could not resolve|Failed to load url/.test(msg))
    return 'not installed';
  return msg.split('\n')[0];
}

/**
 * Starts the best available backend once per thread: `@tensorflow/tfjs-node-gpu`, then
 * `@tensorflow/tfjs-node` (when installed; both are optional peers), then wasm, then cpu.
 * `VFM_TF_BACKEND` (or `options.backend`) forces one, and then failing to start it is an error
 * rather than a silent fallback. The choice and the reason each better option was skipped are logged
 * once. Later calls return the first choice, unless they name a different `backend`, which switches.
 * @throws BackendError when nothing could start, or the forced backend cannot.
 * @example const { backend } = await initBackend(); // 'wasm' on a machine without tfjs-node
 */
export async function initBackend(options: InitBackendOptions = {}): Promise<BackendChoice> {
  if (chosen && options.backend) {
    const want = parseChoice(options.backend, 'backend option');
    const have = await chosen.catch(() => undefined);
    if (have?.option === want) return have;
    chosen = undefined;
  }
  if (!chosen) {
    const attempt = choose(options);
    chosen = attempt;
    attempt.catch(() => {
      if (chosen === attempt) chosen = undefined;
    });
  }
  return chosen;
}

import { ConfigError, ShapeError } from '@vfmkit/core';

/** Default prompt templates for zero-shot classification (`{}` is replaced by the class name). */
export const DEFAULT_PROMPT_TEMPLATES = ['a video of {}', 'a clip showing {}', '{}'] as const;

/**
 * Captions for zero-shot classification: every template with every class name (underscores become
 * spaces), class-major: prompt `c * T + t` is template t for class c.
 * @returns the prompts and `classOf[i]`, the class of prompt i.
 * @throws ConfigError for no classes, no templates, an empty name or a template without `{}`.
 */
export function classPrompts(
  classNames: readonly string[],
  templates: readonly string[] = DEFAULT_PROMPT_TEMPLATES,
): { prompts: string[]; classOf: Int32Array } {
  if (classNames.length === 0)
    throw new ConfigError('zero-shot needs at least one class name', { key: 'classNames' });
  if (templates.length === 0)
    throw new ConfigError('zero-shot needs at least one template', { key: 'templates' });
  for (const t of templates)
    if (!t.includes('{}'))
      throw new ConfigError(`prompt template ${JSON.stringify(t)} has no {} for the class name`, {
        key: 'templates',
        value: t,
      });
  const prompts: string[] = [];
  const classOf = new Int32Array(classNames.length * templates.length);
  classNames.forEach((raw, c) => {
    const name = raw.replace(/_/g, ' ').trim();
    if (!name) throw new ConfigError(`class name ${c} is empty`, { key: 'classNames', index: c });
    templates.forEach((t, j) => {
      prompts.push(t.split('{}').join(name));
      classOf[c * templates.length + j] = c;
    });
  });
  return { prompts, classOf };
}

/**
 * One embedding per class: the mean of its prompts' embeddings, L2-normalised (CLIP's prompt
 * ensembling).
 * @param prompts `[P, D]` row-major prompt embeddings
 * @param classOf `[P]` the class of each prompt, in `[0, numClasses)`
 * @returns `[numClasses, D]`
 * @throws ShapeError for mismatched sizes; ConfigError for a class without prompts.
 */
export function classEmbeddings(
  prompts: { readonly data: Float32Array; readonly shape: readonly [number, number] },
  classOf: Int32Array,
  numClasses: number,
): Float32Array {
  const [p, d] = prompts.shape;
  if (classOf.length !== p || prompts.data.length !== p * d)
    throw new ShapeError(`classOf has ${classOf.length} entries for ${p} prompt embeddings`, {
      name: 'classOf',
      expected: [p],
      actual: [classOf.length],
    });
  const sums = new Float64Array(numClasses * d);
  const counts = new Int32Array(numClasses);
  for (let i = 0; i < p; i++) {
    const c = classOf[i];
    if (!(c >= 0 && c < numClasses))
      throw new ShapeError(`prompt ${i} has class ${c}, outside [0, ${numClasses})`, {
        name: 'classOf',
        expected: [p],
        actual: [classOf.length],
      });
    counts[c]++;
    for (let k = 0; k < d; k++) sums[c * d + k] += prompts.data[i * d + k];
  }
  const out = new Float32Array(numClasses * d);
  for (let c = 0; c < numClasses; c++) {
    if (counts[c] === 0) throw new ConfigError(`class ${c} has no prompts`, { key: 'classOf', value: c });
    let n = 0;
    for (let k = 0; k < d; k++) n += sums[c * d + k] ** 2;
    const inv = 1 / Math.sqrt(n + 1e-24);
    for (let k = 0; k < d; k++) out[c * d + k] = sums[c * d + k] * inv;
  }
  return out;
}

/**
 * Zero-shot predictions: each video's class is the class embedding with the largest dot product
 * (cosine, for L2-normalised inputs; ties go to the lower class index).
 * @param videos `[B, D]` row-major, L2-normalised (e.g. `VideoTextModel.embedVideo`)
 * @param classes `[C, D]` from {@link classEmbeddings}
 * @returns `scores` `[B, C]` and `predictions` `[B]`.
 */
export function zeroShotClassify(
  videos: { readonly data: Float32Array; readonly shape: readonly [number, number] },
  classes: Float32Array,
): { scores: Float32Array; predictions: Int32Array } {
  const [b, d] = videos.shape;
  if (classes.length % d !== 0 || classes.length === 0)
    throw new ShapeError(`class embeddings of ${classes.length} values do not split into rows of ${d}`, {
      name: 'classes',
      expected: ['C', d],
      actual: [classes.length],
    });
  const c = classes.length / d;
  const scores = new Float32Array(b * c);
  const predictions = new Int32Array(b);
  for (let i = 0; i < b; i++) {
    let best = -Infinity;
    for (let j = 0; j < c; j++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += videos.data[i * d + k] * classes[j * d + k];
      scores[i * c + j] = s;
      if (s > best) {
        best = s;
        predictions[i] = j;
      }
    }
  }
  return { scores, predictions };
}

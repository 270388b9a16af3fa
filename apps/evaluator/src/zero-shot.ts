/**
 * The zero-shot suite: video-text models (@vfmkit/videoprism-distill's `VideoTextModel`, e.g. a
 * `vfm-train videoprism-contrastive` run) scored with no training at all:
 * - retrieval: R@1/5/10 video-to-text and text-to-video over held-out clips and their captions;
 * - classification: each clip against prompts made from every class name, top-1 and top-5.
 *
 * Data: synth4d's `actions` preset (val split; captions are its template captions, classes the actor's
 * motion, named by the verb phrases the captions use), or a video manifest's test entries (`caption`
 * for retrieval, `label` for classification).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeMachine } from '@vfmkit/core';
import { crossModalRetrieval, topKAccuracy } from '@vfmkit/metrics';
import { MOTION_CLASSES, MOTION_VERBS, renderSample, splitSeed, taskConfig } from '@vfmkit/synth4d';
import { DecodePool, labelVocabulary, readManifest } from '@vfmkit/video';
import { classEmbeddings, classPrompts, zeroShotClassify } from '@vfmkit/videoprism-distill';
import { findVideoTextFolder, VIDEO_TEXT_FILES, VideoTextModel } from '@vfmkit/videoprism-distill/onnx';
import { decodeEntry } from './data/manifest-clips';
import { splitEntries } from './data/manifest-source';
import { stackClips } from './data/task-source';
import { EvaluatorError } from './errors';

/** Prompt templates for synth4d motions: the class name is a verb phrase ("bounces"). */
export const MOTION_TEMPLATES = ['An object {}.', 'A shape {}.', 'Something {}.'] as const;
/** Prompt templates for manifest labels (nouns or gerunds). */
export const LABEL_TEMPLATES = ['a video of {}', 'a clip showing {}', '{}'] as const;

export interface ZeroShotOptions {
  /** Video-text models: a `videoprism-contrastive` run folder or a `VideoTextModel` folder. */
  models: readonly { name: string; path: string }[];
  /** Output folder for `zero-shot.md` and `zero-shot.json`. */
  out: string;
  /** A video manifest instead of synth4d. */
  manifest?: string;
  /** synth4d val clips (default 64). */
  clips?: number;
  /** synth4d objects per scene (default: the `actions` preset's). */
  objects?: number;
  seed?: number;
  device?: 'auto' | 'cpu' | 'cuda';
  threads?: number;
  log?: (line: string) => void;
}

/** One model on one zero-shot task. */
export interface ZeroShotRow {
  model: string;
  task: 'retrieval' | 'classification';
  /** `synth4d/actions` or the manifest's path. */
  data: string;
  clips: number;
  /** Retrieval: `videoToText.r1`, ...; classification: `top1`, `top5` (and `classes`). */
  metrics: Record<string, number>;
  /** The same metrics for a random ranking. */
  chance: Record<string, number>;
  seconds: number;
}

export interface ZeroShotReport {
  createdAt: string;
  machine: string;
  models: { name: string; path: string; clip: readonly number[]; embedDim: number; provider: string }[];
  rows: ZeroShotRow[];
  files: { markdown: string; json: string };
}

/** A clip with what zero-shot scores it on; its pixels `[T, H, W, 3]` are made (decoded) when embedded. */
interface LabeledClip {
  pixels(): Float32Array | Promise<Float32Array>;
  caption?: string;
  label?: number;
}

/** The model folder of `path` (itself, or its `videoprism/` subfolder). @throws EvaluatorError when neither is one. */
export function videoTextFolder(path: string): string {
  const folder = findVideoTextFolder(path);
  if (folder) return folder;
  throw new EvaluatorError(
    `${path} is not a video-text model: it has neither ${VIDEO_TEXT_FILES.manifest} nor videoprism/${VIDEO_TEXT_FILES.manifest} (train one with vfm-train videoprism-contrastive)`,
    { what: 'encoder', value: path },
  );
}

/** Recall of a random ranking of n items at k. */
const chanceAt = (k: number, n: number) => Math.min(1, k / n);

function synth4dClips(
  clip: readonly number[],
  count: number,
  objects?: number,
): { clips: LabeledClip[]; classes: string[] } {
  const config = taskConfig('actions', {
    frames: clip[0],
    height: clip[1],
    width: clip[2],
    ...(objects ? { objects } : {}),
  });
  const clips = Array.from({ length: count }, (_, i) => {
    const s = renderSample(config, splitSeed('val', i));
    return { pixels: () => s.rgb, caption: s.caption, label: s.actions.clipLabel };
  });
  return { clips, classes: MOTION_CLASSES.map((c) => MOTION_VERBS[c]) };
}

async function manifestClips(
  path: string,
  clip: readonly number[],
  seed: number,
): Promise<{ clips: LabeledClip[]; classes: string[] }> {
  const manifest = await readManifest(path);
  const classes = labelVocabulary(manifest.entries);
  const { test } = splitEntries(manifest.entries, seed);
  const used = test.filter((e) => e.caption !== undefined || e.label !== undefined);
  if (used.length < 2)
    throw new EvaluatorError(`manifest ${path} has fewer than 2 test entries with a caption or a label`, {
      what: 'manifest',
      value: path,
    });
  return {
    clips: used.map((entry) => ({
      pixels: () => decodeEntry(entry, clip),
      ...(entry.caption !== undefined ? { caption: entry.caption } : {}),
      ...(entry.label !== undefined ? { label: classes.indexOf(String(entry.label)) } : {}),
    })),
    classes,
  };
}

/** Embeds clips in batches of 8, each batch made (decoded two at a time) just before it runs. */
async function embedClips(model: VideoTextModel, clips: readonly LabeledClip[]) {
  const D = model.manifest.embedDim;
  const out = new Float32Array(clips.length * D);
  const pool = new DecodePool(2);
  for (let i = 0; i < clips.length; i += 8) {
    const batch = await Promise.all(
      clips.slice(i, i + 8).map((c) => pool.run(async () => ({ rgb: await c.pixels() }))),
    );
    const e = await model.embedVideo(stackClips(batch, model.manifest.clip));
    out.set(e.data, i * D);
  }
  return { data: out, shape: [clips.length, D] as [number, number] };
}

/** Retrieval over the clips that have captions. */
async function retrieval(model: VideoTextModel, clips: readonly LabeledClip[]) {
  const withCaption = clips.filter((c) => c.caption !== undefined);
  const n = withCaption.length;
  const video = await embedClips(model, withCaption);
  const text = await model.embedText(withCaption.map((c) => c.caption as string));
  const sim = model.similarity(video, text);
  const r = crossModalRetrieval(sim.data, n);
  const metrics: Record<string, number> = {};
  const chance: Record<string, number> = {};
  for (const [dir, res] of Object.entries(r))
    for (const k of [1, 5, 10] as const) {
      metrics[`${dir}.r${k}`] = res[`r${k}`];
      chance[`${dir}.r${k}`] = chanceAt(k, n);
    }
  return { n, metrics, chance };
}

/** Classification over the clips that have labels. */
async function classification(
  model: VideoTextModel,
  clips: readonly LabeledClip[],
  classes: readonly string[],
  templates: readonly string[],
) {
  const labeled = clips.filter((c) => c.label !== undefined);
  const n = labeled.length;
  const { prompts, classOf } = classPrompts(classes, templates);
  const text = await model.embedText(prompts);
  const classVectors = classEmbeddings(text, classOf, classes.length);
  const video = await embedClips(model, labeled);
  const { scores } = zeroShotClassify(video, classVectors);
  const labels = labeled.map((c) => c.label as number);
  const shape = [n, classes.length];
  return {
    n,
    metrics: {
      top1: topKAccuracy(scores, shape, labels, 1),
      top5: topKAccuracy(scores, shape, labels, 5),
      classes: classes.length,
    },
    chance: { top1: chanceAt(1, classes.length), top5: chanceAt(5, classes.length) },
  };
}

/**
 * Runs the zero-shot suite and writes `zero-shot.md` and `zero-shot.json` to `options.out`.
 * @throws EvaluatorError for a path that is not a video-text model or data with nothing to score.
 */
export async function zeroShotEvaluate(options: ZeroShotOptions): Promise<ZeroShotReport> {
  const log = options.log ?? (() => {});
  const seed = options.seed ?? 0;
  mkdirSync(options.out, { recursive: true });
  const rows: ZeroShotRow[] = [];
  const models: ZeroShotReport['models'] = [];
  const data = options.manifest ?? 'synth4d/actions';
  for (const spec of options.models) {
    const folder = videoTextFolder(spec.path);
    const model = await VideoTextModel.load(folder, {
      device: options.device ?? 'cpu',
      ...(options.threads ? { threads: options.threads } : {}),
    });
    try {
      const clip = model.manifest.clip;
      models.push({
        name: spec.name,
        path: folder,
        clip: [...clip],
        embedDim: model.manifest.embedDim,
        provider: model.provider,
      });
      log(`${spec.name}: ${data} at ${clip.join(' x ')}`);
      const { clips, classes } = options.manifest
        ? await manifestClips(options.manifest, clip, seed)
        : synth4dClips(clip, options.clips ?? 64, options.objects);
      const tasks: [
        ZeroShotRow['task'],
        () => Promise<{ n: number; metrics: Record<string, number>; chance: Record<string, number> }>,
      ][] = [];
      if (clips.filter((c) => c.caption !== undefined).length >= 2)
        tasks.push(['retrieval', () => retrieval(model, clips)]);
      if (clips.some((c) => c.label !== undefined))
        tasks.push([
          'classification',
          () => classification(model, clips, classes, options.manifest ? LABEL_TEMPLATES : MOTION_TEMPLATES),
        ]);
      for (const [task, run] of tasks) {
        const t0 = performance.now();
        const r = await run();
        const seconds = (performance.now() - t0) / 1000;
        rows.push({
          model: spec.name,
          task,
          data,
          clips: r.n,
          metrics: r.metrics,
          chance: r.chance,
          seconds,
        });
        log(
          `${spec.name} ${task}: ${Object.entries(r.metrics)
            .map(([k, v]) => `${k} ${v.toFixed(3)}`)
            .join(', ')}`,
        );
      }
    } finally {
      await model.dispose();
    }
  }
  const files = { markdown: join(options.out, 'zero-shot.md'), json: join(options.out, 'zero-shot.json') };
  const report: ZeroShotReport = {
    createdAt: new Date().toISOString(),
    machine: describeMachine(),
    models,
    rows,
    files,
  };
  writeFileSync(files.json, `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(files.markdown, zeroShotMarkdown(report));
  return report;
}

/** The report as Markdown: one table per task, each metric next to its chance level. */
export function zeroShotMarkdown(report: ZeroShotReport): string {
  const lines = ['# Zero-shot evaluation', '', `${report.createdAt} on ${report.machine}`, ''];
  for (const task of ['retrieval', 'classification'] as const) {
    const rows = report.rows.filter((r) => r.task === task);
    if (rows.length === 0) continue;
    const keys = Object.keys(rows[0].chance);
    lines.push(`## ${task} (${rows[0].data}, ${rows[0].clips} clips)`, '');
    lines.push(`| model | ${keys.join(' | ')} |`, `| --- | ${keys.map(() => '---').join(' | ')} |`);
    for (const r of rows)
      lines.push(`| ${r.model} | ${keys.map((k) => r.metrics[k].toFixed(3)).join(' | ')} |`);
    lines.push(`| chance | ${keys.map((k) => rows[0].chance[k].toFixed(3)).join(' | ')} |`, '');
  }
  return `${lines.join('\n')}\n`;
}

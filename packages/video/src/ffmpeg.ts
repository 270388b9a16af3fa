import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { VideoDecodeError } from './errors';

/** Where to find ffmpeg: an explicit path wins, then `FFMPEG_PATH`, then the npm-bundled binary. */
export interface FfmpegOptions {
  /** Path of an ffmpeg binary; overrides `FFMPEG_PATH` and the bundled one. */
  ffmpegPath?: string;
}

/** A working ffmpeg: its path, version line and where it came from. */
export interface FfmpegBinary {
  readonly path: string;
  readonly version: string;
  readonly source: 'option' | 'env' | 'bundled' | 'system';
}

const verified = new Map<string, FfmpegBinary | Error>();
let warnedFallback = false;

function bundledPath(): string {
  const require = createRequire(import.meta.url);
  // The installer throws a string when its platform package is missing.
  const mod = require('@ffmpeg-installer/ffmpeg') as { path: string };
  return mod.path;
}

function verify(path: string, source: FfmpegBinary['source']): FfmpegBinary | Error {
  const key = `${source}:${path}`;
  const known = verified.get(key);
  if (known) return known;
  const res = spawnSync(path, ['-hide_banner', '-version'], { encoding: 'utf8', timeout: 15_000 });
  let out: FfmpegBinary | Error;
  if (res.error) out = res.error;
  else if (res.status !== 0 || !/ffmpeg version/.test(res.stdout))
    out = new Error(`exit ${res.status}: ${(res.stderr || res.stdout).slice(0, 200)}`);
  else out = { path, version: res.stdout.split('\n')[0], source };
  verified.set(key, out);
  return out;
}

/**
 * Finds a working ffmpeg. Order: `options.ffmpegPath`, `FFMPEG_PATH`, the binary of
 * `@ffmpeg-installer/ffmpeg`, then `ffmpeg` on the `PATH` (a fallback that is logged once with its
 * reason). An explicit path or `FFMPEG_PATH` is used alone: if it does not run, that is the error.
 * Results are cached per path.
 * @throws VideoDecodeError (reason `no-ffmpeg`) listing every candidate tried and why it failed.
 */
export function resolveFfmpeg(options: FfmpegOptions = {}): FfmpegBinary {
  const explicit = options.ffmpegPath ?? process.env.FFMPEG_PATH;
  if (explicit) {
    const source = options.ffmpegPath ? 'option' : 'env';
    const got = verify(explicit, source);
    if (got instanceof Error) {
      throw new VideoDecodeError(
        `ffmpeg at ${explicit} (from ${source === 'option' ? 'options.ffmpegPath' : 'FFMPEG_PATH'}) does not run: ${got.message}`,
        { path: explicit, reason: 'no-ffmpeg', tried: [{ path: explicit, error: got.message }] },
        { cause: got },
      );
    }
    return got;
  }
  const tried: { path: string; error: string }[] = [];
  let bundled: string | undefined;
  try {
    bundled = bundledPath();
  } catch (e) {
    tried.push({ path: '@ffmpeg-installer/ffmpeg', error: e instanceof Error ? e.message : String(e) });
  }
  if (bundled) {
    const got = verify(bundled, 'bundled');
    if (!(got instanceof Error)) return got;
    tried.push({ path: bundled, error: got.message });
  }
  const system = verify('ffmpeg', 'system');
  if (!(system instanceof Error)) {
    if (!warnedFallback) {
      warnedFallback = true;
      console.warn(
        `@vfmkit/video: bundled ffmpeg unavailable (${tried.map((t) => t.error).join('; ')}); using ffmpeg from PATH`,
      );
    }
    return system;
  }
  tried.push({ path: 'ffmpeg', error: system.message });
  throw new VideoDecodeError(
    `no working ffmpeg: ${tried.map((t) => `${t.path}: ${t.error}`).join('; ')}. Install @ffmpeg-installer/ffmpeg or set FFMPEG_PATH`,
    { path: '', reason: 'no-ffmpeg', tried },
  );
}

const pixFmtCache = new Map<string, ReadonlySet<string>>();

/** Pixel formats this ffmpeg's scaler accepts as input (the `I` flag of `ffmpeg -pix_fmts`). */
export function inputPixelFormats(bin: FfmpegBinary): ReadonlySet<string> {
  const cached = pixFmtCache.get(bin.path);
  if (cached) return cached;
  const res = spawnSync(bin.path, ['-hide_banner', '-pix_fmts'], { encoding: 'utf8', timeout: 15_000 });
  const set = new Set<string>();
  let body = false;
  for (const line of (res.stdout ?? '').split('\n')) {
    if (line.startsWith('-----')) {
      body = true;
      continue;
    }
    const m = /^([I.])[O.][H.][P.][B.]\s+(\S+)/.exec(line);
    if (body && m && m[1] === 'I') set.add(m[2]);
  }
  pixFmtCache.set(bin.path, set);
  return set;
}

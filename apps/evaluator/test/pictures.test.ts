import type { TaskGeometry } from '@vfmkit/probes';
import { renderSample, splitSeed, taskConfig } from '@vfmkit/synth4d';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { boxesPicture, depthPicture, posePicture, tracksPicture } from '../src/report/pictures';
import { PRED_COLOR, TRUE_COLOR } from '../src/report/raster';

const g: TaskGeometry = {
  grid: { t: 4, h: 4, w: 4 },
  frames: 8,
  height: 32,
  width: 32,
  featureWidth: 8,
  layers: 1,
};
const render = (task: string) =>
  Array.from({ length: 3 }, (_, i) =>
    renderSample(taskConfig(task, { frames: 8, height: 32, width: 32 }), splitSeed('val', i)),
  );

/** The RGB of pixel (x, y) of a decoded PNG. */
function pixel(png: PNG, x: number, y: number): number[] {
  const o = (y * png.width + x) * 4;
  return [png.data[o], png.data[o + 1], png.data[o + 2]];
}

describe('readout pictures', () => {
  it('draws a predicted box where it was predicted, beside the true box', () => {
    const samples = render('boxes');
    const S = samples[0].config.maxObjects;
    const T = 8;
    // predict, for every slot of every clip in every frame, the box (4, 6)-(20, 18) in clip pixels
    const boxes = new Float32Array(3 * S * T * 4);
    for (let i = 0; i < 3 * S * T; i++) boxes.set([4, 6, 20, 18], i * 4);
    const pic = boxesPicture(samples, { boxes, shape: [3, S, T] }, g);
    const png = PNG.sync.read(Buffer.from(pic.png));
    // 2 frames (4 and 7) of 32 x 32 at zoom 4, 6 px gaps; 3 clips
    expect([png.width, png.height]).toEqual([2 * (128 + 6) + 6, 3 * (128 + 6) + 6]);
    expect([pic.width, pic.height]).toEqual([png.width, png.height]);
    expect(pic.panels.map((p) => [p.clip, p.frame])).toEqual([
      [0, 4],
      [0, 7],
      [1, 4],
      [1, 7],
      [2, 4],
      [2, 7],
    ]);
    const tracked = samples.map((s) =>
      Array.from({ length: Math.min(S, s.boxes.count) }, (_, k) => s.boxes.visible[k]).some(Boolean),
    );
    expect(tracked[0]).toBe(true);
    // panel of clip 0, frame 7: left = 6 + 134 = 140, top = 6
    const [left, top] = [140, 6];
    expect(pic.panels[1]).toMatchObject({ left, top, zoom: 4 });
    // the outline's corners and edges: x from 140 + 16 = 156 to 140 + 80 - 1 = 219, y from 6 + 24 = 30 to 6 + 72 - 1 = 77
    for (const [x, y] of [
      [156, 30],
      [219, 30],
      [156, 77],
      [219, 77],
      [190, 30],
      [156, 50],
    ])
      expect(pixel(png, x, y)).toEqual([...PRED_COLOR]);
    // inside and just outside the box: the frame, not the outline
    expect(pixel(png, 188, 54)).not.toEqual([...PRED_COLOR]);
    expect(pixel(png, 154, 50)).not.toEqual([...PRED_COLOR]);
    // the true box of a visible tracked object of clip 0 in frame 7 is drawn in green at its place
    const s = samples[0];
    const K = s.boxes.count;
    const k = Array.from({ length: Math.min(S, K) }, (_, i) => i).find(
      (i) => s.boxes.visible[i] && s.boxes.visible[7 * K + i],
    );
    expect(k).toBeDefined();
    const b = s.boxes.boxes.subarray((7 * K + (k as number)) * 4, (7 * K + (k as number)) * 4 + 4);
    const [x0, y0] = [left + b[0] * 4, top + b[1] * 4];
    const corner = pixel(png, x0, y0);
    // a corner is green unless the predicted outline crosses it
    expect([[...TRUE_COLOR], [...PRED_COLOR]]).toContainEqual(corner);
  });

  it('depth, tracks and pose pictures decode with the expected sizes and show both colours', () => {
    const depthSamples = render('depth');
    const B = 3;
    const depth = new Float32Array(B * 64).fill(2);
    const d = depthPicture(
      depthSamples,
      { depth, valid: new Uint8Array(B * 64).fill(1), shape: [B, 4, 4, 4] },
      g,
    );
    const dp = PNG.sync.read(Buffer.from(d.png));
    expect([dp.width, dp.height]).toEqual([3 * 128 + 4 * 6, 3 * (128 + 6) + 6]);

    const trackSamples = render('tracking');
    const Q = trackSamples[0].tracks.count;
    const tracks = new Float32Array(B * Q * 8 * 2);
    for (let i = 0; i < B * Q * 8; i++) tracks.set([10, 12], i * 2); // every point predicted at (10, 12)
    const t = tracksPicture(
      trackSamples,
      { tracks, occluded: new Uint8Array(B * Q * 8), shape: [B, Q, 8] },
      g,
    );
    const tp = PNG.sync.read(Buffer.from(t.png));
    expect([tp.width, tp.height]).toEqual([128 + 12, 3 * (128 + 6) + 6]);
    // the predicted end dot at clip pixel (10, 12) of clip 0: picture (6 + 40, 6 + 48)
    expect(pixel(tp, 46, 54)).toEqual([...PRED_COLOR]);

    const poseSamples = render('pose');
    const poses = new Float32Array(B * 8 * 16);
    for (let i = 0; i < B * 8; i++)
      poses.set([1, 0, 0, 0.1 * (i % 8), 0, 1, 0, 0, 0, 0, 1, 0.2 * (i % 8), 0, 0, 0, 1], i * 16);
    const p = posePicture(poseSamples, { poses, shape: [B, 8] });
    const pp = PNG.sync.read(Buffer.from(p.png));
    expect([pp.width, pp.height]).toEqual([3 * (160 + 6) + 6, 160 + 12]);
    let red = 0;
    let green = 0;
    for (let i = 0; i < pp.width * pp.height; i++) {
      const c = [pp.data[i * 4], pp.data[i * 4 + 1], pp.data[i * 4 + 2]].join();
      if (c === PRED_COLOR.join()) red++;
      if (c === TRUE_COLOR.join()) green++;
    }
    expect(red).toBeGreaterThan(50);
    expect(green).toBeGreaterThan(0);
  });
});

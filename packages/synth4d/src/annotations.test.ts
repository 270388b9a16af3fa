import { describe, expect, it } from 'vitest';
import { CAMERA_MOTIONS, MOTION_CLASSES } from './labels';
import { segmentAt } from './motion';
import { renderSample } from './sample';

describe('action labels, segments, actor boxes, captions', () => {
  const s = renderSample(
    { width: 24, height: 24, frames: 16, minObjects: 3, maxObjects: 3, queries: 0, keyframeStride: 4 },
    21,
  );

  it('segments tile [0, T) for every object, with labels of their motion class', () => {
    for (const o of s.scene.objects) {
      const segs = s.actions.segments.filter((g) => g.objectId === o.id);
      expect(segs[0].start).toBe(0);
      expect(segs.at(-1)!.end).toBe(16);
      for (let i = 1; i < segs.length; i++) expect(segs[i].start).toBe(segs[i - 1].end);
      for (const g of segs) expect(MOTION_CLASSES[g.label]).toBe(g.className);
      // The object label is the class covering the most frames.
      const frames = new Map<number, number>();
      for (const g of segs) frames.set(g.label, (frames.get(g.label) ?? 0) + g.end - g.start);
      expect(frames.get(s.actions.objectLabels[o.id - 1])).toBe(Math.max(...frames.values()));
    }
    expect(s.actions.clipLabel).toBe(s.actions.objectLabels[0]);
    expect(CAMERA_MOTIONS[s.actions.cameraLabel]).toBe(s.scene.camera.kind);
  });

  it('actor boxes are the frame boxes at keyframes with the motion active then', () => {
    const K = s.boxes.count;
    expect(s.actions.actorBoxes.length).toBeGreaterThan(0);
    for (const a of s.actions.actorBoxes) {
      expect(a.frame % 4).toBe(0);
      const at = (a.frame * K + a.objectId - 1) * 4;
      expect(a.box).toEqual(Array.from(s.boxes.boxes.subarray(at, at + 4)));
      expect(a.className).toBe(segmentAt(s.scene.objects[a.objectId - 1].segments, a.frame).kind);
    }
    const visibleAtKeyframes = [0, 4, 8, 12].reduce(
      (n, f) => n + [0, 1, 2].filter((k) => s.boxes.visible[f * K + k]).length,
      0,
    );
    expect(s.actions.actorBoxes.length).toBe(visibleAtKeyframes);
  });

  it('the caption names every object, its color, shape and motions, and the camera motion', () => {
    for (const o of s.scene.objects) {
      expect(s.caption).toContain(o.colorName);
      expect(s.caption).toContain(o.shape);
    }
    const verbs = {
      static: 'stays still',
      linear: 'straight line',
      circular: 'circle',
      bounce: 'bounces',
      spin: 'spins',
      fall: 'falls',
    };
    for (const g of s.actions.segments) expect(s.caption).toContain(verbs[g.className]);
    expect(s.caption).toMatch(/The camera (is still|pans|orbits|moves in|shakes)\./);
  });
});

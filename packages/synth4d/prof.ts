import { generateScene, renderSample, renderScene, sampleTracks } from './src/index';

const cfg = { width: 64, height: 64, frames: 16, minObjects: 4, maxObjects: 4, queries: 64 };
for (let i = 0; i < 5; i++) renderSample(cfg, i);
let a = 0,
  b = 0,
  c = 0;
for (let i = 0; i < 30; i++) {
  const t0 = performance.now();
  const sc = generateScene(cfg, i);
  const t1 = performance.now();
  const fr = renderScene(sc);
  const t2 = performance.now();
  sampleTracks(sc, fr, i);
  const t3 = performance.now();
  a += t1 - t0;
  b += t2 - t1;
  c += t3 - t2;
}
console.log('scene', (a / 30).toFixed(2), 'render', (b / 30).toFixed(2), 'tracks', (c / 30).toFixed(2));
const t0 = performance.now();
for (let i = 0; i < 30; i++) renderSample(cfg, i);
console.log('sample', ((performance.now() - t0) / 30).toFixed(2));

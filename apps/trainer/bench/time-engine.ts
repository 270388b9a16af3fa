import type { TrainEngine } from '../src/train/engine';

/** Median ms of `steps` engine steps on `batch` after one warm-up step; closes the engine. */
export async function timeEngine(
  engine: TrainEngine,
  batch: Parameters<TrainEngine['step']>[0],
  steps: number,
): Promise<number> {
  await engine.step(batch, 1e-3);
  const times: number[] = [];
  for (let i = 0; i < steps; i++) {
    const t0 = performance.now();
    await engine.step(batch, 1e-3);
    times.push(performance.now() - t0);
  }
  await engine.close();
  return times.sort((a, b) => a - b)[Math.floor(times.length / 2)];
}

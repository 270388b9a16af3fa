import { synth4dTaskHead } from '@vfmkit/probes';
import { renderSample, splitSeed, taskConfig } from '@vfmkit/synth4d';
import { clipsInMemory, type TaskData, type TaskSource } from './task-source';

function renderSplit(task: string, split: 'train' | 'val', count: number, clip: readonly number[]) {
  const config = taskConfig(task, { frames: clip[0], height: clip[1], width: clip[2] });
  return Array.from({ length: count }, (_, i) => renderSample(config, splitSeed(split, i)));
}

/**
 * A synth4d preset as a task source: `trainClips` clips of the train split and `testClips` of the val
 * split, rendered at each encoder's clip size (once per size).
 * @throws ConfigError (from probes) for a task without a head.
 */
export function synth4dSource(taskName: string, trainClips: number, testClips: number): TaskSource {
  const task = synth4dTaskHead(taskName);
  const bySize = new Map<string, TaskData>();
  return {
    name: task.name,
    headline: task.headline,
    scoreName: task.scoreName,
    async load(clip, log) {
      const size = clip.join('x');
      let data = bySize.get(size);
      if (!data) {
        log(`rendering ${task.name} at ${clip.join(' x ')}: ${trainClips} train + ${testClips} val clips`);
        const dataKey = `${task.name}:${trainClips}:${testClips}:${size}:v2`;
        const split = (name: 'train' | 'val', count: number) => {
          const samples = renderSplit(task.task, name, count, clip);
          const key = `${dataKey}:${name === 'val' ? 'test' : 'train'}`;
          return { clips: clipsInMemory(key, samples), rows: samples.map((_, i) => i), samples };
        };
        data = { task, train: split('train', trainClips), test: split('val', testClips) } as TaskData;
        bySize.set(size, data);
      }
      return data;
    },
  };
}

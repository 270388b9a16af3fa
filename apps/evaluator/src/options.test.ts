import { describe, expect, it } from 'vitest';
import { EvaluatorError } from './errors';
import { parseEvaluateOptions } from './options';

const base = {
  encoders: [{ name: 'a', path: 'a.onnx' }],
  out: '/tmp/x',
  adaptations: ['linear', 'frozen'] as ('linear' | 'frozen')[],
};

describe('taskAdaptations', () => {
  it('replaces the method list for the named tasks only', () => {
    const c = parseEvaluateOptions({
      ...base,
      tasks: ['depth', 'pose'],
      taskAdaptations: { depth: ['linear'] },
    });
    expect(c.taskAdaptations).toEqual({ depth: ['linear'] });
    expect(c.adaptations).toEqual(['linear', 'frozen']);
  });

  it('rejects tasks that are not run and methods outside adaptations', () => {
    expect(() =>
      parseEvaluateOptions({ ...base, tasks: ['pose'], taskAdaptations: { depth: ['linear'] } }),
    ).toThrow(EvaluatorError);
    expect(() =>
      parseEvaluateOptions({
        ...base,
        adaptations: ['linear'],
        tasks: ['depth'],
        taskAdaptations: { depth: ['frozen'] },
      }),
    ).toThrow(/not in adaptations/);
  });
});

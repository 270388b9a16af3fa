import { ConfigError, ShapeError } from '@vfmkit/core';
import { tf } from '@vfmkit/nn';
import { assert2d, assertSame, stopGradient } from '../internal/ops';

/** DINO's temperatures: student `tau_s` (0.1 in the paper) and teacher `tau_t` (0.04 to 0.07). */
export interface DinoTemperatures {
  readonly studentTemp: number;
  readonly teacherTemp: number;
}

/**
 * DINO's loss: for every teacher view `t` and student view `s` with a different index,
 * `H(P_t, P_s) = -sum_k P_t[k] log P_s[k]` averaged over the batch, where
 * `P_t = softmax((teacher - center) / tau_t)` (centred and sharpened, a constant) and
 * `P_s = softmax(student / tau_s)`; the mean over all such pairs. Teacher view i and student view i
 * are the same view (DINO's crops: the global views come first and are the teacher's).
 * @param students `[B, K]` per view (V_s views)
 * @param teachers `[B, K]` per view (V_t <= V_s views, the first V_t of the students' views)
 * @param center `[K]`
 * @returns scalar
 * @throws ShapeError on mismatched shapes or no pair of different views; ConfigError on temperatures <= 0.
 */
export function dinoLoss(
  students: readonly tf.Tensor[],
  teachers: readonly tf.Tensor[],
  center: tf.Tensor,
  temps: DinoTemperatures,
): tf.Scalar {
  for (const key of ['studentTemp', 'teacherTemp'] as const)
    if (!(temps[key] > 0))
      throw new ConfigError(`DINO ${key} must be > 0, got ${temps[key]}`, { key, value: temps[key] });
  const first = students[0];
  if (!first || teachers.length === 0 || students.length < 2 || teachers.length > students.length)
    throw new ShapeError(
      `DINO needs at least 2 student views and 1..V_s teacher views, got ${students.length} and ${teachers.length}`,
      { name: 'views', expected: ['V_s >= 2', 'V_t'], actual: [students.length, teachers.length] },
    );
  assert2d('students[0]', first);
  for (const [i, s] of students.entries()) assertSame('students[0]', first, `students[${i}]`, s);
  for (const [i, t] of teachers.entries()) assertSame('students[0]', first, `teachers[${i}]`, t);
  const k = first.shape[1] as number;
  if (center.size !== k)
    throw new ShapeError(`center has ${center.size} values, expected [${k}]`, {
      name: 'center',
      expected: [k],
      actual: [...center.shape],
    });
  return tf.tidy(() => {
    const c = tf.reshape(stopGradient(center), [1, k]);
    const targets = teachers.map((t) => tf.softmax(tf.div(tf.sub(stopGradient(t), c), temps.teacherTemp)));
    const logProbs = students.map((s) => tf.logSoftmax(tf.div(s, temps.studentTemp)));
    let total: tf.Tensor = tf.scalar(0);
    let terms = 0;
    for (const [it, p] of targets.entries())
      for (const [is, logP] of logProbs.entries()) {
        if (is === it) continue;
        total = tf.add(total, tf.mean(tf.sum(tf.mul(tf.neg(p), logP), 1)));
        terms++;
      }
    return tf.div(total, terms) as tf.Scalar;
  });
}

/** The mean teacher output over the batch and the teacher views: `[K]` (what the center tracks). */
export function dinoTeacherMean(teachers: readonly tf.Tensor[]): tf.Tensor1D {
  return tf.tidy(
    () =>
      tf.mean(
        tf.concat(
          teachers.map((t) => stopGradient(t)),
          0,
        ),
        0,
      ) as tf.Tensor1D,
  );
}

/**
 * DINO's center update `center <- m * center + (1 - m) * teacherMean` (in place).
 * @param center `[K]` a variable
 * @param teacherMean `[K]` the batch mean of the teacher outputs (across data-parallel workers)
 * @param momentum m (0.9 in the paper)
 */
export function updateDinoCenter(center: tf.Variable, teacherMean: tf.Tensor, momentum: number): void {
  if (!(momentum >= 0 && momentum <= 1))
    throw new ConfigError(`center momentum must be in [0, 1], got ${momentum}`, { key: 'centerMomentum' });
  if (teacherMean.size !== center.size)
    throw new ShapeError(`teacher mean has ${teacherMean.size} values, center ${center.size}`, {
      name: 'teacherMean',
      expected: [...center.shape],
      actual: [...teacherMean.shape],
    });
  tf.tidy(() =>
    center.assign(
      tf.add(tf.mul(center, momentum), tf.mul(tf.reshape(teacherMean, center.shape), 1 - momentum)),
    ),
  );
}

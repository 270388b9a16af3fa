import { type Params, tf } from '../src/index';
import { dotWith, maxRelErr, numericGrad, type P64, randn, toP64 } from './reference';

export interface LayerCheck {
  /** Relative max error of the forward pass against the float64 reference. */
  forward: number;
  /** Relative max error of each gradient (`x` and every parameter) against central differences. */
  grads: Record<string, number>;
}

/**
 * Runs a tfjs layer and its float64 reference on the same weights and input; compares outputs, and the
 * gradients of `sum(y * R)` (R random) from tfjs autodiff against float64 central differences.
 */
export function checkLayer(
  params: Params,
  x: { data: Float32Array; shape: number[] },
  forward: (params: Params, x: tf.Tensor) => tf.Tensor,
  reference: (P: P64, x: Float64Array) => Float64Array,
  seed = 99,
): LayerCheck {
  const P = toP64(params);
  const x64 = Float64Array.from(x.data);
  const yRef = reference(P, x64);
  const r = Float64Array.from(randn(yRef.length, seed));
  const xVar = tf.variable(tf.tensor(x.data, x.shape));
  const names = [...params.keys()];
  const { value, grads, y } = tf.tidy(() => {
    const yOut = forward(params, xVar);
    const rT = tf.tensor(Float32Array.from(r), yOut.shape);
    const vars = [xVar, ...names.map((n) => params.get(n) as tf.Variable)];
    const g = tf.variableGrads(() => tf.sum(tf.mul(forward(params, xVar), rT)) as tf.Scalar, vars);
    return { ...g, y: yOut };
  });
  const out: LayerCheck = { forward: maxRelErr(y.dataSync(), yRef), grads: {} };
  const gx = grads[xVar.name].dataSync();
  out.grads.x = maxRelErr(
    gx,
    numericGrad((xv) => dotWith(reference(P, xv), r), x64),
  );
  for (const n of names) {
    const v = params.get(n) as tf.Variable;
    const g = grads[v.name];
    const p = P.get(n) as Float64Array;
    const num = numericGrad(() => dotWith(reference(P, x64), r), p);
    out.grads[n] = g ? maxRelErr(g.dataSync(), num) : Math.max(...num.map(Math.abs));
  }
  value.dispose();
  y.dispose();
  for (const g of Object.values(grads)) g.dispose();
  xVar.dispose();
  return out;
}

/** Asserts every entry of a {@link LayerCheck} is under `tol`, naming the worst one. */
export function worst(check: LayerCheck): { name: string; err: number } {
  let name = 'forward';
  let err = check.forward;
  for (const [k, v] of Object.entries(check.grads))
    if (!(v <= err)) {
      name = k;
      err = v;
    }
  return { name, err };
}

import { MetricInputError } from './errors';

/** An axis-aligned box `[x0, y0, x1, y1]` (continuous coordinates, x1 >= x0, y1 >= y0). */
export type Box = readonly [number, number, number, number];

/**
 * IoU of two boxes in continuous coordinates (no +1 pixel convention, as in AVA's and the TF Object
 * Detection API's `np_box_ops.iou`). Boxes with zero area have IoU 0 with everything.
 */
export function boxIou(a: ArrayLike<number>, b: ArrayLike<number>, ao = 0, bo = 0): number {
  const iw = Math.min(a[ao + 2], b[bo + 2]) - Math.max(a[ao], b[bo]);
  const ih = Math.min(a[ao + 3], b[bo + 3]) - Math.max(a[ao + 1], b[bo + 1]);
  const inter = iw > 0 && ih > 0 ? iw * ih : 0;
  const areaA = (a[ao + 2] - a[ao]) * (a[ao + 3] - a[ao + 1]);
  const areaB = (b[bo + 2] - b[bo]) * (b[bo + 3] - b[bo + 1]);
  const union = areaA + areaB - inter;
  return union > 0 ? inter / union : 0;
}

/** Asserts a box is finite with x1 >= x0 and y1 >= y0. */
export function checkBox(name: string, box: ArrayLike<number>, index: number, offset = 0): void {
  const [x0, y0, x1, y1] = [box[offset], box[offset + 1], box[offset + 2], box[offset + 3]];
  if (![x0, y0, x1, y1].every(Number.isFinite) || x1 < x0 || y1 < y0)
    throw new MetricInputError(
      `${name}[${index}]: box [${x0}, ${y0}, ${x1}, ${y1}] is not [x0, y0, x1, y1] with x1 >= x0, y1 >= y0`,
      {
        name,
        index,
      },
    );
}

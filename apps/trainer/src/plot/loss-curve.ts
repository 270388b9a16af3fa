import { Resvg } from '@resvg/resvg-js';
import * as vega from 'vega';
import * as vl from 'vega-lite';

/** One logged point of a loss curve. */
export interface LossPoint {
  readonly step: number;
  readonly loss: number;
  /** Series name, e.g. `train` or `resumed`. */
  readonly series?: string;
}

/**
 * Renders a loss curve (log-scale y) to PNG bytes with vega-lite -> vega (headless SVG) -> resvg.
 * Non-finite losses are dropped.
 */
export async function renderLossCurve(
  points: readonly LossPoint[],
  title = 'training loss',
): Promise<Uint8Array> {
  const values = points
    .filter((p) => Number.isFinite(p.loss) && p.loss > 0)
    .map((p) => ({ ...p, series: p.series ?? 'train' }));
  const spec = vl.compile({
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    width: 560,
    height: 280,
    data: { values },
    mark: { type: 'line', interpolate: 'linear' },
    encoding: {
      x: { field: 'step', type: 'quantitative', title: 'step' },
      y: { field: 'loss', type: 'quantitative', title: 'loss', scale: { type: 'log' } },
      color: { field: 'series', type: 'nominal', title: null },
    },
  }).spec;
  const view = new vega.View(vega.parse(spec), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  return new Resvg(svg, { background: 'white' }).render().asPng();
}

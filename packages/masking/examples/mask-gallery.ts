/**
 * Draws every masking strategy on an 8 x 14 x 14 token grid (a 16 x 224 x 224 clip in 2 x 16 x 16
 * tubelets) as ASCII, with seed 0. The README's pictures are this script's output.
 *
 *   npm run demo -w @vfmkit/masking
 */
import { Rng } from '@vfmkit/core';
import {
  adaptiveDecoderMask,
  blockMask,
  randomDecoderMask,
  randomMask,
  renderMaskAscii,
  runningCellDecoderMask,
  runningCellMask,
  tokenGridOf,
  tubeMask,
  uniformDecoderMask,
} from '../src/index';

const grid = tokenGridOf([16, 224, 224], [2, 16, 16]); // { t: 8, h: 14, w: 14 }
const n = grid.t * grid.h * grid.w;
const show = (title: string, masks: { hidden?: Uint8Array; target?: Uint8Array }) =>
  console.log(`### ${title}\n\n\`\`\`text\n${renderMaskAscii(grid, masks)}\n\`\`\`\n`);

const tube = tubeMask(grid, 0.9, 0);
show('random, ratio 0.9', { hidden: randomMask(grid, 0.9, 0).hidden });
show('tube, ratio 0.9 (VideoMAE)', { hidden: tube.hidden });
show('block, ratio 0.65 (BEVT style, VideoPrism)', { hidden: blockMask(grid, 0.65, 0).hidden });
show('running-cell, ratio 0.5 (VideoMAE V2)', { hidden: runningCellMask(grid, 0.5, 0).hidden });
show('decoder: random 5% of N over tube 0.9', {
  hidden: tube.hidden,
  target: randomDecoderMask(tube, { fraction: 0.05 }, 0).target,
});
show('decoder: uniform 5% of N over tube 0.9', {
  hidden: tube.hidden,
  target: uniformDecoderMask(tube, { fraction: 0.05 }).target,
});
show('decoder: running-cell 50% (VideoMAE V2, over the grid)', {
  hidden: tube.hidden,
  target: runningCellDecoderMask(grid, 0).target,
});
// A smooth priority map (a bright moving blob), as a learned tokenizer's scores might look.
const priority = new Float32Array(n);
const noise = new Rng(0);
for (let t = 0; t < grid.t; t++)
  for (let y = 0; y < grid.h; y++)
    for (let x = 0; x < grid.w; x++) {
      const d2 = (y - 4 - t * 0.6) ** 2 + (x - 3 - t) ** 2;
      priority[(t * grid.h + y) * grid.w + x] = Math.exp(-d2 / 8) + 0.05 * noise.uniform();
    }
show('decoder: adaptive top 5% of N by priority (LVMAE)', {
  hidden: tube.hidden,
  target: adaptiveDecoderMask(tube, priority, { fraction: 0.05 }).target,
});
console.log('Legend: # hidden from the encoder, . visible, o hidden and reconstructed by the decoder,');
console.log('+ visible but reconstructed (VideoMAE V2 running-cell decoder masks cover all tokens).');

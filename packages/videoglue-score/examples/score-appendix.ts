/**
 * Demo: compute VideoGLUE's adaptation costs for ViT-B from its shape, then score the published
 * VideoPrism appendix results (Tables 13-16) and print Table 17's VGS with the weights behind it.
 *
 *   npm run demo -w @vfmkit/videoglue-score
 */
import { markdownTable } from '@vfmkit/core';
import {
  adaptationCosts,
  markdownReport,
  markdownResultTable,
  readResultsFile,
  resultRows,
  scoreResultsFile,
  VIDEOGLUE_VIT_B,
} from '../src/index';

const costs = adaptationCosts(VIDEOGLUE_VIT_B, { tokens: 8 * 14 * 14 });
console.log('Adaptation costs of ViT-B on 8 x 14 x 14 tokens (computed from its shape; 2 FLOPs per MAC):\n');
console.log(
  markdownTable(
    ['method', 'trainable params', 'trainable GFLOPs', 'inference GFLOPs'],
    Object.entries(costs).map(([m, c]) => [
      m,
      `${(c.trainableParams / 1e6).toFixed(2)} M`,
      c.trainableGflops.toFixed(2),
      c.inferenceGflops.toFixed(1),
    ]),
  ),
);

const file = await readResultsFile(new URL('./videoprism-appendix.json', import.meta.url).pathname);
console.log('\nFrozen-backbone results (VideoPrism appendix Table 13):\n');
console.log(markdownResultTable(resultRows(file), 'frozen'));
console.log('\nVideoGLUE score, single-cost form (trainable GFLOPs as published):\n');
console.log(markdownReport(scoreResultsFile(file)));

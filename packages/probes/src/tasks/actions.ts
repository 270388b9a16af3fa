import { MOTION_CLASSES, type Synth4dSample } from '@vfmkit/synth4d';
import { type ClassificationTaskMetrics, type ClassPredictions, classificationTask } from './classification';
import type { Synth4dTask } from './task';

/**
 * `synth4d/actions`: the actor's (object 1) dominant motion class, one of {@link MOTION_CLASSES}
 * (6 classes), from a pooled readout; top-1 / top-5 accuracy.
 */
export const actionsTask: Synth4dTask<ClassPredictions, ClassificationTaskMetrics> = {
  ...classificationTask<Synth4dSample>({
    name: 'synth4d/actions',
    classes: MOTION_CLASSES.length,
    labelOf: (s) => s.actions.clipLabel,
  }),
  task: 'actions',
};

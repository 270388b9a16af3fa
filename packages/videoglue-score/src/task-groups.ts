/**
 * A task group: datasets whose scores are averaged first. VGS averages datasets within a group, then
 * groups (a stratified mean), so a task with many datasets does not dominate.
 */
export interface TaskGroup {
  /** Stable id, e.g. `VC(A)`. */
  readonly id: string;
  /** Human-readable name. */
  readonly label: string;
  /** Dataset names as they appear in results files (exact, case-sensitive). */
  readonly datasets: readonly string[];
  /** What is measured (documentation only), e.g. `top-1 accuracy`. */
  readonly metric?: string;
}

/**
 * VideoGLUE's five groups over its eight datasets (Yuan et al., VideoGLUE, Sec. 3.1 and Tables 3-6;
 * the same grouping as the VideoPrism appendix, Tables 13-17: VC (A), VC (M), VC (ML), TAL, STAL).
 */
export const VIDEOGLUE_TASK_GROUPS: readonly TaskGroup[] = [
  {
    id: 'VC(A)',
    label: 'appearance-focused classification',
    datasets: ['K400', 'MiT'],
    metric: 'top-1 accuracy',
  },
  {
    id: 'VC(M)',
    label: 'motion-focused classification',
    datasets: ['SSv2', 'D48'],
    metric: 'top-1 accuracy',
  },
  { id: 'VC(ML)', label: 'multi-label classification', datasets: ['Charades'], metric: 'mAP' },
  { id: 'TAL', label: 'temporal localization', datasets: ['ActivityNet'], metric: 'mAP' },
  {
    id: 'STAL',
    label: 'spatio-temporal localization',
    datasets: ['AVA', 'AVA-K'],
    metric: 'frame mAP @ IoU 0.5',
  },
];

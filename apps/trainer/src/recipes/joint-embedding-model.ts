/**
 * The model module of the joint-embedding recipes, imported by every data-parallel worker by path
 * (see `DataParallel` in @vfmkit/nn): @vfmkit/ssl's `buildModel(spec)`.
 */
export { buildModel } from '@vfmkit/ssl/tfjs';

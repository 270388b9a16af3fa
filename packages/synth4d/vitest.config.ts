import { vfmkitProject } from '../../vitest.shared';

export default vfmkitProject('synth4d');

import { vfmkitBuild } from '../../tsup.base';

export default vfmkitBuild({ entry: ['src/index.ts', 'src/tfjs/index.ts', 'src/onnx/index.ts'] });

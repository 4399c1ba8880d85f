import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

/**
 * onnxruntime-node is a native addon that cannot be bundled: the Action ships it beside the
 * bundle (dist/node_modules, Linux x64 and arm64 binaries only; see docs/action.md). Fails early,
 * with one clear line, where the runtime for this runner's platform is not there.
 */
export function checkOnnxRuntime(from: string = import.meta.url): string {
  const require = createRequire(from);
  let dir: string;
  try {
    dir = path.dirname(require.resolve('onnxruntime-node/package.json'));
  } catch {
    throw new Error(
      'onnxruntime-node is not installed beside the Action (dist/node_modules/onnxruntime-node); rebuild with `npm run package`',
    );
  }
  const binding = path.join(
    dir,
    'bin',
    'napi-v6',
    process.platform,
    process.arch,
    'onnxruntime_binding.node',
  );
  if (!existsSync(binding))
    throw new Error(
      `this runner is ${process.platform}-${process.arch}, but the Action ships ONNX Runtime for linux-x64 and linux-arm64 only (${binding} is missing)`,
    );
  return dir;
}

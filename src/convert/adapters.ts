/**
 * Converter adapters the Python worker knows (python/convgate_worker/adapters/__init__.py,
 * ADAPTERS; a test keeps the two lists equal). Checked at the edge so that a typo is bad input
 * (exit 2) rather than a worker that cannot start. The default depends on the stack
 * (src/run/stacks.ts).
 */
export const ADAPTERS = ['torch.onnx', 'torch.onnx.dynamo', 'onnx-version-converter'] as const;
export type AdapterName = (typeof ADAPTERS)[number];

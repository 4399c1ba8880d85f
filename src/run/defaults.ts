/**
 * Defaults of a run and a gate, written once. The CLI options, the Action's inputs (action.yml
 * repeats them for GitHub's UI; __tests__/action/inputs.test.ts checks that it says the same) and
 * the worker read them from here.
 */
export const RUN_DEFAULTS = {
  /** Time limit of one case's conversion or run, seconds. */
  timeoutS: 120,
  /** Resident memory of a converter worker's process tree, MiB. */
  memoryLimitMb: 6144,
  /** Confirmation re-runs of each regressing case on the candidate. */
  reruns: 2,
  /** The converter adapter when nothing names one (the Debian stack's: the TorchScript exporter). */
  adapter: 'torch.onnx',
} as const;

import type { ResultsDoc } from '../results/schema.js';

/**
 * Which converter stack made a results document: the torch release, the exporter and the
 * translation library (onnxscript) of its worker. Two results of different stacks answer a
 * different question ("what got worse from torch 1.13 to 2.13?", "from TorchScript to dynamo?"):
 * legitimate on purpose (`--across`), a mistake otherwise.
 */
export interface StackLabel {
  /** The named stack (modern, debian) or null for a --python build. */
  stack: string | null;
  torch: string | null;
  /** The exporter the adapter drove (e.g. "torchscript", "dynamo"). */
  exporter: string | null;
  adapter: string | null;
  onnxscript: string | null;
  onnx: string | null;
}

function str(v: unknown): string | null {
  return typeof v === 'string' && v.length > 0 ? v : null;
}

export function stackLabel(doc: Pick<ResultsDoc, 'environment' | 'settings'>): StackLabel {
  const env = doc.environment;
  const packages = (env.packages ?? {}) as Record<string, unknown>;
  return {
    stack: str(env.stack),
    torch: str(packages.torch) ?? str(env.torch),
    exporter: str(env.exporter),
    adapter: str(doc.settings.adapter),
    onnxscript: str(packages.onnxscript),
    onnx: str(packages.onnx) ?? str(env.onnx),
  };
}

/**
 * A torch version reduced to its release (major.minor.patch): a development or PR build of the
 * same release (`2.13.0a0+git1234`, `2.13.0+cpu`) is the same stack, another release is not.
 */
export function torchRelease(version: string | null): string | null {
  if (version === null) return null;
  const m = /^(\d+)\.(\d+)(?:\.(\d+))?/.exec(version.trim());
  return m ? `${m[1]}.${m[2]}.${m[3] ?? '0'}` : version;
}

/**
 * How two stacks differ in what makes them different stacks: the torch release or the exporter
 * (adapter). onnxscript and onnx versions are not stack differences: they are the converter build
 * a pull request changes, the very thing a gate compares.
 */
export function stackDifferences(baseline: StackLabel, candidate: StackLabel): string[] {
  const out: string[] = [];
  const tb = torchRelease(baseline.torch);
  const ta = torchRelease(candidate.torch);
  if (tb !== ta) out.push(`torch ${baseline.torch ?? 'none'} → ${candidate.torch ?? 'none'}`);
  const eb = baseline.adapter ?? baseline.exporter;
  const ea = candidate.adapter ?? candidate.exporter;
  if (eb !== ea) out.push(`exporter ${describeExporter(baseline)} → ${describeExporter(candidate)}`);
  return out;
}

export function describeExporter(s: StackLabel): string {
  const name = s.adapter ?? 'unknown adapter';
  return s.exporter && s.exporter !== name ? `${name} (${s.exporter})` : name;
}

/** One line naming a stack: torch, exporter, onnxscript (and the stack name when known). */
export function describeStack(s: StackLabel): string {
  return [
    `torch ${s.torch ?? 'none'}`,
    describeExporter(s),
    `onnxscript ${s.onnxscript ?? 'none'}`,
    ...(s.stack ? [`stack ${s.stack}`] : []),
  ].join(', ');
}

import { coverageOfOnnx, coverageOfSpecs, parseSpec, summarizeCoverage } from '../corpus/synthetic/index.js';
import type { CaseResult, CoverageSummary, RunCoverage } from '../results/schema.js';

export type { CoverageSummary, RunCoverage };

function onnxSummary(cases: CaseResult[]): CoverageSummary | null {
  const graphs = cases
    .filter((c) => c.opTypes)
    .map((c) => ({
      opTypes: c.opTypes!,
      opPairs: c.opPairs ?? [],
      dtypes: [
        ...c.settings.inputs.map((i) => i.dtype),
        ...c.outputs.flatMap((o) => (o.dtype ? [o.dtype] : [])),
      ],
      ranks: [
        ...c.settings.inputs.map((i) => i.shape.length),
        ...c.outputs.flatMap((o) => (o.shape ? [o.shape.length] : [])),
      ],
    }));
  return graphs.length ? { ...summarizeCoverage(coverageOfOnnx(graphs)), cases: graphs.length } : null;
}

/** Coverage of a run, for the synthetic and real parts separately. */
export function runCoverage(cases: CaseResult[]): RunCoverage {
  const specs = cases.flatMap((c) => {
    if (c.kind !== 'synthetic' || !c.spec) return [];
    try {
      return [parseSpec(c.spec)];
    } catch {
      return []; // a results file from another generator version: leave it out of coverage
    }
  });
  return {
    synthetic: specs.length ? { ...summarizeCoverage(coverageOfSpecs(specs)), cases: specs.length } : null,
    realOnnx: onnxSummary(cases.filter((c) => c.kind === 'real')),
    syntheticOnnx: onnxSummary(cases.filter((c) => c.kind === 'synthetic')),
  };
}

/** Hand-made results documents for the pure gate tests. */
import type { Outcome } from '../../src/results/outcome.js';
import type { CaseResult, ResultsDoc } from '../../src/results/schema.js';

export interface CaseOpts {
  maxAbsErr?: number | null;
  run?: number | null;
  export?: number | null;
  /** CPU times (ms) of export and run, when the case records them. */
  cpu?: { export?: number | null; run?: number | null };
  error?: CaseResult['error'];
  opTypes?: string[];
  family?: string;
  kind?: 'real' | 'synthetic';
}

export function caseResult(id: string, outcome: Outcome, o: CaseOpts = {}): CaseResult {
  const failedOutput = outcome === 'wrong-output';
  return {
    id,
    kind: o.kind ?? 'real',
    family: o.family ?? 'fam',
    outcome,
    settings: {
      seed: 0,
      opset: 14,
      dynamicAxes: null,
      constantFolding: true,
      atol: 1e-3,
      rtol: 1e-3,
      timeoutS: 60,
      inputs: [{ name: 'x', dtype: 'float32', shape: [2] }],
      inputSets: 1,
    },
    outputs:
      outcome === 'ok' || failedOutput
        ? [
            {
              name: 'output_0',
              maxAbsErr: o.maxAbsErr === undefined ? (failedOutput ? 0.5 : 1e-7) : o.maxAbsErr,
              maxRelErr: null,
              pass: !failedOutput,
            },
          ]
        : [],
    timingsMs: { export: o.export ?? 50, load: 5, run: o.run ?? 10 },
    ...(o.cpu ? { cpuMs: o.cpu } : {}),
    ...(o.error ? { error: o.error } : {}),
    ...(o.opTypes ? { opTypes: o.opTypes } : {}),
  };
}

export function resultsDoc(
  cases: CaseResult[],
  over: Omit<Partial<ResultsDoc>, 'settings'> & { settings?: Partial<ResultsDoc['settings']> } = {},
): ResultsDoc {
  const { settings, ...rest } = over;
  return {
    schemaVersion: 1,
    tool: { name: 'convgate', version: '0.1.0' },
    converter: { name: 'torch.onnx', version: '1.13.0' },
    environment: { onnxruntime: '1.30.0' },
    settings: {
      corpus: 'test',
      atol: 1e-3,
      rtol: 1e-3,
      opset: null,
      timeoutS: 60,
      jobs: 2,
      filter: null,
      adapter: 'torch.onnx',
      ...settings,
    },
    corpus: { name: 'test', hash: 'h1', cases: cases.length },
    startedAt: '2026-01-01T00:00:00.000Z',
    finishedAt: '2026-01-01T00:01:00.000Z',
    durationMs: 60000,
    complete: true,
    cases,
    ...rest,
  };
}

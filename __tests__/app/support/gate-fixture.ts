// A GateReport made the real way: a results.json from an actual `convgate run` of the fault
// corpus (candidate) diffed against a baseline derived from it, with diffResults.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { strToU8, zipSync } from 'fflate';
import { diffResults, finalizeVerdict } from '../../../src/gate/diff.js';
import type { GateReport } from '../../../src/gate/schema.js';
import { ResultsDoc } from '../../../src/results/schema.js';

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'fixtures', 'app');

export function candidateResults(): ResultsDoc {
  return ResultsDoc.parse(JSON.parse(readFileSync(path.join(FIXTURES, 'candidate.results.json'), 'utf8')));
}

/** Baseline: the three faults were fine before, tiny-mlp crashed, hang-on-export crashed outright. */
export function baselineResults(): ResultsDoc {
  const b = candidateResults();
  b.converter = { ...b.converter, version: `${b.converter.version}-base` };
  b.durationMs = Math.round(b.durationMs * 0.8);
  for (const c of b.cases) {
    if (['unexportable-fft', 'wrong-symbolic', 'invalid-transpose'].includes(c.id)) {
      c.outcome = 'ok';
      delete c.error;
      c.outputs = c.outputs.map((o) => ({
        ...o,
        pass: true,
        maxAbsErr: 1e-7,
        maxRelErr: 1e-6,
        mismatched: 0,
      }));
      if (!c.outputs.length) c.outputs = [{ name: 'output_0', maxAbsErr: 1e-7, maxRelErr: 1e-6, pass: true }];
    }
    if (c.id === 'tiny-mlp') {
      c.outcome = 'conversion-crash';
      c.error = { stage: 'export', type: 'RuntimeError', message: 'old exporter bug' };
      c.outputs = [];
    }
    if (c.id === 'hang-on-export') {
      c.outcome = 'conversion-crash';
      c.error = { stage: 'export', type: 'WorkerCrash', message: 'died' };
    }
  }
  return b;
}

/** 2 regressions, 1 flaky, 1 fix, changed/still failing cases, reference errors, coverage. */
export function gateReport(): GateReport {
  const report = diffResults(baselineResults(), candidateResults());
  const i = report.regressions.findIndex((c) => c.id === 'invalid-transpose');
  const [flaky] = report.regressions.splice(i, 1);
  report.flaky.push({ ...flaky, reruns: ['ok', 'ok'] });
  report.coverage = { opTypes: { before: 31, after: 33 }, families: 4 };
  return finalizeVerdict(report);
}

export function zipOf(files: Record<string, string | Uint8Array>): Uint8Array {
  return zipSync(
    Object.fromEntries(Object.entries(files).map(([k, v]) => [k, typeof v === 'string' ? strToU8(v) : v])),
  );
}

/** The artifact layout the Action uploads. */
export function gateZip(
  report: unknown = gateReport(),
  extra: Record<string, string | Uint8Array> = {},
): Uint8Array {
  return zipOf({
    'gate-report.json': JSON.stringify(report),
    'results.json': readFileSync(path.join(FIXTURES, 'candidate.results.json'), 'utf8'),
    'report.md': '# convgate report\n',
    ...extra,
  });
}

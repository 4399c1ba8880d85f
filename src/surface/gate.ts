import type { ResultsDoc } from '../results/schema.js';
import type { GateSurface } from './schema.js';
import { surfaceStatus } from './summary.js';

const MAX_UNCOVERED_PER_AREA = 40;

/** The gate's view of surface coverage: the candidate's, with the baseline's totals beside it. */
export function gateSurface(candidate: ResultsDoc, baseline?: ResultsDoc): GateSurface {
  const status = surfaceStatus(candidate);
  if (!status.measured) return { measured: false, reason: status.reason };
  const s = status.summary;
  const base = baseline ? surfaceStatus(baseline) : null;
  return {
    measured: true,
    exporter: s.exporter,
    unit: s.unit,
    registered: s.registered,
    covered: s.covered,
    coveredOk: s.coveredOk,
    reachable: s.reachable,
    ...(base?.measured && base.summary.exporter === s.exporter
      ? { before: { registered: base.summary.registered, covered: base.summary.covered } }
      : {}),
    areas: s.areas.map((a) => ({
      title: a.title,
      registered: a.registered,
      covered: a.covered,
      uncovered: a.uncovered.slice(0, MAX_UNCOVERED_PER_AREA),
      ...(a.unreachable ? { unreachable: true } : {}),
    })),
  };
}

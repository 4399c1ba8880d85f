import { isFailure } from '../results/outcome.js';
import type { ResultsDoc } from '../results/schema.js';
import { groupFindings } from './fingerprint.js';
import { suspiciousOperators } from './ochiai.js';
import { localizationSections } from './render.js';

/**
 * Localization sections of `convgate report` for a run made with --localize: failures grouped by
 * fingerprint and operators ranked by how strongly they go with the failing cases (vs ok ones).
 */
export function runLocalization(doc: ResultsDoc): string[] {
  const localized = doc.cases.filter((c) => c.localization);
  if (!localized.length) return [];
  const failing = new Set(doc.cases.filter((c) => isFailure(c.outcome)).map((c) => c.id));
  const rows = localized.map((c) => ({ id: c.id, loc: c.localization! }));
  const findings = groupFindings(
    localized.map((c) => ({
      id: c.id,
      fingerprint: c.localization!.fingerprint,
      ...(c.localization!.divergingNode ? { op: c.localization!.divergingNode.op } : {}),
    })),
  );
  return localizationSections({
    rows,
    findings,
    suspicious: suspiciousOperators(doc.cases, failing),
    failingWord: 'failures',
    heading: '###',
  });
}

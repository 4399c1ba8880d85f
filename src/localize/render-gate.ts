import type { GateReport } from '../gate/schema.js';
import { localizationSections } from './render.js';

/** Localization sections of the gate report (gate.md, job summary): after the regressions table. */
export function gateLocalization(r: GateReport, max = 50): string[] {
  const rows = r.regressions.flatMap((c) =>
    c.fingerprint
      ? [
          {
            id: c.id,
            loc: {
              fingerprint: c.fingerprint,
              ...(c.divergingNode ? { divergingNode: c.divergingNode } : {}),
              ...(c.minimal ? { minimal: c.minimal } : {}),
              ...(c.submodule ? { submodule: c.submodule } : {}),
              ...(c.repro ? { repro: c.repro } : {}),
            },
          },
        ]
      : [],
  );
  return localizationSections(
    {
      rows,
      ...(r.findings ? { findings: r.findings } : {}),
      ...(r.suspicious ? { suspicious: r.suspicious } : {}),
      failingWord: 'regressions',
      heading: '###',
    },
    max,
  );
}

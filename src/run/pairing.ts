import { DEFAULT_FRONTEND, pluginTable } from '../convert/plugins.js';
import { torchCaseAsOnnx } from '../corpus/derive.js';
import type { CaseDef } from '../corpus/schema.js';

/** The opset a torch case is exported at when the run's converter only takes ONNX models. */
export const DEFAULT_SOURCE_OPSET = 11;

/** A run whose converter cannot take some of its cases (or does not exist): refused before it starts. */
export class PairingError extends Error {}

/** Converters that take cases of `frontend` (directly, or torch cases as exported ONNX models). */
export function convertersFor(frontend: string): string[] {
  return Object.entries(pluginTable().converters)
    .filter(
      ([, c]) => c.frontends.includes(frontend) || (frontend === 'torch' && c.frontends.includes('onnx')),
    )
    .map(([name]) => name);
}

/**
 * The cases as the run's converter takes them. A torch case for a converter that takes ONNX
 * models but not torch ones becomes an `onnx` case (exported once at `sourceOpset`); any other
 * mismatch refuses the run with one line naming the converters that would take the case.
 */
export function casesForConverter(
  cases: CaseDef[],
  converter: string,
  sourceOpset: number = DEFAULT_SOURCE_OPSET,
): CaseDef[] {
  const table = pluginTable().converters;
  const entry = table[converter];
  if (!entry)
    throw new PairingError(
      `unknown converter ${JSON.stringify(converter)} (known: ${Object.keys(table).join(', ')})`,
    );
  const takes = entry.frontends;
  const refused = cases.filter((c) => !fits(c.frontend ?? DEFAULT_FRONTEND, takes));
  if (refused.length) {
    const frontend = refused[0].frontend ?? DEFAULT_FRONTEND;
    throw new PairingError(
      `converter ${converter} takes ${takes.join(' or ')} cases, but ${refused.length} of the ${cases.length} cases ` +
        `are ${frontend} cases (first: ${refused[0].id}); converters for ${frontend} cases: ${convertersFor(frontend).join(', ') || 'none'}`,
    );
  }
  return cases.map((c) =>
    takes.includes(c.frontend ?? DEFAULT_FRONTEND) ? c : torchCaseAsOnnx(c, sourceOpset),
  );
}

function fits(frontend: string, takes: string[]): boolean {
  return takes.includes(frontend) || (frontend === 'torch' && takes.includes('onnx'));
}

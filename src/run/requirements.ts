import semver from 'semver';

/**
 * What a case needs from the converter build (`requires` in cases.json): package → semver range,
 * checked against the versions the worker reports. Python versions follow PEP 440, not semver,
 * so they are normalised first: the release is padded or cut to three numbers, and pre-release,
 * post-release, dev and local labels are dropped (2.13.0+cpu → 2.13.0, 1.13.0a0 → 1.13.0,
 * 0.28.0+cu130 → 0.28.0, 2.4 → 2.4.0). A build of a release under development therefore
 * satisfies the ranges of that release.
 */
export type Requirements = Record<string, string>;

export function normaliseVersion(version: string): string | null {
  const m = /^\s*v?(?:\d+!)?(\d+(?:\.\d+)*)/.exec(version);
  if (!m) return null;
  const parts = m[1].split('.').map((x) => String(Number(x)));
  while (parts.length < 3) parts.push('0');
  const v = parts.slice(0, 3).join('.');
  return semver.valid(v);
}

/** A range a case may declare: any semver range ("*" = installed at all). */
export function isValidRange(range: string): boolean {
  return semver.validRange(range) !== null;
}

/**
 * The requirements a build does not meet, one human-readable line each ("transformers >=5:
 * not installed", "torch >=2.5: have 1.13.0a0"). Empty: the case can run.
 */
export function unmetRequirements(
  requires: Requirements | undefined,
  packages: Record<string, string | null | undefined>,
): string[] {
  const unmet: string[] = [];
  for (const [name, range] of Object.entries(requires ?? {})) {
    const have = packages[name];
    if (have === null || have === undefined) {
      unmet.push(`${name} ${range}: not installed`);
      continue;
    }
    const v = normaliseVersion(have);
    if (v === null || !semver.satisfies(v, range)) unmet.push(`${name} ${range}: have ${have}`);
  }
  return unmet;
}

import { percent, surfaceLine, type SurfaceStatus, type SurfaceSummary } from '../surface/summary.js';
import { escapeInline } from './escape.js';
import type { GateSurface } from '../surface/schema.js';

/** A function name from the converter build (untrusted) as inline code. */
function fn(name: string): string {
  return '`' + name.slice(0, 120).replace(/`/g, "'").replace(/\|/g, '\\|') + '`';
}

function nameList(names: readonly string[], max: number): string {
  const shown = names.slice(0, max).map(fn).join(' ');
  return names.length > max ? `${shown} … (+${names.length - max})` : shown;
}

/**
 * The "Converter surface" section of the run report and job summary: covered / registered, the
 * reachable ratio, and per area what ran and what did not (names of the uncovered functions).
 */
export function renderSurfaceSection(status: SurfaceStatus, opts: { maxNames?: number } = {}): string[] {
  const max = opts.maxNames ?? 40;
  if (!status.measured)
    return ['### Converter surface', '', `Not measured: ${escapeInline(status.reason, 300)}.`, ''];
  const s = status.summary;
  const L = [
    `### Converter surface: ${escapeInline(s.exporter, 60)} exporter`,
    '',
    `${surfaceLine({ ...s, unit: escapeInline(s.unit, 60) })} ran in ${s.cases} case(s); ${s.coveredOk} of them in cases that are ok` +
      ` · ${s.implementations.covered}/${s.implementations.registered} implementations (${percent(s.implementations.covered, s.implementations.registered)})` +
      ` · ${s.variants} distinct (function, input kinds) pairs.`,
    '',
    '| area | covered | uncovered |',
    '|---|---:|---|',
  ];
  for (const a of s.areas) {
    const why = a.unreachable ? ' (unreachable by design)' : '';
    L.push(
      `| ${a.title}${why} | ${a.covered}/${a.registered} | ${a.uncovered.length ? nameList(a.uncovered, max) : '—'} |`,
    );
  }
  L.push('');
  if (s.unregistered.length)
    L.push(
      `Dispatched but not registered (the converter has no translation for them): ${s.unregistered
        .slice(0, max)
        .map((u) => `${fn(u.name)} (${u.cases})`)
        .join(', ')}${s.unregistered.length > max ? ' …' : ''}.`,
      '',
    );
  return L;
}

/** One line for places with no room (the PR comment, the gate verdict). */
export function surfaceOneLiner(s: SurfaceSummary): string {
  return `${escapeInline(s.exporter, 60)} exporter: ${surfaceLine({ ...s, unit: escapeInline(s.unit, 60) })} ran`;
}

type MeasuredGateSurface = Extract<GateSurface, { measured: true }>;

/** "265/378 symbolic functions (70.1%)" for gate documents (unit escaped). */
export function gateSurfaceLine(g: MeasuredGateSurface): string {
  const reach =
    g.reachable.registered !== g.registered
      ? `; reachable ${g.reachable.covered}/${g.reachable.registered} (${percent(g.reachable.covered, g.reachable.registered)})`
      : '';
  const was =
    g.before && g.before.covered !== g.covered
      ? ` (baseline ${g.before.covered}/${g.before.registered})`
      : '';
  return `${g.covered}/${g.registered} ${escapeInline(g.unit, 60)}s of the ${escapeInline(g.exporter, 60)} exporter (${percent(g.covered, g.registered)})${reach}${was}`;
}

/**
 * The gate's surface section: for a pass, what the pass covers -- and what it cannot speak for
 * (functions no case ran), per area, folded.
 */
export function renderGateSurface(
  g: GateSurface,
  verdict: string,
  opts: { maxNames?: number } = {},
): string[] {
  if (!g.measured) return [`**Converter surface:** not measured (${escapeInline(g.reason, 200)}).`, ''];
  const max = opts.maxNames ?? 25;
  const uncovered = g.registered - g.covered;
  const head =
    verdict === 'pass'
      ? `**What this pass covers:** the corpus ran ${gateSurfaceLine(g)}; a regression in the other ${uncovered} cannot show up in this gate.`
      : `**Converter surface:** the candidate run ran ${gateSurfaceLine(g)}.`;
  const gaps = g.areas.filter((a) => a.uncovered.length);
  if (!gaps.length) return [head, ''];
  const rows = gaps.map(
    (a) =>
      `| ${escapeInline(a.title, 100)}${a.unreachable ? ' (unreachable by design)' : ''} | ${a.covered}/${a.registered} | ${nameList(a.uncovered, max)}${a.registered - a.covered > a.uncovered.length ? ' …' : ''} |`,
  );
  return [
    head,
    '',
    '<details><summary>Uncovered translation functions by area</summary>',
    '',
    '| area | covered | uncovered |',
    '|---|---:|---|',
    ...rows,
    '',
    '</details>',
    '',
  ];
}

import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { z } from 'zod';
import { WORKER_SCRIPT } from '../util/paths.js';

/**
 * What an interpreter has of each plugin (python/convgate_worker/listing.py, `worker.py --list`):
 * versions from package metadata, no plugin imported, and how to install what is missing.
 */
const Missing = z.object({ package: z.string(), install: z.string() });
const PluginState = z.object({
  versions: z.record(z.string(), z.string().nullable()),
  missing: z.array(Missing),
  ready: z.boolean(),
});
export const PluginListing = z.object({
  python: z.object({ executable: z.string(), version: z.string() }),
  frontends: z.record(z.string(), PluginState.extend({ source: z.string() })),
  converters: z.record(
    z.string(),
    PluginState.extend({
      takes: z.array(z.string()),
      converter: z.string(),
      env: z.record(z.string(), z.string()),
    }),
  ),
});
export type PluginListing = z.infer<typeof PluginListing>;

export class ListingError extends Error {}

export async function listPlugins(
  python: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<PluginListing> {
  let stdout: string;
  try {
    ({ stdout } = await promisify(execFile)(python, [WORKER_SCRIPT, '--list'], { env, timeout: 60_000 }));
  } catch (e) {
    const err = e as { code?: string; stderr?: string; message: string };
    const why =
      err.code === 'ENOENT' ? 'not found' : (err.stderr ?? err.message).trim().split('\n').slice(-1)[0];
    throw new ListingError(`cannot ask ${python} about its plugins: ${why}`);
  }
  return PluginListing.parse(JSON.parse(stdout));
}

function versions(v: Record<string, string | null>): string {
  const have = Object.entries(v).filter(([, x]) => x !== null);
  return have.length ? have.map(([k, x]) => `${k} ${x}`).join(', ') : '—';
}

function status(s: { missing: { package: string; install: string }[] }, extra = ''): string {
  if (!s.missing.length) return `ready${extra}`;
  return `missing ${s.missing.map((m) => m.package).join(', ')}: ${s.missing[0].install}`;
}

/** Plain-text tables of one interpreter's converters and frontends (`convgate converters`). */
export function renderListing(title: string, l: PluginListing, defaultConverter: string | null): string {
  const rows = (header: string[], body: string[][]) => {
    const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => r[i].length)));
    const line = (r: string[]) =>
      r
        .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i])))
        .join('  ')
        .trimEnd();
    return [line(header), ...body.map(line)].join('\n');
  };
  const converters = Object.entries(l.converters).map(([name, c]) => [
    name,
    c.takes.join(', ') +
      (c.takes.includes('onnx') && !c.takes.includes('torch') ? ' (torch cases via --source-opset)' : ''),
    versions(c.versions),
    status(
      c,
      (name === defaultConverter ? ' (default)' : '') + (name === 'command' ? ' with --convert-cmd' : ''),
    ),
  ]);
  const frontends = Object.entries(l.frontends).map(([name, f]) => [name, versions(f.versions), status(f)]);
  return [
    `${title} — ${l.python.executable} (Python ${l.python.version})`,
    '',
    rows(['converter', 'takes', 'versions', 'status'], converters),
    '',
    rows(['frontend', 'versions', 'status'], frontends),
  ].join('\n');
}

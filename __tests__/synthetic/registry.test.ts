/**
 * One registry entry per synthetic operator on each side, and nothing kept by hand beside them: the
 * generator's `OpDef`s (src/corpus/synthetic/ops/*.ts) and the interpreter's `op()` entries
 * (python/convgate_worker/synthetic*.py) name the same kinds, the multi-call kinds the same calls,
 * and docs/synthetic-spec.md holds the tables the registry gives.
 */
import { describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import prettier from 'prettier';
import { OPERATORS } from '../../src/corpus/synthetic/index.js';
import {
  LIBRARIES,
  operatorTable,
  spliceOperatorTables,
  tableMarkers,
  type Library,
} from '../../src/corpus/synthetic/docs-table.js';
import { DIRECT_CALLS } from '../../src/corpus/synthetic/ops/ext-misc.js';
import { PACKAGE_ROOT } from '../../src/util/paths.js';
import { PYTHON } from '../helpers.js';

const DOC = path.join(PACKAGE_ROOT, 'docs', 'synthetic-spec.md');

interface InterpreterRegistry {
  kinds: Record<string, { params: boolean; module: boolean }>;
  direct: string[];
}

function interpreterRegistry(): InterpreterRegistry {
  const code = [
    'import json',
    'from convgate_worker import synthetic, synthetic_ext',
    'kinds = {k: {"params": o.params is not None, "module": o.module is not None} for k, o in synthetic.OPERATORS.items()}',
    'print(json.dumps({"kinds": kinds, "direct": sorted(synthetic_ext.DIRECT_CALLS)}))',
  ].join('\n');
  const r = spawnSync(PYTHON, ['-c', code], { cwd: path.join(PACKAGE_ROOT, 'python'), encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${PYTHON}: ${r.stderr}`);
  return JSON.parse(r.stdout) as InterpreterRegistry;
}

describe('the synthetic operator registry', () => {
  it('the generator and the interpreter register the same kinds, each once', () => {
    const py = interpreterRegistry();
    const ts = OPERATORS.map((o) => o.kind);
    expect(new Set(ts).size).toBe(ts.length);
    expect(Object.keys(py.kinds).sort()).toEqual([...ts].sort());
    // Module operators own their weights through the module; the rest own at most parameters.
    expect(Object.keys(py.kinds).filter((k) => py.kinds[k]!.module)).toEqual(['rnn', 'mha']);
    expect(py.kinds['conv2d']).toEqual({ params: true, module: false });
    expect(py.direct).toEqual([...DIRECT_CALLS].sort());
  });

  it('docs/synthetic-spec.md holds the tables the registry gives (npm run docs:operators writes them)', async () => {
    const doc = readFileSync(DOC, 'utf8');
    const config = (await prettier.resolveConfig(DOC)) ?? {};
    const tables = {} as Record<Library, string>;
    for (const library of LIBRARIES)
      tables[library] = await prettier.format(operatorTable(library), { ...config, parser: 'markdown' });
    expect(spliceOperatorTables(doc, tables)).toBe(doc);
    // Every kind appears in exactly one table: its library's.
    for (const op of OPERATORS) {
      const [open, close] = tableMarkers(op.library === 'extended' ? 'extended' : 'core');
      const table = doc.slice(doc.indexOf(open), doc.indexOf(close));
      expect(table).toContain(`\`${op.kind}\``);
    }
  });

  it('a table that disagrees with the registry is told apart', async () => {
    const doc = readFileSync(DOC, 'utf8');
    const tables = { core: operatorTable('core'), extended: operatorTable('extended') };
    const edited = doc.replace('| `abs`', '| `absolute`');
    expect(edited).not.toBe(doc);
    expect(spliceOperatorTables(edited, tables)).not.toContain('`absolute`');
    expect(() => spliceOperatorTables('no markers', tables)).toThrow(/no "<!-- operators:core/);
  });
});

// Writes the operator tables of docs/synthetic-spec.md from the operator registry
// (src/corpus/synthetic/docs-table.ts), formatted by prettier: `npm run docs:operators`.
// __tests__/synthetic/registry.test.ts checks that the document holds exactly this.
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import prettier from 'prettier';
import { LIBRARIES, operatorTable, spliceOperatorTables } from '../build/corpus/synthetic/docs-table.js';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const file = path.join(root, 'docs', 'synthetic-spec.md');
const config = (await prettier.resolveConfig(file)) ?? {};
const tables = {};
for (const library of LIBRARIES)
  tables[library] = await prettier.format(operatorTable(library), { ...config, parser: 'markdown' });
const doc = await readFile(file, 'utf8');
const out = spliceOperatorTables(doc, tables);
await writeFile(file, out);
console.log(out === doc ? `${file}: up to date` : `${file}: operator tables rewritten`);

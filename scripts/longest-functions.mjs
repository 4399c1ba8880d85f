#!/usr/bin/env node
// The longest function of each folder of src/ (lines from its first to its last line), measured
// with the TypeScript compiler's parser: `node scripts/longest-functions.mjs [SRC_DIR] [--top N]`.
// Prints one row per folder, longest first; --top N also lists the N longest functions overall.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

const args = process.argv.slice(2);
const topAt = args.indexOf('--top');
const top = topAt >= 0 ? Number(args[topAt + 1]) : 0;
const root = args.find((a, i) => !a.startsWith('--') && (topAt < 0 || i !== topAt + 1)) ?? 'src';

function* tsFiles(dir) {
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) yield* tsFiles(p);
    else if (p.endsWith('.ts') && !p.endsWith('.d.ts') && !p.endsWith('.generated.ts')) yield p;
  }
}

function nameOf(node, sf) {
  if (node.name) return node.name.getText(sf);
  const parent = node.parent;
  if (parent && ts.isVariableDeclaration(parent)) return parent.name.getText(sf);
  if (parent && ts.isPropertyAssignment(parent)) return parent.name.getText(sf);
  return '(anonymous)';
}

const functions = [];
for (const file of tsFiles(root)) {
  const sf = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const visit = (node) => {
    if (ts.isFunctionLike(node) && node.body) {
      const start = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line;
      const end = sf.getLineAndCharacterOfPosition(node.getEnd()).line;
      const rel = path.relative(root, file);
      functions.push({
        folder: rel.includes(path.sep) ? rel.split(path.sep)[0] : '.',
        file: rel,
        name: nameOf(node, sf),
        lines: end - start + 1,
      });
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
}

const byFolder = new Map();
for (const f of functions)
  if (!byFolder.has(f.folder) || byFolder.get(f.folder).lines < f.lines) byFolder.set(f.folder, f);
const rows = [...byFolder.values()].sort((a, b) => b.lines - a.lines || a.folder.localeCompare(b.folder));
console.log('| folder | longest function | lines | functions > 80 lines |');
console.log('|---|---|---:|---:|');
for (const r of rows) {
  const over = functions.filter((f) => f.folder === r.folder && f.lines > 80).length;
  console.log(`| ${r.folder} | ${r.file}: ${r.name} | ${r.lines} | ${over} |`);
}
console.log(
  `\n${functions.length} functions; ${functions.filter((f) => f.lines > 80).length} longer than 80 lines.`,
);
if (top > 0) {
  console.log('');
  for (const f of [...functions].sort((a, b) => b.lines - a.lines).slice(0, top))
    console.log(`${f.lines}\t${f.file}: ${f.name}`);
}

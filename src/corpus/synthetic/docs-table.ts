/**
 * The operator tables of docs/synthetic-spec.md, made from the operator registry (one `OpDef` per
 * kind): nobody keeps them by hand. `npm run docs:operators` writes them (formatted by prettier);
 * __tests__/synthetic/registry.test.ts fails when the document and the registry disagree.
 */
import { OPERATORS } from './operators.js';
import type { OpDef } from './types.js';

export type Library = 'core' | 'extended';

export const LIBRARIES: readonly Library[] = ['core', 'extended'];

/** The comments around each generated table in the document. */
export function tableMarkers(library: Library): [string, string] {
  return [
    `<!-- operators:${library} (generated from src/corpus/synthetic/ops: npm run docs:operators) -->`,
    `<!-- /operators:${library} -->`,
  ];
}

export function libraryOf(op: OpDef): Library {
  return op.library === 'extended' ? 'extended' : 'core';
}

/** A table cell: pipes and double underscores escaped (`__lshift__` is not bold). */
function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/__/g, '\\_\\_');
}

/** What an operator does, as the table says it: its doc line and the packages it needs. */
export function operatorWhat(op: OpDef): string {
  const needs = op.requires
    ? ` (needs ${Object.entries(op.requires)
        .map(([pkg, range]) => `${pkg} ${range}`)
        .join(', ')})`
    : '';
  return op.doc + needs;
}

/** The markdown of one library's table (before formatting), led by its kind count. */
export function operatorTable(library: Library): string {
  const ops = OPERATORS.filter((op) => libraryOf(op) === library);
  const lead =
    library === 'core'
      ? `${ops.length} kinds. \`min opset\` is the smallest opset at which the generator uses the kind (torch.onnx support).`
      : `${ops.length} kinds, each with the smallest opset at which the generator uses it.`;
  const rows = ops.map(
    (op) => `| ${op.group} | \`${op.kind}\` | ${op.minOpset} | ${cell(operatorWhat(op))} |`,
  );
  return [
    lead,
    '',
    '| group | kind | min opset | what it calls |',
    '| --- | --- | --- | --- |',
    ...rows,
    '',
  ].join('\n');
}

/** `doc` with the text between each library's markers replaced by `tables[library]`. */
export function spliceOperatorTables(doc: string, tables: Record<Library, string>): string {
  let out = doc;
  for (const library of LIBRARIES) {
    const [open, close] = tableMarkers(library);
    const start = out.indexOf(open);
    const end = out.indexOf(close);
    if (start < 0 || end < start)
      throw new Error(
        `docs/synthetic-spec.md: no "${open}" … "${close}" around the ${library} operator table`,
      );
    out = `${out.slice(0, start + open.length)}\n\n${tables[library].trim()}\n\n${out.slice(end)}`;
  }
  return out;
}

/**
 * Failure fingerprints: one normalised line per failure, so cases broken by one bug group into
 * one finding. Crashes: outcome, stage, error type and the first line of the message without
 * numbers, paths, quoted names, node names, addresses and the TorchScript graph an exporter error
 * prints. Wrong outputs — and crashes the probe explains by a wrong value upstream — the op type
 * of the diverging node, the op sequence it may come from, and how the value differs (values,
 * shape, dtype) — never the case's own tensor names or sizes.
 */
import { createHash } from 'node:crypto';
import type { CaseResult } from '../results/schema.js';
import type { DivergingNode, Finding, Fingerprint } from './schema.js';

/** The first non-empty line of an error message, normalised. */
export function normalizeMessage(message: string): string {
  const line = message.split('\n').find((l) => l.trim()) ?? '';
  return (
    line
      // The TorchScript exporter's context: "[Caused by the value 'w defined in (<graph dump>…"
      // (torch.onnx.errors.SymbolicValueError) names the case's own values and prints its graph.
      .replace(/\s*\[Caused by the value .*$/, '')
      // Node names where messages name nodes (ONNX Runtime, the checker).
      .replace(/\b(node|Node) \([^)]*\)/g, '$1 (<node>)')
      .replace(/Name: ?'[^']*'/g, "Name:'<node>'")
      .replace(/Name: \S+/g, 'Name: <node>')
      // Paths convgate already made machine-independent (<case>/model.onnx, <site-packages>/torch/…).
      .replace(/(?:<(?:case|out|site-packages|convgate|python)>|~)(?:\/[\w.@+-]+)*(?::\d+)?/g, '<path>')
      // Paths (absolute or ./relative), with optional :line.
      .replace(/(?:[A-Za-z]:)?(?:\/[\w.@+-]+){2,}(?::\d+)?/g, '<path>')
      .replace(/0x[0-9a-fA-F]+/g, '<addr>')
      // Node names as the exporters write them: /scope/Op_3, node_Op_12, onnx::Op_12.
      .replace(/(?<![\w/])\/(?:[\w.]+\/)*[\w.]+(?=[^\w/]|$)/g, '<node>')
      .replace(/\bnode_[A-Za-z]+(?:_\d+)+\b/g, '<node>')
      .replace(/\b(onnx|aten|prim)::([A-Za-z]+)_\d+\b/g, '$1::$2')
      // Quoted identifiers with digits (value names, file names) lose the digits; numbers go.
      .replace(/[-+]?\b\d+(?:\.\d+)?(?:e[-+]?\d+)?\b/gi, 'N')
      // Lists of numbers (shapes, perms) lose their length too: the rank is the case's, not the bug's.
      .replace(/N(?:\s*,\s*N)+/g, 'N…')
      .replace(/\s+/g, ' ')
      .trim()
      .slice(0, 240)
  );
}

function difference(node: DivergingNode | undefined, c: Pick<CaseResult, 'outputs'>): string {
  const note = `${node?.note ?? ''} ${c.outputs.find((o) => !o.pass)?.reason ?? ''}`;
  if (/dtype/.test(note)) return 'dtype';
  if (/shape/.test(note)) return 'shape';
  if (/NaN|infinite/.test(note)) return 'non-finite';
  return 'values';
}

function hash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 12);
}

/** The fingerprint of a failing (or drifting) case. */
export function fingerprintOf(
  c: Pick<CaseResult, 'outcome' | 'error' | 'outputs'>,
  node?: DivergingNode,
  drift = false,
): Fingerprint {
  let text: string;
  // A crash the probe explains by a wrong value upstream (a permute with the wrong order makes a
  // later Mul reject its shapes) is that wrong value: grouped with the wrong outputs it causes.
  const upstream = c.outcome !== 'wrong-output' && !drift && node?.via === 'values';
  if (c.outcome === 'wrong-output' || drift || upstream) {
    const kind = drift ? 'precision-drift' : 'wrong-output';
    const where = node
      ? node.function
        ? `${node.op} in ${node.function}`
        : `${node.op}${node.ops?.length ? ` [${node.ops.slice(0, 8).join(' ')}]` : ''}`
      : 'not localized';
    text = `${kind} | ${where} | ${difference(node, c)}`;
  } else if (c.error) {
    text = `${c.outcome} | ${c.error.stage} | ${c.error.type} | ${normalizeMessage(c.error.message)}`;
  } else {
    text = c.outcome;
  }
  return { id: hash(text), text };
}

/** Cases grouped by fingerprint, largest group first (ties: first case id). */
export function groupFindings(cases: { id: string; fingerprint: Fingerprint; op?: string }[]): Finding[] {
  const groups = new Map<string, Finding>();
  for (const c of cases) {
    const g = groups.get(c.fingerprint.id) ?? { fingerprint: c.fingerprint, cases: [] };
    g.cases.push(c.id);
    if (c.op && !g.op) g.op = c.op;
    groups.set(c.fingerprint.id, g);
  }
  return [...groups.values()].sort(
    (a, b) => b.cases.length - a.cases.length || a.cases[0].localeCompare(b.cases[0]),
  );
}

/**
 * The node or operator a crash names: ONNX Runtime's load/run errors and the ONNX checker name
 * the node (`Node (/enc/Transpose) Op (Transpose)`, `running Reshape node. Name:'/Reshape'`,
 * `Name: /ln/LayerNormalization OpType: LayerNormalization`); the exporter names the aten operator
 * (`Exporting the operator 'aten::tile'`) or fails inside a symbolic function (traceback:
 * `…/torch/onnx/symbolic_opset9.py:2410 in embedding`). Pure; the graph (probe.json) adds the
 * module path of a named node when there is one.
 */
import type { CaseError } from '../results/schema.js';
import type { ProbeSummary } from './probe-summary.js';
import type { DivergingNode } from './schema.js';

const NODE_PATTERNS: { re: RegExp; node: number; op?: number }[] = [
  { re: /Node \(([^)]+)\) Op \(([\w:.]+)\)/, node: 1, op: 2 },
  { re: /running (\w+) node\. Name:'([^']+)'/, node: 2, op: 1 },
  { re: /Name: (\S+) OpType: ([\w:.]+)/, node: 1, op: 2 },
  { re: /of operator \(([\w:.]+)\) in node \(([^)]+)\)/, node: 2, op: 1 },
  { re: /Optype \(([\w:.]+)\)[^\n]*in node \(([^)]+)\)/, node: 2, op: 1 },
  { re: /in node \(([^)]+)\)/, node: 1 },
];

/** The exporter's scope naming (`/enc/layers.1/attn/MatMul_2`) as a module path guess. */
export function moduleOfNodeName(name: string): string | null {
  if (!name.startsWith('/')) return null;
  const parts = name.split('/').slice(1, -1);
  return parts.length ? parts.join('.') : '';
}

/** The symbolic function or exporter step an export traceback ends in (innermost torch/onnx frame). */
export function exporterStep(traceback: readonly string[] | undefined): string | undefined {
  for (const frame of [...(traceback ?? [])].reverse()) {
    const m = /[/\\]torch[/\\]onnx[/\\](?:_internal[/\\])?([\w/\\]+)\.py:\d+ in (\w+)/.exec(frame);
    if (m) return `${m[1].replace(/[/\\]/g, '.')}.${m[2]}`;
  }
  return undefined;
}

export function divergingNodeFromError(error: CaseError, graph?: ProbeSummary | null): DivergingNode | null {
  const message = error.message;
  if (error.node) {
    const step = exporterStep(error.traceback);
    const known = graph?.modules.find((m) => m.path === error.node!.module)?.type;
    const moduleType = known ?? error.node.moduleType;
    return {
      node: null,
      op: error.node.op,
      module: error.node.module ?? null,
      ...(moduleType ? { moduleType } : {}),
      via: 'error',
      ...(step ? { step } : {}),
    };
  }
  for (const p of NODE_PATTERNS) {
    const m = p.re.exec(message);
    if (!m) continue;
    const node = m[p.node];
    const found = graph?.graph?.nodes.find((n) => n.name === node);
    const op = (p.op ? m[p.op] : undefined) ?? found?.op;
    if (!op) continue;
    const innermost = found?.scopes?.length ? found.scopes[found.scopes.length - 1][0] : undefined;
    const module = innermost ?? (found ? '' : moduleOfNodeName(node));
    const moduleType = module ? graph?.modules.find((x) => x.path === module)?.type : undefined;
    return {
      node,
      op,
      module: module === '' ? null : module,
      ...(moduleType ? { moduleType } : {}),
      via: 'error',
      ...(found?.source && Object.keys(found.source).length ? { source: found.source } : {}),
    };
  }
  const aten = /operator '((?:aten|prim|onnx)::[\w.]+)'/.exec(message)?.[1];
  const step = exporterStep(error.traceback);
  if (aten || step) {
    const fromStep =
      step && /^symbolic_opset\d+\.|^symbolic_helper\./.test(step) ? step.split('.').pop() : undefined;
    return {
      node: null,
      op: aten ?? (fromStep ? `aten::${fromStep}` : step!),
      module: null,
      via: aten ? 'error' : 'traceback',
      ...(step ? { step } : {}),
    };
  }
  return null;
}

/** The operator library: every operator kind with its shape/dtype rule (`infer`) in one place. */
import { REGISTRY } from './ops/common.js';
import './ops/elementwise.js';
import './ops/nn.js';
import './ops/reduce.js';
import './ops/movement.js';
import './ops/ext-elementwise.js';
import './ops/ext-linalg.js';
import './ops/ext-movement.js';
import './ops/ext-nn.js';
import './ops/ext-misc.js';
import type { OpDef } from './types.js';

/** All operator kinds, in registration order. */
export const OPERATORS: readonly OpDef[] = REGISTRY;

const BY_KIND = new Map(REGISTRY.map((op) => [op.kind, op]));

export function getOperator(kind: string): OpDef {
  const op = BY_KIND.get(kind);
  if (!op) throw new Error(`unknown synthetic operator kind '${kind}'`);
  return op;
}

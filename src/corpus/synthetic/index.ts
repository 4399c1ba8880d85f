/**
 * convgate's synthetic model generator (NNSmith-style): an operator library with a shape/dtype
 * rule per operator kind, a seeded deterministic graph generator, the JSON spec format the Python
 * worker interprets (python/convgate_worker/synthetic.py), and coverage computation.
 * See docs/synthetic-spec.md.
 */
export { OPERATORS, getOperator } from './operators.js';
export { generateSpec, DEFAULT_OPSETS, type GeneratorOptions } from './generator.js';
export {
  generateCases,
  specToCase,
  caseById,
  caseId,
  parseCaseId,
  parseSpec,
  specOfCase,
  SYNTHETIC_FAMILY,
  type GenerateCasesOptions,
} from './cases.js';
export { SyntheticSpec, SpecInput, SpecNode, SpecTensor, SPEC_VERSION } from './spec.js';
export {
  coverageOfSpecs,
  coverageOfOnnx,
  summarizeCoverage,
  PAIR_SEPARATOR,
  type Coverage,
  type OnnxGraphSummary,
} from './coverage.js';
export {
  ShapeError,
  SYN_DTYPES,
  type OpDef,
  type OpGroup,
  type SynDType,
  type TType,
  type Attrs,
} from './types.js';
export { resultType, promoteTypes } from './dtype.js';
export {
  KNOWN_ISSUES,
  DEFAULT_KNOWN_ISSUE_POLICY,
  matchKnownIssues,
  type KnownIssue,
  type KnownIssueKind,
  type KnownIssuePolicy,
  type History,
} from './known-issues.js';
export { Rng, hashInts } from './rng.js';

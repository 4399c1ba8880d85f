// The three label fields of the triage taxonomy (docs/taxonomy.md, "Issue taxonomy"),
// after the seed paper (Jajal et al., ISSTA 2024).

export const SYMPTOMS = [
  'crash',
  'wrong-model',
  'build-failure',
  'bad-performance',
  'hang',
  'unreported',
] as const;
export const CAUSES = [
  'incompatibility',
  'type-problem',
  'shape-problem',
  'algorithmic-error',
  'api-misuse',
  'other',
] as const;
export const COMPONENTS = [
  'node-conversion',
  'graph-optimization',
  'tracer',
  'validation',
  'serialization',
  'unknown',
] as const;

export type Symptom = (typeof SYMPTOMS)[number];
export type Cause = (typeof CAUSES)[number];
export type Component = (typeof COMPONENTS)[number];

export const FIELDS = ['symptom', 'cause', 'component'] as const;
export type Field = (typeof FIELDS)[number];

export interface FieldLabel {
  symptom: Symptom;
  cause: Cause;
  component: Component;
}

/** Label values of each field, in a fixed order (the order of model weight rows). */
export const LABELS_OF: { readonly [F in Field]: readonly FieldLabel[F][] } = {
  symptom: SYMPTOMS,
  cause: CAUSES,
  component: COMPONENTS,
};

/** A labeled issue as the trainer sees it: what the app sees plus the human labels. */
export interface LabeledIssue {
  id: string;
  title: string;
  body: string;
  labels: FieldLabel;
  /**
   * Near-duplicate reports share a group (the id of the issue they are tied to); folds keep a
   * group together so an issue never straddles training and test. Default: the issue's id.
   */
  group?: string;
  /** Which labelled set the issue comes from (e.g. the paper's dev split or an own file). */
  source?: string;
}

/** The fold unit of an issue: its group, else its id. */
export const groupOf = (e: Pick<LabeledIssue, 'id' | 'group'>): string => e.group ?? e.id;

// Sheet values of the paper's artifact -> convgate names (data README, "Mapping").
const SYMPTOM_FROM_SHEET: Record<string, Symptom> = {
  Crash: 'crash',
  'Wrong Code': 'wrong-model',
  Unreported: 'unreported',
  'Build Failure': 'build-failure',
  'Bad Performance': 'bad-performance',
  Hang: 'hang',
};
const CAUSE_FROM_SHEET: Record<string, Cause> = {
  Incompatability: 'incompatibility',
  Incompatibility: 'incompatibility',
  'Type Problem': 'type-problem',
  'Shape Problem': 'shape-problem',
  'Algorithmic Error': 'algorithmic-error',
  'API Misuse': 'api-misuse',
  Others: 'other',
  Testing: 'other',
  Typo: 'other',
  'Incorrect Exception Handling': 'other',
  'Incorrect Assignment': 'other',
  Misconfiguration: 'other',
};
const COMPONENT_FROM_SHEET: Record<string, Component> = {
  'Node Transformation': 'node-conversion',
  'Graph Optimization': 'graph-optimization',
  Tracer: 'tracer',
  Validation: 'validation',
  Protobuf: 'serialization',
  'Not Dis.': 'unknown',
};

function fromSheet<T extends string>(
  table: Record<string, T>,
  own: readonly T[],
  value: string,
): T | undefined {
  // Accept convgate names as well, so hand-made labeled files need no sheet strings.
  if ((own as readonly string[]).includes(value)) return value as T;
  return table[value.trim()];
}

export const symptomFromSheet = (v: string): Symptom | undefined =>
  fromSheet(SYMPTOM_FROM_SHEET, SYMPTOMS, v);
export const causeFromSheet = (v: string): Cause | undefined => fromSheet(CAUSE_FROM_SHEET, CAUSES, v);
export const componentFromSheet = (v: string): Component | undefined =>
  fromSheet(COMPONENT_FROM_SHEET, COMPONENTS, v);

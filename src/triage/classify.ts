// Classification with evidence: scores each field, then explains the winning label by the
// features that pushed it above the runner-up.

import { extractOf, featureValues, type Extracted, type FeatureValues, type IssueText } from './features.js';
import { FIELDS, type Cause, type Component, type Field, type Symptom } from './labels.js';
import { scoreField, type TriageModel } from './model.js';
import { SIGNAL_BY_ID, STAGE_FEATURE_PREFIX, STAGE_FIELDS, stageFeature } from './signals.js';

export interface FieldVerdict<L extends string> {
  label: L;
  /** Calibrated probability that `label` is right. */
  confidence: number;
  /** Why: matched phrases and learned cues, strongest first. */
  evidence: string[];
  /** The second most probable label and its probability (how close the call was). */
  runnerUp: { label: L; probability: number };
  /** Evidence with its weight: logits each cue added to `label` over the runner-up. */
  contributions: { evidence: string; logit: number }[];
}

export interface Triage {
  symptom: FieldVerdict<Symptom>;
  cause: FieldVerdict<Cause>;
  component: FieldVerdict<Component>;
}

const MAX_EVIDENCE = 5;
/** Contributions smaller than this (in logits) do not count as evidence. */
const MIN_CONTRIBUTION = 0.3;

function describeFeature(name: string, ex: Extracted, x: FeatureValues): string {
  if (name.startsWith(STAGE_FEATURE_PREFIX)) {
    const [field, label] = name.slice(STAGE_FEATURE_PREFIX.length).split('=');
    return `predicted ${field === 'component' ? 'stage' : field} ${label} (${Math.round(100 * (x.get(name) ?? 0))}%)`;
  }
  if (name.startsWith('sig:')) {
    const id = name.slice(4);
    const meaning = SIGNAL_BY_ID.get(id)?.meaning ?? id;
    const snippet = ex.signals.get(id);
    return snippet ? `${meaning}: "${snippet}"` : meaning;
  }
  if (name.startsWith('exc:')) return `exception ${name.slice(4)}`;
  if (name.startsWith('w:')) return `word "${name.slice(2)}"`;
  if (name.startsWith('b:')) return `words "${name.slice(2)}"`;
  return name;
}

function verdict(
  model: TriageModel,
  field: Field,
  x: FeatureValues,
  ex: Extracted,
): { verdict: FieldVerdict<string>; probabilities: number[] } {
  const fm = model.fields[field];
  const scores = scoreField(fm, x);
  const order = scores.probabilities
    .map((_, i) => i)
    .sort((a, b) => scores.probabilities[b] - scores.probabilities[a]);
  const [best, second] = order;
  const contributions: { name: string; amount: number }[] = [];
  for (const [name, value] of x) {
    const w = fm.weights[name];
    if (!w) continue;
    const amount = value * (w[best] - w[second]);
    if (amount >= MIN_CONTRIBUTION) contributions.push({ name, amount });
  }
  contributions.sort((a, b) => b.amount - a.amount || (a.name < b.name ? -1 : 1));
  const top = contributions.slice(0, MAX_EVIDENCE).map((c) => ({
    evidence: describeFeature(c.name, ex, x),
    logit: Math.round(c.amount * 100) / 100,
  }));
  const evidence = top.map((c) => c.evidence);
  if (evidence.length === 0) evidence.push('no specific cue: the usual label for issues like this');
  if (ex.truncated) evidence.push('(body truncated to its head and tail)');
  const round = (p: number): number => Math.round(p * 1000) / 1000;
  return {
    verdict: {
      label: fm.labels[best],
      confidence: round(scores.probabilities[best]),
      evidence,
      runnerUp: { label: fm.labels[second], probability: round(scores.probabilities[second]) },
      contributions: top,
    },
    probabilities: scores.probabilities,
  };
}

// Vocabulary sets built once per model object, not per issue.
const vocabularyCache = new WeakMap<TriageModel, ReadonlySet<string>>();
function vocabularyOf(model: TriageModel): ReadonlySet<string> {
  let set = vocabularyCache.get(model);
  if (!set) {
    set = new Set(model.vocabulary);
    vocabularyCache.set(model, set);
  }
  return set;
}

/** Classifies one issue with a given model (the default model: see index.ts). */
export function classifyWith(model: TriageModel, issue: IssueText): Triage {
  const ex = extractOf(issue, model.vocabulary.length > 0);
  const x = featureValues(ex, vocabularyOf(model), model.bowScale);
  const out = {} as Record<Field, FieldVerdict<string>>;
  // A cause model trained with `stageFeatures` also reads the calibrated probabilities of the
  // symptom and stage labels (signals.ts, "root cause given the other two fields"); models
  // without `stage:` weights ignore them.
  const causeX: FeatureValues = new Map(x);
  for (const f of STAGE_FIELDS) {
    const { verdict: v, probabilities } = verdict(model, f, x, ex);
    out[f] = v;
    model.fields[f].labels.forEach((l, k) => causeX.set(stageFeature(f, l), probabilities[k]));
  }
  out.cause = verdict(model, 'cause', causeX, ex).verdict;
  return Object.fromEntries(FIELDS.map((f) => [f, out[f]])) as unknown as Triage;
}

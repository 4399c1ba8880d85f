// Pure decision of which triage labels to add to (or take off) an issue. Humans win:
// - a field that already carries one of its labels is left alone (whoever put it there);
// - a label someone other than this app removed is never added again;
// - the only label ever removed is `needs-triage`, and only when this app added it.

import type { Triage } from '../triage/index.js';
import { CAUSES, COMPONENTS, FIELDS, SYMPTOMS, type Field } from '../triage/labels.js';
import { NEEDS_TRIAGE_DESCRIPTION, isApplied, labelDescription as description } from '../triage/policy.js';
import { labelNameFor, thresholdFor, type AppConfig } from './config.js';
import { isSelf, type Actor, type AppIdentity } from './identity.js';

export interface LabelSpec {
  name: string;
  color: string;
  description: string;
}

export type FieldDecision =
  | { field: Field; status: 'already-labeled'; labels: string[] }
  | { field: Field; status: 'apply'; label: string; confidence: number; evidence: string[] }
  | { field: Field; status: 'uncertain'; value: string; confidence: number; threshold: number }
  | { field: Field; status: 'removed-by-someone'; label: string; confidence: number };

export interface LabelHistory {
  /** Lower-cased names of labels someone other than this app took off the issue. */
  removedByOthers: Set<string>;
  /** Lower-cased names of labels whose latest `labeled` event was made by this app. */
  addedBySelf: Set<string>;
}

export interface LabelPlan {
  add: LabelSpec[];
  remove: string[];
  fields: FieldDecision[];
}

/** An issue event as listed by GET /repos/{owner}/{repo}/issues/{n}/events (the fields used). */
export interface IssueEventLike {
  event: string;
  label?: { name?: string | null } | null;
  actor?: Actor | null;
  performed_via_github_app?: { id?: number | null } | null;
}

const VALUES: Record<Field, readonly string[]> = { symptom: SYMPTOMS, cause: CAUSES, component: COMPONENTS };

/** Reads removal memory from the issue's events (oldest first, as the API lists them). */
export function labelHistory(events: readonly IssueEventLike[], identity: AppIdentity): LabelHistory {
  const removedByOthers = new Set<string>();
  const lastLabeledBySelf = new Map<string, boolean>();
  for (const e of events) {
    const name = e.label?.name?.toLowerCase();
    if (!name) continue;
    const self = isSelf(e.actor, e.performed_via_github_app, identity);
    if (e.event === 'unlabeled' && !self) removedByOthers.add(name);
    if (e.event === 'labeled') lastLabeledBySelf.set(name, self);
  }
  const addedBySelf = new Set([...lastLabeledBySelf].filter(([, self]) => self).map(([name]) => name));
  return { removedByOthers, addedBySelf };
}

export function planLabels(
  triage: Triage,
  config: AppConfig,
  currentLabels: readonly string[],
  history: LabelHistory,
): LabelPlan {
  const current = new Set(currentLabels.map((l) => l.toLowerCase()));
  const fields: FieldDecision[] = [];
  const add: LabelSpec[] = [];
  for (const field of FIELDS) {
    const names = VALUES[field].map((v) => labelNameFor(config, field, v));
    const present = names.filter((n) => current.has(n.toLowerCase()));
    if (present.length) {
      fields.push({ field, status: 'already-labeled', labels: present });
      continue;
    }
    const verdict = triage[field];
    const threshold = thresholdFor(config, field);
    if (!isApplied(verdict, threshold)) {
      fields.push({
        field,
        status: 'uncertain',
        value: verdict.label,
        confidence: verdict.confidence,
        threshold,
      });
      continue;
    }
    const name = labelNameFor(config, field, verdict.label);
    if (history.removedByOthers.has(name.toLowerCase())) {
      fields.push({ field, status: 'removed-by-someone', label: name, confidence: verdict.confidence });
      continue;
    }
    fields.push({
      field,
      status: 'apply',
      label: name,
      confidence: verdict.confidence,
      evidence: verdict.evidence,
    });
    add.push({ name, color: config.labels[field].color, description: description(field, verdict.label) });
  }

  const remove: string[] = [];
  const needsTriage = config.labels.needsTriage;
  const key = needsTriage.toLowerCase();
  const open = fields.some((f) => f.status === 'uncertain' || f.status === 'removed-by-someone');
  if (open && !current.has(key) && !history.removedByOthers.has(key)) {
    add.push({
      name: needsTriage,
      color: config.labels.needsTriageColor,
      description: NEEDS_TRIAGE_DESCRIPTION,
    });
  } else if (!open && current.has(key) && history.addedBySelf.has(key)) {
    remove.push(needsTriage);
  }
  return { add, remove, fields };
}

// `.github/convgate.yml`: the per-repository configuration of the app, parsed once per event
// with zod. Unknown keys are errors (a typo must not silently switch a feature back to default).

import { clipChars } from '../util/text.js';
import { z } from 'zod';
// The taxonomy and the labelling policy only (not the model): see triage/index.ts for the public entry.
import { CAUSES, COMPONENTS, SYMPTOMS, type Field } from '../triage/labels.js';
import {
  FIELD_THRESHOLDS,
  LABEL_COLOR,
  LABEL_PREFIX,
  MAX_LABEL_NAME,
  NEEDS_TRIAGE_COLOR,
  NEEDS_TRIAGE_LABEL,
} from '../triage/policy.js';

/** File name inside `.github/` (read from the default branch by Probot's config loader). */
export const CONFIG_FILE = 'convgate.yml';
export const CONFIG_PATH = `.github/${CONFIG_FILE}`;

const LabelName = z
  .string()
  .trim()
  .min(1, 'a label name cannot be empty')
  .max(MAX_LABEL_NAME, `GitHub label names have at most ${MAX_LABEL_NAME} characters`);

const Color = z
  .string()
  .regex(/^#?[0-9a-fA-F]{6}$/, 'a colour is six hex digits, e.g. "d73a4a"')
  .transform((c) => c.replace(/^#/, '').toLowerCase());

const Threshold = z
  .number()
  .min(0, 'a threshold is between 0 and 1')
  .max(1, 'a threshold is between 0 and 1');

const FIELD_VALUES: Record<Field, readonly string[]> = {
  symptom: SYMPTOMS,
  cause: CAUSES,
  component: COMPONENTS,
};

function fieldConfig(field: Field, prefix = LABEL_PREFIX[field], color = LABEL_COLOR[field]) {
  const values = FIELD_VALUES[field];
  return z
    .strictObject({
      /** Label name = prefix + value (e.g. "symptom: wrong-model"), unless `names` says otherwise. */
      prefix: z
        .string()
        .max(MAX_LABEL_NAME - 5)
        .default(prefix),
      color: Color.default(color),
      threshold: Threshold.optional(),
      /** Full label names for some values, e.g. `{ wrong-model: "bug: silent wrong model" }`. */
      names: z
        .record(z.string(), LabelName)
        .default({})
        .superRefine((names, ctx) => {
          for (const key of Object.keys(names)) {
            if (!values.includes(key)) {
              ctx.addIssue({
                code: 'custom',
                path: [key],
                message: `"${key}" is not a ${field} value (one of: ${values.join(', ')})`,
              });
            }
          }
        }),
    })
    .prefault({});
}

export const AppConfig = z.strictObject({
  /** The PR comment built from the gate workflow's artifact. */
  comment: z
    .strictObject({
      enabled: z.boolean().default(true),
      /**
       * Which workflow counts as the gate: its file name under .github/workflows (e.g.
       * "convgate.yml") or its `name:`. Runs of other workflows are ignored.
       */
      workflows: z
        .array(z.string().trim().min(1))
        .min(1, 'name at least one gate workflow')
        .default(['convgate.yml']),
      /** Regression rows shown before the rest is folded away. */
      maxRows: z.number().int().min(1).max(200).default(25),
    })
    .prefault({}),
  /** Issue labels from the triage classifier. */
  labels: z
    .strictObject({
      enabled: z.boolean().default(true),
      /** Confidence at or above which a label is applied (per-field `threshold` wins). */
      threshold: Threshold.optional(),
      needsTriage: LabelName.default(NEEDS_TRIAGE_LABEL),
      needsTriageColor: Color.default(NEEDS_TRIAGE_COLOR),
      /** Post a short comment saying which labels were applied and why (off by default). */
      comment: z.boolean().default(false),
      /** Leave issues opened by bots (dependency dashboards, …) alone. */
      skipBots: z.boolean().default(true),
      symptom: fieldConfig('symptom'),
      cause: fieldConfig('cause'),
      component: fieldConfig('component'),
    })
    .prefault({}),
});
export type AppConfig = z.infer<typeof AppConfig>;

export type ConfigResult = { ok: true; config: AppConfig } | { ok: false; problems: string[] };

/** Validates the parsed YAML (null when the repository has no config file: all defaults). */
export function parseAppConfig(raw: unknown): ConfigResult {
  const parsed = AppConfig.safeParse(raw ?? {});
  if (parsed.success) return { ok: true, config: parsed.data };
  return {
    ok: false,
    problems: parsed.error.issues.map(
      (i) => `${i.path.length ? i.path.join('.') : '(top level)'}: ${i.message}`,
    ),
  };
}

/** The confidence a field's label needs: the field's own, else the global one, else triage's policy. */
export function thresholdFor(config: AppConfig, field: Field): number {
  return config.labels[field].threshold ?? config.labels.threshold ?? FIELD_THRESHOLDS[field];
}

/** The label name for one classifier value, e.g. ("component", "node-conversion") → "stage: node-conversion". */
export function labelNameFor(config: AppConfig, field: Field, value: string): string {
  const f = config.labels[field];
  return clipChars(f.names[value] ?? `${f.prefix}${value}`, MAX_LABEL_NAME);
}

/** Does a workflow run belong to the gate, by file name (path basename) or by workflow name? */
export function isGateWorkflow(
  config: AppConfig,
  run: { path?: string | null; name?: string | null },
): boolean {
  const file = run.path ? run.path.split('@')[0].split('/').pop() : undefined;
  return config.comment.workflows.some((w) => w === file || w === run.name || w === run.path);
}

// Placeholder until train-default.ts runs.
import type { TriageModel } from './model.js';
import { rulesOnlyModel } from './train.js';

export const DEFAULT_MODEL: TriageModel = rulesOnlyModel();

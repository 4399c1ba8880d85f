// The one place that says what the gate workflow uploads and the app downloads.
// The Action (src/action) must upload an artifact with this name, with these files at its root.

export const GATE_ARTIFACT = {
  /** `name:` of the uploaded artifact (actions/upload-artifact or @actions/artifact). */
  name: 'convgate-gate',
  /** Files at the root of the artifact. Only `gateReport` is read by the app. */
  files: {
    /** GateReport (src/gate/schema.ts): the verdict document the PR comment is rendered from. */
    gateReport: 'gate-report.json',
    /** Candidate ResultsDoc (src/results/schema.ts). */
    results: 'results.json',
    /** The Action's markdown summary; never rendered by the app (it re-renders from JSON). */
    report: 'report.md',
  },
} as const;

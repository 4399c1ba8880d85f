#!/usr/bin/env node
// Round 4 (docs/triage.md, "the description-only ceiling"): writes a label-free copy of a labelled
// JSONL file — id, title and the description exactly as the classifier and the App see it (the
// body cut at the first `--- comment ---` line, then to its head and tail) — so a person can label
// the issues from what the App sees, without the labels in view. The output holds issue text: keep
// it outside the repository's tracked files (e.g. out/, which is git-ignored).
//
//   npm run build && node scripts/triage-blind.mjs LABELED.jsonl OUT.jsonl
import { readFileSync, writeFileSync } from 'node:fs';
import { boundedDescriptionOf } from '../build/triage/text.js';

const [input, output] = process.argv.slice(2);
if (!input || !output) {
  console.error('usage: node scripts/triage-blind.mjs LABELED.jsonl OUT.jsonl');
  process.exit(2);
}
const rows = readFileSync(input, 'utf8')
  .split('\n')
  .filter((line) => line.trim() !== '')
  .map((line, i) => {
    let r;
    try {
      r = JSON.parse(line);
    } catch (e) {
      throw new Error(`${input}:${i + 1}: not valid JSON (${e.message})`);
    }
    if (typeof r.id !== 'string' || r.id === '')
      throw new Error(`${input}:${i + 1}: field 'id': expected a non-empty string`);
    // Only these three fields leave this script: no label, no url, no later comment.
    return { id: r.id, title: r.title ?? '', description: boundedDescriptionOf(r.body ?? '') };
  });
writeFileSync(output, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
console.log(`${rows.length} issues written to ${output} (id, title, description only)`);

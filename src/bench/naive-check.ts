/**
 * Benchmark baseline, second half: one Node process running ONNX Runtime on every converted
 * case one after the other (same check code as convgate's ORT workers, no isolation).
 * usage: node build/bench/naive-check.js CONVERTED.jsonl   (lines {id, caseDir, model, tensors})
 */
import { readFile } from 'node:fs/promises';
import { checkModel } from '../check/ort-check.js';

const lines = (await readFile(process.argv[2], 'utf8')).trim().split('\n').filter(Boolean);
const counts: Record<string, number> = {};
for (const line of lines) {
  const c = JSON.parse(line) as { id: string; caseDir: string; model: string; tensors: string };
  const r = await checkModel({
    type: 'check',
    id: c.id,
    caseDir: c.caseDir,
    model: c.model,
    tensors: c.tensors,
    tolerance: { atol: 1e-3, rtol: 1e-3 },
  });
  counts[r.outcome] = (counts[r.outcome] ?? 0) + 1;
}
process.stdout.write(JSON.stringify(counts) + '\n');

import { readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Command } from 'commander';
import { readResultsDoc, ResultsError } from '../results/writer.js';
import { renderRunReport } from '../report/markdown.js';
import { GateReport } from '../gate/schema.js';
import { GATE_JSON } from '../gate/gate.js';
import { renderGateReport } from '../gate/render.js';
import { gateView, runView, type ReportView } from '../report/view/model.js';
import { renderHtml } from '../report/view/html.js';
import type { ResultsDoc } from '../results/schema.js';
import type { CliIo } from './io.js';

type Loaded =
  | { kind: 'run'; doc: ResultsDoc }
  | { kind: 'gate'; report: GateReport; candidate: ResultsDoc | null; baseline: ResultsDoc | null };

async function isDir(p: string): Promise<boolean> {
  return (await stat(p).catch(() => null))?.isDirectory() ?? false;
}

async function readGate(file: string): Promise<GateReport> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, 'utf8'));
  } catch (e) {
    throw new ResultsError(`${file}: cannot read the gate report: ${(e as Error).message}`);
  }
  const parsed = GateReport.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ResultsError(
      `${file}: not a convgate gate report: ${issue.path.join('.') || '(root)'}: ${issue.message}`,
    );
  }
  return parsed.data;
}

/** A results folder / results.json, or a gate folder / gate.json (with its sides' results). */
async function load(target: string): Promise<Loaded> {
  const gateFile =
    path.basename(target) === GATE_JSON
      ? target
      : (await isDir(target)) && (await stat(path.join(target, GATE_JSON)).catch(() => null))
        ? path.join(target, GATE_JSON)
        : null;
  if (!gateFile) return { kind: 'run', doc: await readResultsDoc(target) };
  const dir = path.dirname(gateFile);
  const side = (name: string) => readResultsDoc(path.join(dir, name)).catch(() => null);
  return {
    kind: 'gate',
    report: await readGate(gateFile),
    candidate: await side('candidate'),
    baseline: await side('baseline'),
  };
}

function viewOf(l: Loaded): ReportView {
  return l.kind === 'run' ? runView(l.doc) : gateView(l.report, l);
}

export function reportCommand(io: CliIo): Command {
  return new Command('report')
    .description(
      'print the markdown summary of a results folder (or results.json) or a gate folder (or gate.json)',
    )
    .argument('<dir>', 'results folder, results.json, gate folder or gate.json')
    .option('--json', 'print the validated results document instead', false)
    .option('--html <file>', 'also write the self-contained HTML report (with plots) to this file')
    .action(async (dir: string, flags: { json: boolean; html?: string }) => {
      try {
        const loaded = await load(dir);
        const doc = loaded.kind === 'run' ? loaded.doc : loaded.report;
        const markdown =
          loaded.kind === 'run' ? renderRunReport(loaded.doc) : renderGateReport(loaded.report);
        io.stdout(flags.json ? JSON.stringify(doc, null, 1) + '\n' : markdown + '\n');
        if (flags.html) {
          await writeFile(flags.html, renderHtml(viewOf(loaded)));
          io.stderr(`convgate report: wrote ${flags.html}\n`);
        }
        io.exitCode = 0;
      } catch (e) {
        if (!(e instanceof ResultsError)) throw e;
        io.stderr(`convgate report: ${e.message}\n`);
        io.exitCode = 2;
      }
    });
}

import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import {
  OPERATORS,
  caseId,
  generateSpec,
  specToCase,
  type GeneratorOptions,
} from '../corpus/synthetic/index.js';
import {
  CorpusError,
  DEFAULT_SYNTHETIC_COUNT,
  DEFAULT_SYNTHETIC_SEED,
  bundledCorpusFile,
} from '../corpus/load.js';
import { CorpusFile, type CaseDef } from '../corpus/schema.js';
import { emptyReach, learnReach, ReachMap } from '../corpus/extra/reach.js';
import { gapsOf, proposeCandidates } from '../corpus/extra/propose.js';
import { EXTRA_FAMILY, extraCases, selectCandidates } from '../corpus/extra/select.js';
import { readResultsDoc } from '../results/writer.js';
import type { ResultsDoc } from '../results/schema.js';
import { collect, nonNegativeInt, positiveInt } from './options.js';
import type { CliIo } from './io.js';

interface GenerateFlags {
  out?: string;
  count: number;
  seed: number;
  library: 'core' | 'full';
  ops?: string;
  nodes?: [number, number];
  target?: 'uncovered';
  results: string[];
  candidates: string[];
  keep: boolean;
  into: string;
  reach?: string;
  perVariant: number;
  budget: number;
}

const EXTRA_DIR = path.dirname(bundledCorpusFile('synthetic-extra')!);

function nodesRange(value: string): [number, number] {
  const m = /^(\d+)(?:-(\d+))?$/.exec(value);
  const lo = m ? Number(m[1]) : NaN;
  const hi = m ? Number(m[2] ?? m[1]) : NaN;
  if (!m || lo < 1 || hi < lo)
    throw new InvalidArgumentError(`--nodes must look like 3 or 1-4, got ${JSON.stringify(value)}`);
  return [lo, hi];
}

/**
 * `convgate generate`: synthetic specs without running them; with `--target uncovered`, a
 * candidate corpus for what given results miss; with `--keep`, the candidates that add coverage
 * join corpus/synthetic-extra (docs/coverage.md, "Growing the corpus").
 */
export function generateCommand(io: CliIo): Command {
  return new Command('generate')
    .description(
      'write synthetic graph specs without running them; --target uncovered / --keep grow corpus/synthetic-extra (docs/coverage.md)',
    )
    .option(
      '--out <dir>',
      'folder for syn-<seed>-<index>.json files (with --target: for cases.json and targets.json)',
    )
    .option('--count <n>', 'how many', positiveInt('--count'), DEFAULT_SYNTHETIC_COUNT)
    .option('--seed <n>', 'generator seed', nonNegativeInt('--seed'), DEFAULT_SYNTHETIC_SEED)
    .option(
      '--library <name>',
      "operator library: core (the default corpus') | full (core + extended)",
      'core',
    )
    .option('--ops <kinds>', 'only these operator kinds (comma-separated)')
    .option('--nodes <n|a-b>', 'nodes per graph', nodesRange)
    .option(
      '--target <what>',
      'uncovered: propose cases for the translation functions --results leave uncovered',
    )
    .option('--results <file>', 'results.json of a run (repeatable: one per exporter)', collect, [])
    .option(
      '--keep',
      'add the candidates (--candidates results) that add coverage over --results to --into',
      false,
    )
    .option(
      '--candidates <file>',
      'results.json of a candidate run (repeatable: one per exporter)',
      collect,
      [],
    )
    .option('--into <dir>', 'the extra corpus folder', EXTRA_DIR)
    .option('--reach <file>', 'what the generator learned (default: <into>/reach.json)')
    .option(
      '--per-variant <n>',
      'candidate graphs per targeted operator variant',
      positiveInt('--per-variant'),
      3,
    )
    .option('--budget <n>', 'candidates at most', positiveInt('--budget'), 400)
    .action(async (flags: GenerateFlags) => {
      try {
        io.exitCode = flags.keep
          ? await keep(flags, io)
          : flags.target
            ? await target(flags, io)
            : await plain(flags, io);
      } catch (e) {
        if (e instanceof CorpusError || e instanceof InvalidArgumentError) {
          io.stderr(`convgate generate: ${e.message}\n`);
          io.exitCode = 2;
          return;
        }
        throw e;
      }
    });
}

function generatorOptions(flags: GenerateFlags): GeneratorOptions {
  if (flags.library !== 'core' && flags.library !== 'full')
    throw new InvalidArgumentError(`--library must be core or full, got ${JSON.stringify(flags.library)}`);
  const ops = flags.ops
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const known = new Set(OPERATORS.map((o) => o.kind));
  for (const op of ops ?? [])
    if (!known.has(op)) throw new InvalidArgumentError(`--ops: unknown operator kind ${JSON.stringify(op)}`);
  return {
    library: flags.library,
    ...(ops?.length ? { ops } : {}),
    ...(flags.nodes ? { minNodes: flags.nodes[0], maxNodes: flags.nodes[1] } : {}),
  };
}

async function plain(flags: GenerateFlags, io: CliIo): Promise<number> {
  if (!flags.out) throw new InvalidArgumentError('--out is required');
  const options = generatorOptions(flags);
  await mkdir(flags.out, { recursive: true });
  for (let i = 0; i < flags.count; i++) {
    const spec = generateSpec(flags.seed, i, options);
    await writeFile(
      path.join(flags.out, `${caseId(flags.seed, i)}.json`),
      JSON.stringify(spec, null, 1) + '\n',
    );
  }
  io.stderr(`wrote ${flags.count} spec(s) to ${flags.out}\n`);
  return 0;
}

async function readDocs(files: readonly string[], what: string): Promise<ResultsDoc[]> {
  if (!files.length) throw new InvalidArgumentError(`${what}: give at least one results.json`);
  const docs: ResultsDoc[] = [];
  for (const f of files) {
    try {
      docs.push(await readResultsDoc(f));
    } catch (e) {
      throw new CorpusError(`${what} ${f}: ${(e as Error).message}`);
    }
  }
  return docs;
}

async function readReach(file: string): Promise<ReachMap> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return emptyReach();
  }
  const parsed = ReachMap.safeParse(JSON.parse(text));
  if (!parsed.success) throw new CorpusError(`${file}: not a reach map: ${parsed.error.issues[0]?.message}`);
  return parsed.data;
}

function corpusJson(name: string, description: string, cases: CaseDef[]): string {
  return JSON.stringify({ name, description, cases }, null, 1) + '\n';
}

async function target(flags: GenerateFlags, io: CliIo): Promise<number> {
  if (flags.target !== 'uncovered')
    throw new InvalidArgumentError(`--target must be uncovered, got ${JSON.stringify(flags.target)}`);
  if (!flags.out) throw new InvalidArgumentError('--out is required');
  const docs = await readDocs(flags.results, '--results');
  const gaps = gapsOf(docs);
  if (!gaps.length) throw new CorpusError('--results: none of these runs measured the converter surface');
  // What the given runs show counts too (their synthetic cases reached what they reached).
  const reach = learnReach(await readReach(flags.reach ?? path.join(flags.into, 'reach.json')), docs);
  const p = proposeCandidates({
    gaps,
    reach,
    seed: flags.seed,
    perVariant: flags.perVariant,
    budget: flags.budget,
  });
  await mkdir(flags.out, { recursive: true });
  await writeFile(
    path.join(flags.out, 'cases.json'),
    corpusJson(
      'coverage-candidates',
      'Candidates for uncovered translation functions (convgate generate --target uncovered).',
      p.cases,
    ),
  );
  await writeFile(path.join(flags.out, 'targets.json'), JSON.stringify(p.targets, null, 1) + '\n');
  for (const g of gaps) io.stderr(`${g.exporter}: ${g.uncovered.length} reachable function(s) uncovered\n`);
  io.stderr(
    `wrote ${p.cases.length} candidate case(s) to ${path.join(flags.out, 'cases.json')}; run them on each stack, then: convgate generate --keep --results … --candidates …\n`,
  );
  return 0;
}

async function keep(flags: GenerateFlags, io: CliIo): Promise<number> {
  const baselines = await readDocs(flags.results, '--results');
  const candidates = await readDocs(flags.candidates, '--candidates');
  const reachFile = flags.reach ?? path.join(flags.into, 'reach.json');
  const reach = learnReach(await readReach(reachFile), candidates);
  const extraFile = path.join(flags.into, 'cases.json');
  let existing: CaseDef[] = [];
  try {
    existing = CorpusFile.parse(JSON.parse(await readFile(extraFile, 'utf8'))).cases as CaseDef[];
  } catch {
    existing = [];
  }
  const chosen = selectCandidates(baselines, candidates);
  const start = existing.reduce((m, c) => Math.max(m, Number(/^extra-(\d+)$/.exec(c.id)?.[1] ?? -1) + 1), 0);
  const added = extraCases(chosen, { seed: 9000 + start, start });
  await mkdir(flags.into, { recursive: true });
  await writeFile(
    extraFile,
    corpusJson(
      EXTRA_FAMILY,
      'Generated graphs kept because they reach translation functions the rest of the default corpus misses (convgate generate --target uncovered / --keep; docs/coverage.md). Deterministic specs: the worker interprets them like any synthetic case.',
      [...existing, ...added],
    ),
  );
  await writeFile(reachFile, JSON.stringify(reach, null, 1) + '\n');
  for (const c of chosen)
    io.stderr(
      `${c.id}: +${c.adds.length} (${c.adds.slice(0, 6).join(', ')}${c.adds.length > 6 ? ', …' : ''})${c.okEverywhere ? '' : ` [ok on: ${c.okOn.join(', ') || 'none'}]`}\n`,
    );
  io.stderr(
    `kept ${chosen.length} candidate(s) as ${added.length} extra case(s) in ${extraFile}; learned from ${candidates.length} run(s) into ${reachFile}\n`,
  );
  return 0;
}

void specToCase;

import { appendFile, mkdir, readFile, rename, truncate, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { CaseResult, ResultsDoc } from './schema.js';

export const RESULTS_JSONL = 'results.jsonl';
export const RESULTS_JSON = 'results.json';

/** Streams case results to <out>/results.jsonl as they finish: a crash of the run loses nothing. */
export class ResultsStream {
  private chain: Promise<void> = Promise.resolve();

  constructor(readonly file: string) {}

  static async open(outDir: string, append: boolean): Promise<ResultsStream> {
    await mkdir(outDir, { recursive: true });
    const file = path.join(outDir, RESULTS_JSONL);
    if (!append) await writeFile(file, '');
    else await dropTornTail(file);
    return new ResultsStream(file);
  }

  write(result: CaseResult): Promise<void> {
    // Serialised appends: lines never interleave.
    this.chain = this.chain.then(() => appendFile(this.file, JSON.stringify(result) + '\n'));
    return this.chain;
  }

  flush(): Promise<void> {
    return this.chain;
  }
}

/**
 * Cuts an unfinished last line (a run killed mid-write) off a results.jsonl, so that the next
 * appended line starts on a line of its own instead of being glued to the fragment.
 */
async function dropTornTail(file: string): Promise<void> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch {
    return;
  }
  if (bytes.length === 0 || bytes[bytes.length - 1] === 0x0a) return;
  await truncate(file, bytes.lastIndexOf(0x0a) + 1);
}

/** Reads a results.jsonl; a torn last line (interrupted run) is skipped. */
export async function readResultsJsonl(file: string): Promise<CaseResult[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return [];
  }
  const out: CaseResult[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      const parsed = CaseResult.safeParse(JSON.parse(line));
      if (parsed.success) out.push(parsed.data);
    } catch {
      // torn line
    }
  }
  return out;
}

export async function writeResultsDoc(outDir: string, doc: ResultsDoc): Promise<string> {
  const file = path.join(outDir, RESULTS_JSON);
  await writeFile(file + '.tmp', JSON.stringify(doc, null, 1) + '\n');
  await rename(file + '.tmp', file);
  return file;
}

export class ResultsError extends Error {}

/** Reads and validates a results.json (or a directory holding one). */
export async function readResultsDoc(fileOrDir: string): Promise<ResultsDoc> {
  let file = fileOrDir;
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EISDIR') {
      file = path.join(fileOrDir, RESULTS_JSON);
      try {
        text = await readFile(file, 'utf8');
      } catch (e2) {
        throw new ResultsError(`${file}: cannot read results: ${(e2 as Error).message}`);
      }
    } else {
      throw new ResultsError(`${file}: cannot read results: ${(e as Error).message}`);
    }
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new ResultsError(`${file}: not JSON: ${(e as Error).message}`);
  }
  const parsed = ResultsDoc.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ResultsError(
      `${file}: not a convgate results document: ${issue.path.join('.') || '(root)'}: ${issue.message}`,
    );
  }
  return parsed.data;
}

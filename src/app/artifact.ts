// Downloads the gate artifact of a workflow run through the REST API and turns it into a
// validated GateReport, or into the reason it cannot be used. Everything in it is untrusted.

import type { ProbotOctokit } from 'probot';
import { GateReport } from '../gate/schema.js';
import { GATE_ARTIFACT } from '../gate/artifact-layout.js';
import { DEFAULT_ZIP_LIMITS, listZipEntries, readZipEntry, ZipRejected, type ZipLimits } from './zip.js';
import { httpStatus } from './http-status.js';

export interface RunRef {
  owner: string;
  repo: string;
  runId: number;
}

export type GateArtifact =
  { ok: true; report: GateReport; artifactId: number } | { ok: false; problem: string; artifactId?: number };

/** The artifact is not usable (as opposed to GitHub being unreachable, which throws). */
class Unusable extends Error {}

/** Reads a response body of unknown form (web stream, Node stream, buffer) with a hard size cap. */
export async function readCapped(data: unknown, max: number): Promise<Uint8Array> {
  const tooBig = () => new Unusable(`the artifact archive is larger than ${max} bytes`);
  if (data instanceof ArrayBuffer) {
    if (data.byteLength > max) throw tooBig();
    return new Uint8Array(data);
  }
  if (data instanceof Uint8Array) {
    if (data.byteLength > max) throw tooBig();
    return data;
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  const push = (chunk: unknown) => {
    const c = typeof chunk === 'string' ? new TextEncoder().encode(chunk) : (chunk as Uint8Array);
    size += c.byteLength;
    if (size > max) throw tooBig();
    chunks.push(c);
  };
  if (data && typeof (data as ReadableStream).getReader === 'function') {
    const reader = (data as ReadableStream<Uint8Array>).getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        push(value);
      }
    } catch (error) {
      await reader.cancel().catch(() => undefined);
      throw error;
    }
  } else if (data && typeof (data as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function') {
    for await (const chunk of data as AsyncIterable<unknown>) push(chunk);
  } else {
    throw new Unusable('the artifact download returned no body');
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

/** Parses and validates the GateReport inside the archive bytes. */
export function gateReportFromZip(bytes: Uint8Array, limits: ZipLimits = DEFAULT_ZIP_LIMITS): GateReport {
  const entries = listZipEntries(bytes, limits);
  const entry = entries.find((e) => e.name === GATE_ARTIFACT.files.gateReport);
  if (!entry) throw new Unusable(`the artifact has no ${GATE_ARTIFACT.files.gateReport} at its root`);
  const data = readZipEntry(bytes, entry, limits);
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(data));
  } catch (error) {
    throw new Unusable(
      `${GATE_ARTIFACT.files.gateReport} is not valid UTF-8 JSON (${(error as Error).message})`,
    );
  }
  const parsed = GateReport.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues
      .slice(0, 5)
      .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new Unusable(
      `${GATE_ARTIFACT.files.gateReport} does not match the GateReport schema: ${issues.join('; ')}`,
    );
  }
  return parsed.data;
}

/**
 * Finds the run's gate artifact, downloads it (size-capped) and validates it. Problems with the
 * artifact itself come back as `{ ok: false }`; GitHub server errors and network failures throw
 * (the delivery then fails and can be redelivered).
 */
export async function fetchGateArtifact(
  octokit: ProbotOctokit,
  ref: RunRef,
  limits: ZipLimits = DEFAULT_ZIP_LIMITS,
): Promise<GateArtifact> {
  const { owner, repo, runId } = ref;
  const listed = await octokit.rest.actions.listWorkflowRunArtifacts({
    owner,
    repo,
    run_id: runId,
    name: GATE_ARTIFACT.name,
    per_page: 100,
  });
  const artifact = listed.data.artifacts.find((a) => a.name === GATE_ARTIFACT.name && !a.expired);
  if (!artifact) {
    const expired = listed.data.artifacts.some((a) => a.name === GATE_ARTIFACT.name);
    return {
      ok: false,
      problem: expired
        ? `the artifact "${GATE_ARTIFACT.name}" has expired`
        : `the run uploaded no artifact named "${GATE_ARTIFACT.name}"`,
    };
  }
  const artifactId = artifact.id;
  if (artifact.size_in_bytes > limits.maxZipBytes) {
    return {
      ok: false,
      artifactId,
      problem: `the artifact is ${artifact.size_in_bytes} bytes, over the limit of ${limits.maxZipBytes}`,
    };
  }
  try {
    const response = await octokit.rest.actions.downloadArtifact({
      owner,
      repo,
      artifact_id: artifactId,
      archive_format: 'zip',
      request: { parseSuccessResponseBody: false },
    });
    const bytes = await readCapped(response.data, limits.maxZipBytes);
    return { ok: true, report: gateReportFromZip(bytes, limits), artifactId };
  } catch (error) {
    if (error instanceof Unusable || error instanceof ZipRejected) {
      return { ok: false, artifactId, problem: error.message };
    }
    const status = httpStatus(error);
    if (status !== undefined && status >= 400 && status < 500) {
      return { ok: false, artifactId, problem: `downloading the artifact failed with HTTP ${status}` };
    }
    throw error;
  }
}

import type { CaseResult } from '../results/schema.js';
import type { RunSurface, SurfaceRecorder, WorkerSurface } from './schema.js';

/**
 * Gathers surface coverage during a run: each reply's calls go on its case result; the registry
 * (sent once per worker, identical for every worker of one converter build) becomes the run's.
 */
export class SurfaceCollector {
  private registered: RunSurface['registered'] = null;
  private registeredError: string | undefined;

  constructor(
    private readonly recorder: SurfaceRecorder | null,
    private readonly enabled: boolean,
  ) {}

  /** The fields of a case result for one worker reply. */
  take(reply: WorkerSurface | undefined): Pick<CaseResult, 'surface'> {
    if (!reply || !this.recorder || !this.enabled) return {};
    if (reply.registered && !this.registered) this.registered = reply.registered;
    if (reply.registeredError) this.registeredError = reply.registeredError;
    return { surface: { calls: reply.calls, ...(reply.dropped ? { dropped: reply.dropped } : {}) } };
  }

  runSurface(): RunSurface {
    if (!this.enabled) return { measured: false, reason: 'recording was turned off (--no-surface)' };
    if (!this.recorder) return { measured: false, reason: 'the converter adapter has no surface recorder' };
    return {
      measured: true,
      exporter: this.recorder.exporter,
      unit: this.recorder.unit,
      registered: this.registered,
      ...(this.registered ? {} : { reason: this.registeredError ?? 'no export reached the converter' }),
    };
  }
}

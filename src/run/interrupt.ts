/** Signals that stop a run: Ctrl-C, and what CI runners send on cancellation. */
const SIGNALS = ['SIGINT', 'SIGTERM'] as const;
type StopSignal = (typeof SIGNALS)[number];

/** The shell convention: 128 + the signal number. */
export const SIGNAL_EXIT_CODES: Record<StopSignal, number> = { SIGINT: 130, SIGTERM: 143 };

export interface Interrupt {
  /** Aborted on the first SIGINT/SIGTERM, with the signal's name as reason. */
  signal: AbortSignal;
  /** Removes the handlers (the default behaviour of the signals comes back). */
  dispose(): void;
}

/**
 * Turns SIGINT/SIGTERM into an AbortSignal for the duration of a run, so that it can kill its
 * workers and write its partial results; a second signal ends the process at once.
 */
export function interruptOnSignals(onSignal: (name: StopSignal) => void = () => undefined): Interrupt {
  const controller = new AbortController();
  const handler = (name: StopSignal) => {
    if (controller.signal.aborted) process.exit(SIGNAL_EXIT_CODES[name]);
    onSignal(name);
    controller.abort(name);
  };
  for (const s of SIGNALS) process.on(s, handler);
  return {
    signal: controller.signal,
    dispose: () => {
      for (const s of SIGNALS) process.off(s, handler);
    },
  };
}

/** Exit code for an interrupted run, from the abort reason. */
export function interruptedExitCode(reason: string): number {
  return (SIGNAL_EXIT_CODES as Record<string, number>)[reason] ?? 130;
}

/** The CLI's view of the terminal, injectable for tests. */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  /** A terminal (progress bar) rather than a log (plain lines). */
  interactive: boolean;
  exitCode: number;
}

export function processIo(): CliIo {
  return {
    stdout: (t) => void process.stdout.write(t),
    stderr: (t) => void process.stderr.write(t),
    interactive: Boolean(process.stderr.isTTY) && !process.env.CI,
    exitCode: 0,
  };
}

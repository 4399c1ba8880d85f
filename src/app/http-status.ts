/** The HTTP status of an Octokit request error (or of anything with a numeric `status`). */
export function httpStatus(error: unknown): number | undefined {
  const status = (error as { status?: unknown } | null)?.status;
  return typeof status === 'number' ? status : undefined;
}

/** A failure of the environment (missing build, fixture or database) that a message explains better than a stack. */
export class SetupError extends Error {
  override name = 'SetupError';
}

export function describeError(error: unknown): string {
  if (error instanceof SetupError) return error.message;
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}

/**
 * Reads whole-number bench settings from the environment, collecting every bad value so the run
 * can refuse to start with one message naming them all.
 */
export function intSettingsReader(
  env: NodeJS.ProcessEnv,
  problems: string[],
): (name: string, fallback: number, min: number, max: number) => number {
  return (name, fallback, min, max) => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      problems.push(`${name}: must be a whole number from ${min} to ${max} (got ${JSON.stringify(raw)})`);
      return fallback;
    }
    return value;
  };
}

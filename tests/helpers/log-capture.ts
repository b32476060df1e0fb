import { Writable } from 'node:stream';

export interface LogLine {
  level: number;
  msg?: string;
  err?: { message?: string; stack?: string };
  [field: string]: unknown;
}

export interface CapturedLogs {
  /** A stream to give a logger (`createLogger(service, level, stream)` or `pino(options, stream)`). */
  stream: Writable;
  /** Everything written, as text (for searching secrets). */
  text(): string;
  /** The JSON lines written, parsed. */
  lines(): LogLine[];
}

/** Everything a service's logger writes, kept in memory, as a log shipper would receive it. */
export function captureLogs(): CapturedLogs {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  const text = () => chunks.join('');
  return {
    stream,
    text,
    lines: () =>
      text()
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as LogLine),
  };
}

/**
 * A local SMTP sink for bench:digest, run as its own process (`node smtp-sink.js <smtpPort> <statsPort>`)
 * so that receiving mail does not share a CPU budget with the sender being measured. It accepts
 * everything (no TLS, any or no auth), counts messages and bytes, and answers `GET /stats` on a
 * second port with `{messages, bytes, firstAt, lastAt}` (ms since epoch).
 */
import http from 'node:http';
import { SMTPServer } from 'smtp-server';

const [smtpPort, statsPort] = process.argv.slice(2).map(Number);
if (!smtpPort || !statsPort) {
  process.stderr.write('usage: smtp-sink <smtpPort> <statsPort>\n');
  process.exit(2);
}

const stats = { messages: 0, bytes: 0, firstAt: 0, lastAt: 0 };

const smtp = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS'],
  logger: false,
  // The sender opens a few pooled connections; keep every one.
  maxClients: 1000,
  size: 10 * 1024 * 1024,
  onData(stream, _session, callback) {
    let size = 0;
    stream.on('data', (chunk: Buffer) => {
      size += chunk.length;
    });
    stream.on('end', () => {
      const now = Date.now();
      stats.messages += 1;
      stats.bytes += size;
      if (stats.firstAt === 0) stats.firstAt = now;
      stats.lastAt = now;
      callback();
    });
  },
});
smtp.on('error', (error) => process.stderr.write(`smtp-sink: ${error.message}\n`));
smtp.listen(smtpPort, '127.0.0.1');

http
  .createServer((req, res) => {
    if (req.url === '/reset' && req.method === 'POST') {
      Object.assign(stats, { messages: 0, bytes: 0, firstAt: 0, lastAt: 0 });
    }
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(stats));
  })
  .listen(statsPort, '127.0.0.1');

process.on('SIGTERM', () => smtp.close(() => process.exit(0)));

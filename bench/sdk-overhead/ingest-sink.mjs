// Local stand-in for a profile server: accepts any POST, counts uploads and bytes per app name
// (the `name` query parameter up to `{`), keeps the last few bodies per app for the label
// check, and answers 200. Runs in the harness process.
import { createServer } from 'node:http';

const KEEP_BODIES_PER_APP = 16;

export async function startIngestSink() {
  const byApp = new Map();
  const server = createServer((req, res) => {
    const url = new URL(req.url, 'http://sink');
    const app = (url.searchParams.get('name') ?? '').split('{')[0] || '(none)';
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const entry = byApp.get(app) ?? { uploads: 0, bytes: 0, bodies: [] };
      entry.uploads++;
      entry.bytes += body.length;
      entry.bodies.push(body);
      if (entry.bodies.length > KEEP_BODIES_PER_APP) entry.bodies.shift();
      byApp.set(app, entry);
      res.writeHead(200).end();
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    /** Copy of the counters for one app: { uploads, bytes }. */
    snapshot(app) { const e = byApp.get(app); return { uploads: e?.uploads ?? 0, bytes: e?.bytes ?? 0 }; },
    /** Hands over (and forgets) the bodies kept for one app. */
    takeBodies(app) { const e = byApp.get(app); const b = e?.bodies ?? []; if (e) e.bodies = []; return b; },
    close() { server.closeAllConnections(); return new Promise((resolve) => server.close(resolve)); },
  };
}

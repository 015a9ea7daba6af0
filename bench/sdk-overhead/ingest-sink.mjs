// Local stand-in for a profile server: accepts any POST, counts uploads and bytes per app
// name (the `name` query parameter up to `{`), answers 200. Runs in the harness process.
import { createServer } from 'node:http';

export async function startIngestSink() {
  const byApp = new Map();
  const server = createServer((req, res) => {
    const url = new URL(req.url, 'http://sink');
    const app = (url.searchParams.get('name') ?? '').split('{')[0] || '(none)';
    let bytes = 0;
    req.on('data', (chunk) => { bytes += chunk.length; });
    req.on('end', () => {
      const entry = byApp.get(app) ?? { uploads: 0, bytes: 0, paths: new Set() };
      entry.uploads++; entry.bytes += bytes; entry.paths.add(url.pathname);
      byApp.set(app, entry);
      res.writeHead(200).end();
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    /** Copy of the counters for one app: { uploads, bytes }. */
    snapshot(app) { const e = byApp.get(app); return { uploads: e?.uploads ?? 0, bytes: e?.bytes ?? 0 }; },
    close() { server.closeAllConnections(); return new Promise((resolve) => server.close(resolve)); },
  };
}

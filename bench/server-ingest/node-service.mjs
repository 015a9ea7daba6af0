// Writes a realistic Node.js wall-time profile for the ingest benchmark: an Express app with a
// few routes (JSON, hashing, zlib, regexp) driven over loopback by its own keep-alive client,
// profiled by @datadog/pprof at the SDK's settings (100 Hz wall time).
// Usage: node node-service.mjs <out file> [seconds]
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { gzipSync } from 'node:zlib';
import { time, encode } from '@datadog/pprof';
import express from 'express';

const out = process.argv[2];
const seconds = Number(process.argv[3] ?? 10);

function buildItems(n, seed) {
  const items = [];
  for (let i = 0; i < n; i++) items.push({ id: seed * 1000 + i, name: `item-${seed}-${i}`, tags: ['a', 'b', String(i % 7)], score: (i * 37) % 101 });
  return items;
}

const app = express();
app.use(express.json());
app.get('/users/:id', (req, res) => {
  const items = buildItems(60, Number(req.params.id)).sort((a, b) => a.score - b.score);
  res.json(items);
});
app.get('/orders/:id', (req, res) => {
  const body = gzipSync(JSON.stringify(buildItems(200, Number(req.params.id))));
  res.set('x-digest', createHash('sha256').update(body).digest('hex')).type('application/octet-stream').send(body);
});
app.get('/search', (req, res) => {
  let text = '';
  for (let i = 0; i < 200; i++) text += `item-${i}-${i * 7} `;
  res.json({ matches: [...text.matchAll(/[a-z]+-(\d+)-(\d+)/g)].length, q: req.query.q ?? '' });
});
app.post('/echo', (req, res) => res.json({ n: Object.keys(req.body ?? {}).length }));

const server = app.listen(0, '127.0.0.1');
await new Promise((r) => server.once('listening', r));
const { port } = server.address();
const agent = new Agent({ keepAlive: true, maxSockets: 8 });
const paths = ['/users/1', '/orders/2', '/search?q=x', '/echo'];

function one(i) {
  return new Promise((resolve) => {
    const path = paths[i % paths.length];
    const post = path === '/echo';
    const req = request({ port, path, agent, method: post ? 'POST' : 'GET', headers: post ? { 'content-type': 'application/json' } : {} }, (res) => {
      res.resume();
      res.on('end', resolve);
    });
    req.on('error', resolve);
    req.end(post ? JSON.stringify({ a: 1, b: [1, 2, 3], c: { d: 'e' } }) : undefined);
  });
}

time.start({ intervalMicros: 10_000, durationMillis: seconds * 1000 + 5000 });
const end = Date.now() + seconds * 1000;
await Promise.all(
  Array.from({ length: 8 }, async (_, w) => {
    for (let i = w; Date.now() < end; i += 8) await one(i);
  }),
);
const profile = time.stop();
writeFileSync(out, await encode(profile));
agent.destroy();
server.close();

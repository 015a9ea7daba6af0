// Bench server: a small Express app with two CPU-bound routes (~1.3 ms CPU each) that first
// `await` (as if reading a record), so per-request labels must survive async continuations.
// Started by the harness with an IPC channel; the harness asks it for CPU/request/RSS marks.
import express from 'express';
import { startArmProfiler } from './profiler-arms.mjs';
import { DEFAULT_WORK_ITERATIONS, renderOrder, renderUser } from './route-work.mjs';

const counters = { requests: 0, rotations: 0, skippedRotations: 0, encodedBytes: 0 };
const profiler = startArmProfiler(counters);
const iterations = Number(process.env.BENCH_WORK_ITERATIONS ?? DEFAULT_WORK_ITERATIONS);

// Stands in for an I/O wait (DB read): yields to the event loop so other requests interleave.
const loadRecord = (id) => new Promise((resolve) => setImmediate(() => resolve({ id })));

function route(path, render) {
  return (req, res) => profiler.wrap(path, async () => {
    const record = await loadRecord(Number(req.params.id) || 0);
    res.json(render(record.id, iterations));
    counters.requests++;
  });
}

const app = express();
app.disable('x-powered-by');
app.get('/users/:id', route('/users/:id', renderUser));
app.get('/orders/:id', route('/orders/:id', renderOrder));

function mark() {
  const mem = process.memoryUsage();
  return {
    cpu: process.cpuUsage(), requests: counters.requests, hrtimeNs: process.hrtime.bigint().toString(),
    rss: mem.rss, heapUsed: mem.heapUsed, external: mem.external,
    rotations: counters.rotations, skippedRotations: counters.skippedRotations, encodedBytes: counters.encodedBytes,
    sdkStats: profiler.stats?.(),
  };
}

const server = app.listen(0, '127.0.0.1', () => {
  process.send({ type: 'ready', port: server.address().port, profiler: profiler.describe, iterations });
});
process.on('message', (msg) => {
  if (msg?.type === 'mark') process.send({ type: 'mark', id: msg.id, ...mark() });
  if (msg?.type === 'exit') process.exit(0);
});
// The harness going away must not leave a server behind.
process.on('disconnect', () => process.exit(0));

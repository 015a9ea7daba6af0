// Example Express service profiled by kprof: the SDK pushes wall/CPU time and heap profiles to
// server-lite, every request is labelled with its route, and Go-style /debug/pprof routes are
// served on a separate admin port so they never reach the public one.
import express from 'express';
import type { AddressInfo } from 'node:net';
import { start, stats, stop, withLabels } from '@kprof/sdk';
import { pprofRouter, profileRoutes } from '@kprof/express-middleware';
import { burnCpu, renderReport, retainRecords } from './hot-paths.js';

const port = Number(process.env.PORT ?? 3000);
const adminPort = Number(process.env.ADMIN_PORT ?? 6060);
// Loopback by default; set ADMIN_HOST=0.0.0.0 only where a scraper inside the cluster must reach it.
const adminHost = process.env.ADMIN_HOST ?? '127.0.0.1';


start({
  appName: process.env.KPROF_APP_NAME ?? 'node-service',
  serverAddress: process.env.KPROF_SERVER_ADDRESS ?? 'http://localhost:4040',
  tags: { env: process.env.DEPLOY_ENV ?? 'demo' },
  // Map compiled frames back to src/*.ts through the .js.map files next to this file.
  sourceMaps: [__dirname],
});

const app = express();
app.use(profileRoutes());
app.get('/', (_req, res) => {
  res.type('text').send('routes: /cpu?ms=N  /report?rows=N  /alloc?kib=N  /users/:id\n');
});
app.get('/cpu', (req, res) => {
  res.json({ digest: burnCpu(boundedInt(req.query.ms, 20, 2000)) });
});
app.get('/report', (req, res) => {
  res.json({ bytes: renderReport(boundedInt(req.query.rows, 2000, 100_000)) });
});
app.get('/alloc', (req, res) => {
  res.json({ retainedKiB: retainRecords(boundedInt(req.query.kib, 64, 16_384)) });
});
app.get('/users/:id', async (req, res) => {
  // Resumes after an await: its samples must still carry this route's label.
  await new Promise((resolve) => setTimeout(resolve, 5));
  res.json({ id: req.params.id, digest: burnCpu(5) });
});

const server = app.listen(port, () =>
  console.log(`node-service listening on http://localhost:${(server.address() as AddressInfo).port}`));

// The admin app listens apart from the public port: profiles reveal code and cost CPU.
const admin = express();
admin.use('/debug/pprof', pprofRouter());
admin.get('/debug/kprof/stats', (_req, res) => {
  res.json(stats());
});
const adminServer = admin.listen(adminPort, adminHost, () =>
  console.log(`node-service pprof on http://${adminHost}:${(adminServer.address() as AddressInfo).port}/debug/pprof/`));

// With SELF_LOAD=1 (npm start) the service sends itself a little traffic so the demo has data.
let loadTimer: NodeJS.Timeout | undefined;
if (process.env.SELF_LOAD === '1') {
  const paths = ['/cpu?ms=30', '/report?rows=3000', '/alloc?kib=32', '/users/42'];
  let i = 0;
  loadTimer = setInterval(() => {
    const path = paths[i++ % paths.length];
    withLabels({ source: 'self_load' }, () =>
      fetch(`http://127.0.0.1:${port}${path}`).then((r) => r.arrayBuffer()).catch(() => undefined));
  }, 100);
  loadTimer.unref();
}

function boundedInt(v: unknown, def: number, max: number): number {
  const n = Number(v);
  return Number.isInteger(n) && n > 0 ? Math.min(n, max) : def;
}

let shuttingDown = false;
async function shutdown(signal: string): Promise<void> {
  if (shuttingDown) return;
  shuttingDown = true;
  console.log(`node-service: ${signal}, flushing the last profile`);
  clearInterval(loadTimer);
  server.close();
  adminServer.close();
  await stop();
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));

#!/usr/bin/env node
// One server-lite process with a simulated clock, driven by store-churn/run.mjs over IPC.
//
// Started with `fork(server-runner.mjs, [JSON])`, JSON = { serverDir, dataDir, config, clockMs }:
// loads the build's public API (`<serverDir>/dist/index.js`: resolveConfig, startServer), starts
// the server on `dataDir` listening on a loopback port with `config` (a YAML file) and
// `now: () => clock`, and sends { type: 'listening', url, startServerMs }. The clock is used by
// ingest, retention (its timer is real, `storage.retention-interval`) and the rollup builder's
// settling. Requests, each answered { id, result } or { id, error }:
//   { op: 'clock', t }   set the clock to t (unix ms; never moves back)
//   { op: 'report', gc } process.memoryUsage() (after a full GC when `gc`: forked with
//                        --expose-gc, so heapUsed is live data, not garbage), the store's blocks,
//                        trie bytes, queued rollups
//   { op: 'stop' }       graceful close (server.close()), answered, then the process exits
import { createRequire } from 'node:module';
import { join } from 'node:path';

const args = JSON.parse(process.argv[2]);
const require = createRequire(import.meta.url);
const { resolveConfig, startServer } = require(join(args.serverDir, 'dist', 'index.js'));

let clock = args.clockMs;
const config = resolveConfig({ config: args.config, dataDir: args.dataDir, listen: '127.0.0.1:0' }, { ...process.env, KPROF_CONFIG: '' });
const t0 = performance.now();
const server = await startServer(config, { now: () => clock });
const startServerMs = performance.now() - t0;

async function handle(msg) {
  switch (msg.op) {
    case 'clock':
      if (msg.t < clock) throw new Error(`clock moves back: ${msg.t} < ${clock}`);
      clock = msg.t;
      return clock;
    case 'report': {
      if (msg.gc) globalThis.gc?.();
      const blocks = server.store.blocks.map((b) => ({ startMs: b.meta.startMs, endMs: b.meta.endMs, part: b.meta.part, fileBytes: b.fileBytes(), trieBytes: b.trieBytes }));
      return {
        clock,
        memory: process.memoryUsage(),
        blocks,
        trieBytes: server.store.trieBytes,
        pendingRollups: await server.maintenance.pendingRollups(),
      };
    }
    case 'stop':
      await server.close();
      return 'stopped';
    default:
      throw new Error(`unknown op ${msg.op}`);
  }
}

process.on('message', (msg) => {
  handle(msg).then(
    (result) => {
      process.send({ id: msg.id, result }, () => {
        if (msg.op === 'stop') process.exit(0);
      });
    },
    (err) => process.send({ id: msg.id, error: String(err?.stack ?? err) }),
  );
});
// The driver gone (crashed, killed): stop too, never linger.
process.on('disconnect', () => {
  void server.close().finally(() => process.exit(0));
});
process.send({ type: 'listening', url: server.url, startServerMs });

// Load generator, in its own process so its CPU never counts against the server's.
// argv[2] = JSON { url, connections, warmupSeconds, durationSeconds }. With an IPC channel it
// reports 'warm-done' after the warm-up and waits for 'go' before the measured run, so the
// harness can mark the server's CPU counters exactly around the measured load.
import autocannon from 'autocannon';

const cfg = JSON.parse(process.argv[2]);
const requests = [{ method: 'GET', path: '/users/17' }, { method: 'GET', path: '/orders/42' }];

function load(durationSeconds) {
  return autocannon({ url: cfg.url, connections: cfg.connections, pipelining: 1, duration: durationSeconds, requests });
}

function waitForGo() {
  return new Promise((resolve) => {
    const onMessage = (msg) => { if (msg?.type === 'go') { process.off('message', onMessage); resolve(); } };
    process.on('message', onMessage);
  });
}

if (cfg.warmupSeconds > 0) await load(cfg.warmupSeconds);
process.send({ type: 'warm-done' });
await waitForGo();
const r = await load(cfg.durationSeconds);
process.send({
  type: 'result',
  result: {
    requests: r.requests.total, durationSeconds: r.duration, reqPerSec: r.requests.total / r.duration,
    latencyMs: { p50: r.latency.p50, p99: r.latency.p99, max: r.latency.max, mean: r.latency.average },
    errors: r.errors, timeouts: r.timeouts, non2xx: r.non2xx,
  },
});
process.disconnect();

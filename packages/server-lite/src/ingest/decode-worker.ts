// Entry point of a decode worker thread (see decode-pool.ts): parses `/ingest` bodies and push.v1
// profiles into IngestProfiles off the main thread and hands them back with their typed arrays
// transferred.
import { parentPort, workerData } from 'node:worker_threads';
import type { IngestLimits } from '../config/resolve-config.js';
import { pushedDeltaToIngest, pushedProfileToIngest } from './push-to-ingest.js';
import type { PackedBaseline } from './packed-baseline.js';
import type { IngestProfile } from '../model/ingest-profile.js';
import { parseIngestRequest } from './ingest-request.js';
import type { DecodeTask, DecodeWorkerData, WorkerReady, WorkerReply } from './decode-protocol.js';
import { NameEncoder } from './name-dictionary.js';
import { errorToData } from './worker-error.js';

const port = parentPort;
if (port === null) throw new Error('decode-worker must run in a worker thread');
const { limits, testHooks } = workerData as DecodeWorkerData;
const names = new NameEncoder();

port.on('message', (task: DecodeTask) => {
  run(task, limits).then(
    ({ profile, baseline }) => {
      const encoded = names.encode(profile.names);
      const reply: WorkerReply = { id: task.id, profile: { ...profile, names: encoded }, ...(baseline === undefined ? {} : { baseline }) };
      const transfer = [...transferList(profile), encoded.refs.buffer as ArrayBuffer];
      if (baseline !== undefined) transfer.push(baseline.keys.buffer as ArrayBuffer, baseline.values.buffer as ArrayBuffer);
      port.postMessage(reply, transfer);
    },
    (err: unknown) => port.postMessage({ id: task.id, error: errorToData(err) } satisfies WorkerReply),
  );
});
port.postMessage({ ready: true } satisfies WorkerReady);

async function run(task: DecodeTask, limits: Readonly<IngestLimits>): Promise<{ profile: IngestProfile; baseline?: PackedBaseline | undefined }> {
  if (task.kind === 'spinForTest') {
    if (!testHooks) throw new Error('spinForTest needs a pool created with testHooks');
    for (;;);
  }
  if (task.kind === 'push') {
    const ctx = { limits, nowMs: task.nowMs };
    if (task.delta !== undefined) return pushedDeltaToIngest(task.body, task.labels, ctx, task.delta.previous ?? undefined);
    return { profile: await pushedProfileToIngest(task.body, task.labels, ctx) };
  }
  const body = Buffer.from(task.body.buffer, task.body.byteOffset, task.body.byteLength);
  const profile = await parseIngestRequest(
    { query: new URLSearchParams(task.query), contentType: task.contentType, body, receivedBytes: task.receivedBytes },
    limits,
    task.nowMs,
  );
  return { profile };
}

// Every typed array of the profile owns its buffer (see pprof-to-profile / folded-to-profile);
// a buffer listed twice would make postMessage throw, so each is listed once.
function transferList(p: IngestProfile): ArrayBuffer[] {
  const seen = new Set<ArrayBuffer>();
  const add = (a: ArrayBufferView): void => {
    if (a.buffer instanceof ArrayBuffer && a.byteOffset === 0 && a.byteLength === a.buffer.byteLength) seen.add(a.buffer);
  };
  add(p.frameStart);
  add(p.frameNames);
  add(p.stackStart);
  add(p.stackLocs);
  for (const s of p.series) {
    add(s.sampleIndices);
    add(s.values);
  }
  return [...seen];
}

// Entry point of a decode worker thread (see decode-pool.ts): runs the intake pipeline
// (convert-intake.ts) off the main thread and hands each profile back with its typed arrays
// transferred.
import { parentPort, workerData } from 'node:worker_threads';
import type { IngestLimits } from '../config/resolve-config.js';
import { type ConvertedIntake, convertIntake } from './convert-intake.js';
import type { IngestProfile } from '../model/ingest-profile.js';
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

async function run(task: DecodeTask, limits: Readonly<IngestLimits>): Promise<ConvertedIntake> {
  if (task.kind === 'spinForTest') {
    if (!testHooks) throw new Error('spinForTest needs a pool created with testHooks');
    for (;;);
  }
  return convertIntake({ ...task.task, body: task.body }, limits);
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

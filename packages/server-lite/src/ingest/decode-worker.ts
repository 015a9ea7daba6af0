// Entry point of a decode worker thread (see decode-pool.ts): runs the intake pipeline
// (convert-intake.ts) off the main thread and hands each profile back with its typed arrays
// transferred.
import { parentPort, workerData } from 'node:worker_threads';
import type { IngestLimits } from '../config/resolve-config.js';
import { type ConvertedIntake, convertIntake } from './convert-intake.js';
import type { DecodeTask, DecodeWorkerData, WorkerReady, WorkerReply } from './decode-protocol.js';
import { NameEncoder } from '../threads/name-dictionary.js';
import { toWire } from '../threads/wire-profile.js';
import { errorToData } from '../threads/worker-error.js';

const port = parentPort;
if (port === null) throw new Error('decode-worker must run in a worker thread');
const { limits, testHooks } = workerData as DecodeWorkerData;
const names = new NameEncoder();

port.on('message', (task: DecodeTask) => {
  run(task, limits).then(
    ({ profile, baseline }) => {
      // Hashed here, in parallel, so the store's one writer thread looks each stack up once.
      const { wire, transfer } = toWire(profile, names, { hash: true });
      const reply: WorkerReply = { id: task.id, profile: wire, ...(baseline === undefined ? {} : { baseline }) };
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

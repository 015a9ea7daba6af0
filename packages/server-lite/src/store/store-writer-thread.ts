// Entry of the store writer thread (see store-writer.ts): the one writer of every block file.
// It interns, encodes and commits batches, builds rollups and deletes blocks, so none of that
// blocks the main thread's event loop.
import { parentPort, workerData } from 'node:worker_threads';
import { NameDecoder } from '../threads/name-dictionary.js';
import { fromWire } from '../threads/wire-profile.js';
import { errorToData } from '../threads/worker-error.js';
import { ProfileStore } from './profile-store.js';
import type { GroupOutcome, StoreWriterData, StoreWriterReply, StoreWriterRequest } from './store-writer-protocol.js';

const port = parentPort;
if (port === null) throw new Error('store-writer-thread must run in a worker thread');
const { dataDir, options } = workerData as StoreWriterData;
const names = new NameDecoder();
const reply = (r: StoreWriterReply): void => port.postMessage(r);

let store: ProfileStore;
try {
  store = ProfileStore.open(dataDir, options);
  reply({ kind: 'ready' });
} catch (err) {
  reply({ kind: 'failed', error: errorToData(err) });
  process.exit(1);
}

port.on('message', (req: StoreWriterRequest) => {
  try {
    reply({ kind: 'done', id: req.id, result: handle(req) });
  } catch (err) {
    reply({ kind: 'error', id: req.id, error: errorToData(err) });
  }
  if (req.kind === 'close') process.exit(0);
});

function handle(req: StoreWriterRequest): unknown {
  switch (req.kind) {
    case 'write': {
      // Every wire profile is decoded, in order, so the name dictionary stays in step.
      const groups = req.groups.map((g) => g.map((p) => fromWire(p, names)));
      return store.writeGroups(groups).map((outcome): GroupOutcome => (outcome === undefined ? null : errorToData(outcome)));
    }
    case 'buildRollups':
      return withError(store.buildRollups(req.nowMs, req.opts));
    case 'pendingRollups':
      return store.pendingRollups();
    case 'deleteBlocksBefore':
      return store.deleteBlocksBefore(req.cutoffMs);
    case 'deleteOldestOver':
      return store.deleteOldestOver(req.maxBytes);
    case 'close':
      store.close();
      return null;
  }
}

// A build result's error crosses as data.
function withError<T extends { error?: unknown }>(r: T): T {
  return r.error === undefined ? r : { ...r, error: errorToData(r.error) };
}

import type { WireProfile } from '../threads/wire-profile.js';
import type { WorkerErrorData } from '../threads/worker-error.js';
import type { BuildOptions } from './rollup-store.js';
import type { ProfileStoreOptions } from './profile-store.js';

/** What the store writer thread is started with. */
export interface StoreWriterData {
  readonly dataDir: string;
  readonly options: Omit<ProfileStoreOptions, 'readOnly'>;
}

/** Requests to the store writer thread. */
export type StoreWriterRequest =
  | { readonly kind: 'write'; readonly id: number; readonly groups: readonly (readonly WireProfile[])[] }
  | { readonly kind: 'buildRollups'; readonly id: number; readonly nowMs: number; readonly opts: BuildOptions }
  | { readonly kind: 'pendingRollups'; readonly id: number }
  | { readonly kind: 'deleteBlocksBefore'; readonly id: number; readonly cutoffMs: number }
  | { readonly kind: 'deleteOldestOver'; readonly id: number; readonly maxBytes: number }
  | { readonly kind: 'close'; readonly id: number };

/** A group's outcome in a write reply: null once stored, else the error that refused it. */
export type GroupOutcome = WorkerErrorData | null;

/** Answers of the store writer thread; `ready` (or `failed`, when the store could not be opened) comes first. */
export type StoreWriterReply =
  | { readonly kind: 'ready' }
  | { readonly kind: 'failed'; readonly error: WorkerErrorData }
  | { readonly kind: 'done'; readonly id: number; readonly result: unknown }
  | { readonly kind: 'error'; readonly id: number; readonly error: WorkerErrorData };

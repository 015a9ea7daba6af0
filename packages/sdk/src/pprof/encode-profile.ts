import { loadEngine } from '../engine.js';
import type { Profile } from 'pprof-format';

/** Gzip-compressed pprof bytes of `profile` (compression off the main thread, via zlib's thread pool). */
export async function encodeProfile(profile: Profile): Promise<Uint8Array> {
  return loadEngine().encode(profile);
}

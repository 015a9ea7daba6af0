import type { IngestProfile } from '../model/ingest-profile.js';
import { hashProfile } from '../model/stack-hash.js';
import type { EncodedNames, NameDecoder, NameEncoder } from './name-dictionary.js';

/** An {@link IngestProfile} as it crosses to another thread: names as ids into the channel's dictionary. */
export type WireProfile = Omit<IngestProfile, 'names'> & { readonly names: EncodedNames };

/**
 * `profile` for `postMessage`: its names through the sender's dictionary (with `hash`, its names'
 * and stacks' content hashes added, from the dictionary's cached name hashes), and the buffers to
 * transfer (every typed array of a profile owns its buffer; each is listed once, as a buffer
 * listed twice makes postMessage throw). The profile's arrays are unusable on this thread after.
 */
export function toWire(profile: IngestProfile, names: NameEncoder, options: { readonly hash?: boolean } = {}): { wire: WireProfile; transfer: ArrayBuffer[] } {
  const encoded = names.encode(profile.names);
  if (options.hash === true) profile = { ...profile, hashes: hashProfile(profile, names.hashes(encoded.refs)) };
  const seen = new Set<ArrayBuffer>([encoded.refs.buffer as ArrayBuffer]);
  const add = (a: ArrayBufferView): void => {
    if (a.buffer instanceof ArrayBuffer && a.byteOffset === 0 && a.byteLength === a.buffer.byteLength) seen.add(a.buffer);
  };
  add(profile.frameStart);
  add(profile.frameNames);
  add(profile.stackStart);
  add(profile.stackLocs);
  if (profile.hashes !== undefined) {
    add(profile.hashes.names.h1);
    add(profile.hashes.names.h2);
    add(profile.hashes.stacks);
  }
  for (const s of profile.series) {
    add(s.sampleIndices);
    add(s.values);
  }
  return { wire: { ...profile, names: encoded }, transfer: [...seen] };
}

/** The profile a {@link toWire} sent, its names looked up in the receiver's dictionary (every wire profile is decoded, in order). */
export function fromWire(wire: WireProfile, names: NameDecoder): IngestProfile {
  return { ...wire, names: names.decode(wire.names) };
}

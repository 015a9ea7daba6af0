import { describe, expect, it } from 'vitest';
import type { IngestProfile } from '../model/ingest-profile.js';
import { type BatchSink, WriteBatcher } from './write-batcher.js';

// The batcher only groups and acknowledges; what it hands the store is what these tests pin, so
// the sink records batches (the real store is exercised by the server tests).
function recordingSink(failOn?: (profiles: readonly IngestProfile[]) => boolean): BatchSink & { batches: number[][] } {
  const batches: number[][] = [];
  return {
    batches,
    writeGroups(groups) {
      const profiles = groups.flat();
      if (failOn?.(profiles)) throw new Error('disk full');
      batches.push(profiles.map((p) => p.startMs));
      return groups.map(() => undefined);
    },
  };
}

const profile = (id: number): IngestProfile => ({ startMs: id }) as unknown as IngestProfile;
const ids = (from: number, n: number): IngestProfile[] => Array.from({ length: n }, (_, i) => profile(from + i));

describe('WriteBatcher', () => {
  it('refuses a whole group past max-pending with 429 and stores none of it', async () => {
    const sink = recordingSink();
    const b = new WriteBatcher(sink, { maxProfiles: 100, maxDelayMs: 1_000, maxPending: 5 });
    const first = b.writeAll(ids(1, 3));
    await expect(b.writeAll(ids(10, 3))).rejects.toMatchObject({ code: 'KPROF_INGEST_BACKPRESSURE', status: 429 });
    expect(b.pending).toBe(3);
    b.close();
    await first;
    expect(sink.batches).toEqual([[1, 2, 3]]);
  });

  it('commits a group that fits in one batch in one transaction, after what was waiting', async () => {
    const sink = recordingSink();
    const b = new WriteBatcher(sink, { maxProfiles: 4, maxDelayMs: 1_000, maxPending: 100 });
    const waiting = b.write(profile(1));
    const group = b.writeAll(ids(10, 4));
    await Promise.all([waiting, group]);
    expect(sink.batches).toEqual([[1], [10, 11, 12, 13]]);
    b.close();
  });

  it('resolves once committed, rejects every profile of a failed batch, and refuses writes after close', async () => {
    const sink = recordingSink((profiles) => profiles.some((p) => p.startMs === 99));
    const b = new WriteBatcher(sink, { maxProfiles: 10, maxDelayMs: 5, maxPending: 100 });
    await b.write(profile(1));
    expect(sink.batches).toEqual([[1]]);
    await expect(b.writeAll([profile(2), profile(99)])).rejects.toThrow('disk full');
    expect(sink.batches).toEqual([[1]]);
    b.close();
    await expect(b.write(profile(3))).rejects.toMatchObject({ code: 'KPROF_SHUTTING_DOWN' });
  });
});

import { mergeProfiles } from '@kprof/sdk';
import { Profile, Sample } from 'pprof-format';

type Numeric = number | bigint;

function negate(v: Numeric): Numeric {
  return typeof v === 'bigint' ? -v : -v;
}

function isZero(v: Numeric): boolean {
  return v === 0 || v === 0n;
}

/**
 * Go's `heap?seconds=N`: `after − before` for every sample type (in-use values can go negative), samples of equal stack
 * and labels combined, all-zero samples dropped; time = the second snapshot's, duration = the time between them.
 */
export function subtractHeapProfiles(before: Profile, after: Profile, beforeMs: number, afterMs: number): Profile {
  const negated = new Profile({
    ...before,
    sample: before.sample.map((s) => new Sample({ ...s, value: s.value.map(negate) })),
  });
  const merged = mergeProfiles([negated, after]);
  merged.sample = merged.sample.filter((s) => !s.value.every(isZero));
  merged.timeNanos = BigInt(afterMs) * 1_000_000n;
  merged.durationNanos = BigInt(Math.max(0, afterMs - beforeMs)) * 1_000_000n;
  return merged;
}

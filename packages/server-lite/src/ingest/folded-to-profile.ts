import { parseCollapsed } from '../query/collapsed.js';
import type { AppName } from './app-name.js';
import type { IngestProfile, SeriesMeta } from './ingest-profile.js';

/** Bounds for folded input. */
export interface FoldedLimits {
  readonly maxSamples: number;
  readonly maxStackDepth: number;
}

/**
 * Reads Pyroscope's folded text (`a;b;c 42` per line) into one series named exactly as the
 * `name` parameter's app (Pyroscope stores folded input under the key as given, e.g.
 * `myapp.cpu`). Parsing and its limits are the query module's `parseCollapsed`.
 */
export function foldedToProfile(
  text: string,
  name: AppName,
  meta: SeriesMeta,
  range: { startMs: number; endMs: number; receivedBytes: number },
  limits: FoldedLimits,
): IngestProfile {
  const tree = parseCollapsed(text, { maxLines: limits.maxSamples, maxDepth: limits.maxStackDepth });
  const frameIndex = new Map<string, number>();
  const locationFrames: string[][] = [];
  const stacks: number[][] = [];
  const sampleIndices: number[] = [];
  const values: number[] = [];
  for (const { frames, value } of tree.stacks()) {
    const locs: number[] = [];
    for (let i = frames.length - 1; i >= 0; i--) {
      const f = frames[i]!;
      let idx = frameIndex.get(f);
      if (idx === undefined) {
        idx = locationFrames.length;
        locationFrames.push([f]);
        frameIndex.set(f, idx);
      }
      locs.push(idx);
    }
    sampleIndices.push(stacks.length);
    values.push(value);
    stacks.push(locs);
  }
  return {
    startMs: range.startMs,
    endMs: range.endMs,
    locationFrames,
    stacks,
    series: values.length === 0 ? [] : [{ series: { name: name.app, labels: name.labels, meta }, sampleIndices, values }],
    receivedBytes: range.receivedBytes,
  };
}

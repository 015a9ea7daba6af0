import { LimitError } from '../errors.js';

/** What one query may read, from `query.max-profiles` and `query.max-listed-profiles`. */
export interface ReadLimits {
  /** Sample blobs read: each raw profile and each rollup counts once. */
  readonly maxProfiles: number;
  /** Profiles listed from the time index (timelines, averages), no sample blob read. */
  readonly maxListedProfiles: number;
}

/**
 * The part of its {@link ReadLimits} a query has not used yet, shared by every block it reads.
 * Blobs and listed profiles are bounded apart: a rolled-up month reads a few dozen blobs but
 * still lists every profile's time and total from an index, far cheaper than decoding samples.
 */
export class QueryBudget {
  #profiles: number;
  #points: number;

  constructor(readonly limits: ReadLimits) {
    this.#profiles = limits.maxProfiles;
    this.#points = limits.maxListedProfiles;
  }

  /** Takes `n` sample blobs; throws `KPROF_QUERY_TOO_MANY_PROFILES` past the limit. */
  takeProfiles(n: number): void {
    if (n > this.#profiles) {
      const max = this.limits.maxProfiles;
      throw new LimitError(
        'KPROF_QUERY_TOO_MANY_PROFILES',
        `the query reads more than ${max} profiles and rollups, over query.max-profiles (${max}); narrow the labels or time range`,
      );
    }
    this.#profiles -= n;
  }

  /** Takes `n` timeline points; throws `KPROF_QUERY_TOO_MANY_LISTED_PROFILES` past the limit. */
  takePoints(n: number): void {
    if (n > this.#points) {
      const max = this.limits.maxListedProfiles;
      throw new LimitError(
        'KPROF_QUERY_TOO_MANY_LISTED_PROFILES',
        `the query lists more than ${max} profiles in its range, over query.max-listed-profiles (${max}); narrow the labels or time range`,
      );
    }
    this.#points -= n;
  }
}

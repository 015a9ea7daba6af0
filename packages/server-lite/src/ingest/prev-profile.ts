import { KprofError, LimitError, UnprocessableError, ValidationError, createError } from '../errors.js';
import { gunzipBounded, isGzip } from './gunzip-bounded.js';
import { type PprofDecodeLimits, decodePprof } from './pprof-decoder.js';
import { type DecodedPprof } from './pprof-forms.js';
import { cumulativeMask, deltaPprof } from './pprof-delta.js';
import type { SampleTypeConfig } from '../model/sample-type-config.js';

/** Bounds for {@link applyPrevProfile}: the decoder's, plus the gunzip output limit. */
export interface PrevProfileLimits extends PprofDecodeLimits {
  readonly maxDecompressedBytes: number;
}

/**
 * Pyroscope OG's multipart `prev_profile`: the same process's profile from the previous upload.
 * Returns `current` with each cumulative sample type (see `isCumulativeSampleType`; Go's
 * `alloc_*`, mutex/block `contentions`/`delay` by default, or `cumulative: true` in
 * `sample_type_config`) replaced by current − previous per stack + labels (negative → dropped);
 * other sample types are kept as sent.
 *
 * `prev` is the raw part (gzipped or not), bounded like the profile itself. Throws
 * `ValidationError` `KPROF_INGEST_BAD_PREV_PROFILE` when it is empty or its sample types differ
 * from the profile's, `UnprocessableError` `KPROF_INGEST_PREV_PROFILE_NOT_PPROF` (422) when it is not
 * a readable pprof, and the decoder's `LimitError`s (message prefixed `prev_profile:`) past a
 * limit.
 */
export async function applyPrevProfile(
  current: DecodedPprof,
  prev: Buffer,
  sampleTypeConfig: Readonly<Record<string, SampleTypeConfig>> | undefined,
  limits: Readonly<PrevProfileLimits>,
): Promise<DecodedPprof> {
  if (prev.length === 0) {
    throw new ValidationError('KPROF_INGEST_BAD_PREV_PROFILE', 'prev_profile is empty; leave the field out or send the previous pprof profile');
  }
  const previous = await decodePrev(prev, limits);
  return deltaPprof(current, previous, cumulativeMask(current.sampleTypes, sampleTypeConfig));
}

async function decodePrev(prev: Buffer, limits: Readonly<PrevProfileLimits>): Promise<DecodedPprof> {
  try {
    const bytes = isGzip(prev) ? await gunzipBounded(prev, limits.maxDecompressedBytes, 'prev_profile') : prev;
    if (bytes.length > limits.maxDecompressedBytes) {
      throw new LimitError(
        'KPROF_INGEST_DECOMPRESSED_TOO_LARGE',
        `prev_profile is ${bytes.length} bytes, over ingest.max-decompressed-bytes (${limits.maxDecompressedBytes})`,
      );
    }
    return decodePprof(bytes, limits);
  } catch (err) {
    if (err instanceof LimitError) {
      if (err.message.startsWith('prev_profile')) throw err;
      throw createError(err.code, `prev_profile: ${err.message}`, { cause: err });
    }
    if (err instanceof KprofError) {
      throw new UnprocessableError('KPROF_INGEST_PREV_PROFILE_NOT_PPROF', `prev_profile is not a readable pprof profile: ${err.message}`, { cause: err });
    }
    throw err;
  }
}

import { DEFAULTS } from '../../src/config/defaults.js';
import { DeltaBaselines } from '../../src/ingest/delta-baselines.js';
import { Intake } from '../../src/ingest/intake.js';
import type { IngestProfile } from '../../src/model/ingest-profile.js';

/**
 * The real intake with conversions on the test's thread (no worker pool), default limits, and
 * `writer` (default: one that stores nothing) in place of the server's write batcher.
 */
export function testIntake(writer: { writeAll(profiles: readonly IngestProfile[]): Promise<void> } = { writeAll: async () => undefined }): Intake {
  const baselines = new DeltaBaselines({ maxBytes: DEFAULTS.ingest.pushDeltaMaxBytes, now: Date.now });
  return new Intake({ limits: DEFAULTS.ingest, baselines, writer, now: Date.now });
}

import { onTestFinished } from 'vitest';
import { DEFAULTS } from '../../src/config/defaults.js';
import type { IngestProfile } from '../../src/model/ingest-profile.js';
import type { ScrapeConfig } from '../../src/config/scrape-config.js';
import { testIntake } from '../helpers/intake.js';
import { type PullMode, type PullModeOptions, startPullMode } from '../../src/scrape/pull-mode.js';

/**
 * Pull mode whose store is an array: every profile a scrape writes lands in `written`. Default
 * ingest limits; `extra` overrides any option. Closed when the test ends.
 */
export function recordingPullMode(configs: ScrapeConfig[], extra: Partial<PullModeOptions> = {}): { pm: PullMode; written: IngestProfile[] } {
  const written: IngestProfile[] = [];
  const pm = startPullMode({
    configs,
    intake: testIntake({
      writeAll: async (ps) => {
        written.push(...ps);
      },
    }),
    limits: DEFAULTS.ingest,
    ...extra,
  });
  onTestFinished(() => pm.close());
  return { pm, written };
}

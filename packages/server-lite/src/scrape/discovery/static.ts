import type { StaticConfig } from '../../config/scrape-config.js';
import type { Labels } from '../../config/relabel-rules.js';
import type { TargetGroup } from '../target-group.js';

/**
 * Turns `static-configs` into target groups (`static/<index>`): one target per address, with
 * the entry's `labels`, and Pyroscope OG's shortcuts `application` → `__name__` and
 * `spy-name` → `__spy_name__`.
 */
export function staticTargetGroups(configs: readonly StaticConfig[]): TargetGroup[] {
  return configs.map((c, i) => {
    const labels: [string, string][] = Object.entries(c.labels);
    if (c.application !== undefined) labels.push(['__name__', c.application]);
    if (c.spyName !== undefined) labels.push(['__spy_name__', c.spyName]);
    return {
      source: `static/${i}`,
      targets: c.targets.map((address): Labels => ({ __address__: address })),
      labels: Object.fromEntries(labels),
    };
  });
}

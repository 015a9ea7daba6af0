import type { ScrapeConfig } from '../config/scrape-config.js';
import type { DiscoveryLogger } from './discovery/kubernetes.js';
import { TargetDiscovery, type TargetDiscoveryOptions } from './discovery/target-discovery.js';
import { ScrapeManager, type ScrapeManagerOptions } from './scrape-manager.js';

/** Options of {@link startPullMode}. */
export interface PullModeOptions extends ScrapeManagerOptions {
  readonly configs: readonly ScrapeConfig[];
  readonly logger?: DiscoveryLogger;
  /** Passed to every Kubernetes discoverer (backoff, timeouts…); tests shorten them. */
  readonly kubernetes?: TargetDiscoveryOptions['kubernetes'];
}

/** Running pull mode: discovery feeding the scrape manager. */
export interface PullMode {
  readonly manager: ScrapeManager;
  readonly discovery: TargetDiscovery;
  /** Stops discovery, then every scrape loop. Idempotent. */
  close(): Promise<void>;
}

/**
 * Starts pull mode: {@link TargetDiscovery} for every scrape config (static targets at once,
 * Kubernetes pods as they are listed and watched), and a {@link ScrapeManager} that follows each
 * job's targets. With no scrape configs nothing runs, and the target pages are empty.
 */
export function startPullMode(options: PullModeOptions): PullMode {
  const manager = new ScrapeManager(options);
  const byJob = new Map(options.configs.map((c) => [c.jobName, c]));
  const syncJob = (job: string): void => {
    const config = byJob.get(job);
    if (config === undefined) return;
    const { active, dropped } = discovery.targets(job);
    manager.sync(config, active, dropped);
  };
  const discovery: TargetDiscovery = new TargetDiscovery({
    configs: options.configs,
    onChange: syncJob,
    ...(options.logger !== undefined ? { logger: options.logger } : {}),
    ...(options.kubernetes !== undefined ? { kubernetes: options.kubernetes } : {}),
  });
  for (const job of discovery.jobNames()) syncJob(job);
  discovery.start();
  let closing: Promise<void> | undefined;
  return {
    manager,
    discovery,
    close: () => {
      closing ??= (async () => {
        await discovery.close();
        await manager.close();
      })();
      return closing;
    },
  };
}

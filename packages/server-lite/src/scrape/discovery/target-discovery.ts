import type { ScrapeConfig } from '../../config/scrape-config.js';
import type { TargetGroup } from '../target-group.js';
import { resolveTargetGroup, type DroppedTarget, type ResolvedTargets, type ScrapeTarget } from '../targets.js';
import { KubernetesPodDiscovery, type DiscoveryLogger, type KubernetesPodDiscoveryOptions } from './kubernetes.js';
import { staticTargetGroups } from './static.js';

/** Options of {@link TargetDiscovery}. */
export interface TargetDiscoveryOptions {
  readonly configs: readonly ScrapeConfig[];
  /** Called after the targets of `job` changed (read them with {@link TargetDiscovery.targets}). */
  readonly onChange?: (job: string) => void;
  readonly logger?: DiscoveryLogger;
  /** Passed to every Kubernetes discoverer (backoff, timeouts, page size…). */
  readonly kubernetes?: Omit<KubernetesPodDiscoveryOptions, 'config' | 'onUpdate' | 'logger'>;
}

interface JobState {
  readonly config: ScrapeConfig;
  /** Resolved targets per provider-qualified group source. */
  readonly groups: Map<string, ResolvedTargets>;
}

/**
 * Runs every scrape config's discovery (static groups and Kubernetes pod discoverers) and keeps
 * each job's targets resolved through the OG flow ({@link resolveTargetGroup}). Only the groups
 * that changed are resolved again, so a watch event costs one pod, not the whole cluster.
 */
export class TargetDiscovery {
  private readonly jobs = new Map<string, JobState>();
  private readonly discoverers: KubernetesPodDiscovery[] = [];
  private started = false;

  constructor(private readonly options: TargetDiscoveryOptions) {
    for (const config of options.configs) {
      const state: JobState = { config, groups: new Map() };
      this.jobs.set(config.jobName, state);
      this.apply(state, 'static', staticTargetGroups(config.staticConfigs));
      config.kubernetesSdConfigs.forEach((sd, i) => {
        this.discoverers.push(
          new KubernetesPodDiscovery({
            ...options.kubernetes,
            config: sd,
            ...(options.logger !== undefined ? { logger: options.logger } : {}),
            onUpdate: (groups) => {
              this.apply(state, `kubernetes/${i}`, groups);
              this.options.onChange?.(config.jobName);
            },
          }),
        );
      });
    }
  }

  /** Starts the discoverers. Static targets are available before this. */
  start(): void {
    if (this.started) return;
    this.started = true;
    for (const d of this.discoverers) d.start();
  }

  /** Resolves once every discoverer has completed its first list. */
  async whenSynced(): Promise<void> {
    await Promise.all(this.discoverers.map((d) => d.whenSynced()));
  }

  /** Job names, in config order. */
  jobNames(): string[] {
    return [...this.jobs.keys()];
  }

  /**
   * Active targets (one per enabled profile, de-duplicated by URL + labels across groups) and
   * dropped targets of one job. Unknown job → empty.
   */
  targets(job: string): { active: ScrapeTarget[]; dropped: DroppedTarget[] } {
    const state = this.jobs.get(job);
    if (state === undefined) return { active: [], dropped: [] };
    const active = new Map<string, ScrapeTarget>();
    const dropped: DroppedTarget[] = [];
    const sources = [...state.groups.keys()].sort();
    for (const source of sources) {
      const r = state.groups.get(source) as ResolvedTargets;
      for (const t of r.active) if (!active.has(t.key)) active.set(t.key, t);
      dropped.push(...r.dropped);
    }
    return { active: [...active.values()], dropped };
  }

  /** Stops every discoverer. Idempotent. */
  async close(): Promise<void> {
    await Promise.all(this.discoverers.map((d) => d.close()));
  }

  private apply(state: JobState, provider: string, groups: readonly TargetGroup[]): void {
    for (const group of groups) {
      const key = `${provider}/${group.source}`;
      if (group.targets.length === 0) state.groups.delete(key);
      else state.groups.set(key, resolveTargetGroup(group, state.config));
    }
  }
}

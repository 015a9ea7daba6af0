import { createHash } from 'node:crypto';
import type { KubeConfig, V1Pod, V1PodList } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { KubernetesSdConfig } from '../../config/kubernetes-sd-config.js';
import type { TargetGroup } from '../target-group.js';
import { DEFAULT_SERVICE_ACCOUNT_DIR, loadKubeConfig } from './kube-config.js';
import { podSource, podTargetGroup } from './pod-target-group.js';

/** The logger methods discovery uses (pino-compatible). */
export type DiscoveryLogger = Pick<Logger, 'debug' | 'info' | 'warn' | 'error'>;

/** Options of {@link KubernetesPodDiscovery}. */
export interface KubernetesPodDiscoveryOptions {
  readonly config: KubernetesSdConfig;
  /**
   * Called with the groups that changed (Prometheus's discoverer contract). A pod that went
   * away is reported as its group with no targets.
   */
  readonly onUpdate: (groups: TargetGroup[]) => void;
  readonly logger?: DiscoveryLogger;
  /** First retry delay after a failed list or watch; doubles up to `backoffMaxMs`, with jitter. Default 1000 ms. */
  readonly backoffInitialMs?: number;
  /** Longest retry delay. Default 30 000 ms. */
  readonly backoffMaxMs?: number;
  /** Timeout of one list (page) request. Default 30 000 ms. */
  readonly listTimeoutMs?: number;
  /** Page size of list requests (`limit`). Default 500. */
  readonly pageSize?: number;
  /**
   * Server-side watch timeout (`timeoutSeconds`). Default: random in [300, 600) s, as
   * client-go's reflector, so many watchers do not reconnect at once.
   */
  readonly watchTimeoutSeconds?: number;
  /** In-cluster service-account directory; see {@link loadKubeConfig}. Default `/var/run/secrets/kubernetes.io/serviceaccount`. */
  readonly serviceAccountDir?: string;
}

/** Counters for observability and tests. */
export interface KubernetesDiscoveryStats {
  /** Completed full lists. */
  lists: number;
  /** Watch requests started. */
  watches: number;
  /** Re-lists caused by `410 Gone` (expired resourceVersion or continue token). */
  relistsAfterGone: number;
  /** Failed lists or watches (each followed by a backed-off re-list). */
  failures: number;
}

type WatchOutcome =
  | { readonly kind: 'ended'; readonly resourceVersion: string; readonly idle: boolean }
  | { readonly kind: 'gone' }
  | { readonly kind: 'failed'; readonly error: unknown }
  | { readonly kind: 'closed' };

class GoneError extends Error {}

/**
 * Kubernetes pod discovery (role `pod`) with list + watch, one loop per configured namespace
 * (or one for all namespaces): list (paged) → watch from the list's resourceVersion with
 * bookmarks → re-watch from the last seen resourceVersion when the server ends the watch →
 * re-list immediately after `410 Gone`, and after a failure with exponential backoff.
 */
export class KubernetesPodDiscovery {
  readonly stats: KubernetesDiscoveryStats = { lists: 0, watches: 0, relistsAfterGone: 0, failures: 0 };
  private readonly opts: Required<Omit<KubernetesPodDiscoveryOptions, 'logger' | 'watchTimeoutSeconds'>> &
    Pick<KubernetesPodDiscoveryOptions, 'logger' | 'watchTimeoutSeconds'>;
  private readonly groupsBySource = new Map<string, { group: TargetGroup; fingerprint: string; namespaceKey: string }>();
  private readonly closer = new AbortController();
  private readonly loops: Promise<void>[] = [];
  private readonly syncedNamespaces = new Set<string>();
  private syncWaiters: (() => void)[] = [];
  private closing: Promise<void> | undefined;
  private kubeConfig: Promise<KubeConfig> | undefined;

  constructor(options: KubernetesPodDiscoveryOptions) {
    this.opts = {
      backoffInitialMs: 1000,
      backoffMaxMs: 30_000,
      listTimeoutMs: 30_000,
      pageSize: 500,
      serviceAccountDir: DEFAULT_SERVICE_ACCOUNT_DIR,
      ...options,
    };
  }

  /** Starts the list+watch loops. Call once. */
  start(): void {
    if (this.loops.length > 0 || this.closer.signal.aborted) return;
    const namespaces = this.opts.config.namespaces.length > 0 ? this.opts.config.namespaces : [undefined];
    for (const ns of namespaces) this.loops.push(this.runNamespace(ns));
  }

  /** Current groups (pods with an IP), sorted by source. */
  groups(): TargetGroup[] {
    return [...this.groupsBySource.values()].map((e) => e.group).sort((a, b) => (a.source < b.source ? -1 : 1));
  }

  /** Resolves once every namespace has completed its first list (or at close). */
  whenSynced(): Promise<void> {
    if (this.isSynced() || this.closer.signal.aborted) return Promise.resolve();
    return new Promise((resolve) => this.syncWaiters.push(resolve));
  }

  /** Stops watching and waits for the loops to end. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.closer.abort();
      this.releaseSyncWaiters();
      await Promise.allSettled(this.loops);
    })();
    return this.closing;
  }

  private isSynced(): boolean {
    const wanted = this.opts.config.namespaces.length > 0 ? this.opts.config.namespaces.length : 1;
    return this.syncedNamespaces.size >= wanted;
  }

  private releaseSyncWaiters(): void {
    const waiters = this.syncWaiters;
    this.syncWaiters = [];
    for (const w of waiters) w();
  }

  private async runNamespace(namespace: string | undefined): Promise<void> {
    const nsKey = namespace ?? '';
    let failuresInARow = 0;
    while (!this.closer.signal.aborted) {
      try {
        const kc = await (this.kubeConfig ??= loadKubeConfig(this.opts.config, { serviceAccountDir: this.opts.serviceAccountDir }).catch((err: unknown) => {
          this.kubeConfig = undefined;
          throw err;
        }));
        let resourceVersion = await this.list(kc, namespace);
        failuresInARow = 0;
        this.syncedNamespaces.add(nsKey);
        if (this.isSynced()) this.releaseSyncWaiters();
        for (;;) {
          const outcome = await this.watchOnce(kc, namespace, resourceVersion);
          if (outcome.kind === 'closed') return;
          if (outcome.kind === 'gone') throw new GoneError('watch resourceVersion expired (410 Gone)');
          if (outcome.kind === 'failed') throw outcome.error;
          resourceVersion = outcome.resourceVersion;
          // A server that ends every watch at once would otherwise be hammered in a tight loop.
          if (outcome.idle && !(await this.sleep(this.backoffMs(failuresInARow++)))) return;
          if (!outcome.idle) failuresInARow = 0;
        }
      } catch (err) {
        if (this.closer.signal.aborted) return;
        if (err instanceof GoneError) {
          this.stats.relistsAfterGone++;
          this.opts.logger?.info({ namespace: nsKey || '(all)' }, 'kubernetes watch expired, re-listing pods');
          continue;
        }
        this.stats.failures++;
        // Reload the client config on the next attempt: credentials may have been rotated.
        this.kubeConfig = undefined;
        const delayMs = this.backoffMs(failuresInARow++);
        this.opts.logger?.warn({ namespace: nsKey || '(all)', err: describeError(err), retryInMs: Math.round(delayMs) }, 'kubernetes pod discovery failed, re-listing after backoff');
        if (!(await this.sleep(delayMs))) return;
      }
    }
  }

  private backoffMs(failures: number): number {
    const capped = Math.min(this.opts.backoffMaxMs, this.opts.backoffInitialMs * 2 ** Math.min(failures, 30));
    return capped / 2 + (Math.random() * capped) / 2;
  }

  /** Resolves true after `ms`, or false at once when closed. */
  private sleep(ms: number): Promise<boolean> {
    const signal = this.closer.signal;
    if (signal.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        signal.removeEventListener('abort', onAbort);
        resolve(true);
      }, ms);
      timer.unref();
      const onAbort = (): void => {
        clearTimeout(timer);
        resolve(false);
      };
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Full (paged) list; replaces this namespace's pods and reports the differences. Returns the list's resourceVersion. */
  private async list(kc: KubeConfig, namespace: string | undefined): Promise<string> {
    const k8s = await import('@kubernetes/client-node');
    const api = kc.makeApiClient(k8s.CoreV1Api);
    const { label, field } = this.opts.config.selectors[0] ?? {};
    const nsKey = namespace ?? '';
    const fresh = new Map<string, TargetGroup>();
    let continueToken: string | undefined;
    let resourceVersion = '';
    do {
      const signal = AbortSignal.any([this.closer.signal, AbortSignal.timeout(this.opts.listTimeoutMs)]);
      const options = {
        middleware: [
          {
            pre: (ctx: import('@kubernetes/client-node').RequestContext) => {
              ctx.setSignal(signal);
              return new k8s.Observable(Promise.resolve(ctx));
            },
            post: (rsp: import('@kubernetes/client-node').ResponseContext) => new k8s.Observable(Promise.resolve(rsp)),
          },
        ],
        middlewareMergeStrategy: 'append' as const,
      };
      const params = {
        limit: this.opts.pageSize,
        ...(continueToken !== undefined ? { _continue: continueToken } : {}),
        ...(label !== undefined ? { labelSelector: label } : {}),
        ...(field !== undefined ? { fieldSelector: field } : {}),
      };
      let page: V1PodList;
      try {
        page =
          namespace === undefined
            ? await api.listPodForAllNamespaces(params, options)
            : await api.listNamespacedPod({ namespace, ...params }, options);
      } catch (err) {
        // An expired continue token is 410 too: start the list again from scratch.
        if ((err as { code?: unknown }).code === 410) throw new GoneError('list continue token expired (410 Gone)');
        throw err;
      }
      for (const pod of page.items) {
        const group = podTargetGroup(pod);
        fresh.set(group.source, group);
      }
      continueToken = page.metadata?._continue || undefined;
      resourceVersion = page.metadata?.resourceVersion ?? '';
    } while (continueToken !== undefined);

    const changed: TargetGroup[] = [];
    for (const [source, entry] of this.groupsBySource) {
      if (entry.namespaceKey === nsKey && !fresh.has(source)) {
        this.groupsBySource.delete(source);
        changed.push({ source, targets: [], labels: {} });
      }
    }
    for (const group of fresh.values()) {
      const c = this.upsert(group, nsKey);
      if (c !== undefined) changed.push(c);
    }
    this.stats.lists++;
    this.emit(changed);
    return resourceVersion;
  }

  private upsert(group: TargetGroup, namespaceKey: string): TargetGroup | undefined {
    // A digest rather than the JSON itself keeps memory flat with thousands of pods.
    const fingerprint = createHash('sha1').update(JSON.stringify(group)).digest('base64');
    if (this.groupsBySource.get(group.source)?.fingerprint === fingerprint) return undefined;
    this.groupsBySource.set(group.source, { group, fingerprint, namespaceKey });
    return group;
  }

  private remove(source: string): TargetGroup | undefined {
    if (!this.groupsBySource.delete(source)) return undefined;
    return { source, targets: [], labels: {} };
  }

  private emit(changed: TargetGroup[]): void {
    if (changed.length === 0) return;
    try {
      this.opts.onUpdate(changed);
    } catch (err) {
      this.opts.logger?.error({ err: describeError(err) }, 'kubernetes discovery update handler threw');
    }
  }

  /** One watch request, resolved when it ends (never rejects). */
  private async watchOnce(kc: KubeConfig, namespace: string | undefined, resourceVersion: string): Promise<WatchOutcome> {
    const k8s = await import('@kubernetes/client-node');
    const nsKey = namespace ?? '';
    const path = namespace === undefined ? '/api/v1/pods' : `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods`;
    const timeoutSeconds = this.opts.watchTimeoutSeconds ?? 300 + Math.floor(Math.random() * 300);
    const { label, field } = this.opts.config.selectors[0] ?? {};
    this.stats.watches++;
    return new Promise<WatchOutcome>((resolve) => {
      let settled = false;
      let lastResourceVersion = resourceVersion;
      let events = 0;
      let controller: AbortController | undefined;
      // A watch that neither delivers nor ends past its own timeout is a dead connection.
      let stallTimer: NodeJS.Timeout | undefined;
      const armStallTimer = (): void => {
        clearTimeout(stallTimer);
        stallTimer = setTimeout(() => finish({ kind: 'failed', error: new Error(`watch silent for ${timeoutSeconds + 60} s`) }), (timeoutSeconds + 60) * 1000);
        stallTimer.unref();
      };
      const onClose = (): void => finish({ kind: 'closed' });
      const finish = (outcome: WatchOutcome): void => {
        if (settled) return;
        settled = true;
        clearTimeout(stallTimer);
        this.closer.signal.removeEventListener('abort', onClose);
        controller?.abort();
        resolve(outcome);
      };
      if (this.closer.signal.aborted) return finish({ kind: 'closed' });
      this.closer.signal.addEventListener('abort', onClose, { once: true });
      armStallTimer();

      const onEvent = (type: string, object: unknown): void => {
        if (settled) return;
        events++;
        armStallTimer();
        const obj = object as { metadata?: { resourceVersion?: string; namespace?: string; name?: string }; code?: number; message?: string };
        if (type === 'ERROR') {
          finish(obj.code === 410 ? { kind: 'gone' } : { kind: 'failed', error: new Error(`watch error event ${obj.code ?? '?'}: ${obj.message ?? ''}`) });
          return;
        }
        const rv = obj.metadata?.resourceVersion;
        if (rv) lastResourceVersion = rv;
        if (type === 'ADDED' || type === 'MODIFIED') {
          const group = podTargetGroup(object as V1Pod);
          const c = this.upsert(group, nsKey);
          if (c !== undefined) this.emit([c]);
        } else if (type === 'DELETED') {
          const c = this.remove(podSource(obj.metadata?.namespace ?? '', obj.metadata?.name ?? ''));
          if (c !== undefined) this.emit([c]);
        }
      };
      const started = Date.now();
      const onDone = (err: unknown): void => {
        if (err === null || err === undefined) {
          finish({ kind: 'ended', resourceVersion: lastResourceVersion, idle: events === 0 && Date.now() - started < 1000 });
        } else {
          finish((err as { statusCode?: unknown }).statusCode === 410 ? { kind: 'gone' } : { kind: 'failed', error: err });
        }
      };
      new k8s.Watch(kc)
        .watch(
          path,
          {
            resourceVersion,
            allowWatchBookmarks: true,
            timeoutSeconds,
            ...(label !== undefined ? { labelSelector: label } : {}),
            ...(field !== undefined ? { fieldSelector: field } : {}),
          },
          onEvent,
          onDone,
        )
        .then((c) => {
          controller = c;
          if (settled) c.abort();
        })
        .catch((err: unknown) => finish({ kind: 'failed', error: err }));
    });
  }
}

function describeError(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}

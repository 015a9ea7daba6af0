import type { TenantLimits } from '../config/resolve-config.js';
import { LimitError } from '../errors.js';
import type { IngestProfile } from '../model/ingest-profile.js';
import { type NewSymbols, countNewSymbols, newSymbolBound } from './row-encoder.js';
import { StackInterner } from './stack-interner.js';
import { appKey, labelsKey, tenantOfLabels } from './series-catalog.js';

/** The limits the store applies to writes (`limits.*`; 0 = off). */
export type WriteLimits = Pick<TenantLimits, 'appMaxSeries' | 'tenantMaxSeries' | 'appMaxNewStacksPerMinute' | 'appMaxNewNamesPerMinute'>;

const MINUTE_MS = 60_000;

/** A block not created yet, as the limits see it: no series, an empty trie. */
export interface BlockCounts {
  hasSeries(input: { readonly name: string }, labels: string): boolean;
  seriesOfApp(app: string): number;
  seriesOfTenant(tenant: string): number;
  countNewSymbols(p: IngestProfile): NewSymbols;
}

const EMPTY_BLOCK: BlockCounts = {
  hasSeries: () => false,
  seriesOfApp: () => 0,
  seriesOfTenant: () => 0,
  countNewSymbols: (p) => countNewSymbols(p, new StackInterner()),
};
// Applications whose minute counters are kept at most; past it the stale ones go first.
const MAX_COUNTED_APPS = 100_000;

interface MinuteCount {
  minute: number;
  names: number;
  stacks: number;
}

/**
 * The store's per-application and per-tenant write limits, checked for each group (one request's
 * profiles) before anything of it is written, so a group over a limit is refused alone and the
 * other groups of its batch are stored: series per application and per tenant in a block window
 * (counted by the block's catalog), and names and stack nodes new to their block per
 * application and minute. A profile's new symbols are bounded cheaply first
 * ({@link newSymbolBound}); only a profile whose bound would not fit is counted exactly against
 * its block's trie. What a stored profile really added is recorded after the write.
 */
export class WriteLimiter {
  readonly #limits: WriteLimits;
  readonly #now: () => number;
  readonly #minutes = new Map<string, MinuteCount>();

  constructor(limits: WriteLimits, now: () => number = Date.now) {
    this.#limits = limits;
    this.#now = now;
  }

  /**
   * Checks `groups` in order against the limits, counting what earlier admitted groups of the
   * same call add: per group `undefined` (admitted) or the `LimitError` refusing it.
   * `blockOf(p)` is the block `p` would be written to (undefined: a new one).
   */
  admit(groups: readonly (readonly IngestProfile[])[], blockOf: (p: IngestProfile) => BlockCounts | undefined): (LimitError | undefined)[] {
    const minute = Math.floor(this.#now() / MINUTE_MS);
    // What admitted groups of this call will add (not written yet).
    const pending = { symbols: new Map<string, NewSymbols>(), series: new SeriesTally() };
    return groups.map((group) => {
      const mine = { symbols: new Map<string, NewSymbols>(), series: new SeriesTally() };
      for (const p of group) {
        if (p.series.length === 0) continue;
        const block = blockOf(p) ?? EMPTY_BLOCK;
        const first = p.series[0]!.series;
        const tenant = tenantOfLabels(first.labels);
        const app = appKey(tenant, first.name);
        const refused = this.#checkSeries(p, block, tenant, app, pending.series, mine.series) ?? this.#checkSymbols(p, block, app, minute, pending.symbols, mine.symbols);
        if (refused !== undefined) return refused;
      }
      for (const [app, n] of mine.symbols) add(pending.symbols, app, n);
      pending.series.addAll(mine.series);
      return undefined;
    });
  }

  /** Records what a stored profile really added to its block. */
  record(p: IngestProfile, added: NewSymbols): void {
    if (p.series.length === 0 || (added.names === 0 && added.stacks === 0)) return;
    const first = p.series[0]!.series;
    const app = appKey(tenantOfLabels(first.labels), first.name);
    const count = this.#count(app, Math.floor(this.#now() / MINUTE_MS));
    count.names += added.names;
    count.stacks += added.stacks;
  }

  #checkSeries(p: IngestProfile, block: BlockCounts, tenant: string, app: string, pending: SeriesTally, mine: SeriesTally): LimitError | undefined {
    const { appMaxSeries, tenantMaxSeries } = this.#limits;
    if (appMaxSeries === 0 && tenantMaxSeries === 0) return undefined;
    let added = 0;
    for (const s of p.series) {
      const labels = labelsKey(s.series.labels);
      const key = `${s.series.name}\u0000${labels}`;
      if (block.hasSeries(s.series, labels) || pending.has(block, key) || mine.has(block, key)) continue;
      mine.add(block, key, tenant, app);
      added++;
    }
    if (added === 0) return undefined;
    const ofApp = block.seriesOfApp(app) + pending.ofApp(block, app) + mine.ofApp(block, app);
    if (appMaxSeries > 0 && ofApp > appMaxSeries) {
      return new LimitError(
        'KPROF_LIMIT_APP_SERIES',
        `application ${quoted(app)} would have ${ofApp} series in this block window with this profile (${added} new), over limits.app-max-series (${appMaxSeries}); send fewer label sets or sample types, or raise the limit`,
      );
    }
    const ofTenant = block.seriesOfTenant(tenant) + pending.ofTenant(block, tenant) + mine.ofTenant(block, tenant);
    if (tenantMaxSeries > 0 && ofTenant > tenantMaxSeries) {
      return new LimitError(
        'KPROF_LIMIT_TENANT_SERIES',
        `tenant ${JSON.stringify(tenant)} would have ${ofTenant} series in this block window with this profile (${added} new), over limits.tenant-max-series (${tenantMaxSeries}); send fewer series, or raise the limit`,
      );
    }
    return undefined;
  }

  #checkSymbols(p: IngestProfile, block: BlockCounts, app: string, minute: number, pending: Map<string, NewSymbols>, mine: Map<string, NewSymbols>): LimitError | undefined {
    const { appMaxNewStacksPerMinute: maxStacks, appMaxNewNamesPerMinute: maxNames } = this.#limits;
    if (maxStacks === 0 && maxNames === 0) return undefined;
    const count = this.#count(app, minute);
    const used = { names: count.names + (pending.get(app)?.names ?? 0) + (mine.get(app)?.names ?? 0), stacks: count.stacks + (pending.get(app)?.stacks ?? 0) + (mine.get(app)?.stacks ?? 0) };
    const fits = (n: NewSymbols): boolean => (maxStacks === 0 || used.stacks + n.stacks <= maxStacks) && (maxNames === 0 || used.names + n.names <= maxNames);
    let adds = newSymbolBound(p);
    if (!fits(adds)) adds = block.countNewSymbols(p);
    const name = quoted(app);
    if (maxStacks > 0 && adds.stacks > maxStacks) {
      return new LimitError(
        'KPROF_LIMIT_PROFILE_NEW_STACKS',
        `a profile of application ${name} adds ${adds.stacks} new call paths, more than limits.app-max-new-stacks-per-minute (${maxStacks}) allows in a minute; send smaller profiles or raise the limit`,
      );
    }
    if (maxStacks > 0 && used.stacks + adds.stacks > maxStacks) {
      return new LimitError(
        'KPROF_LIMIT_APP_NEW_STACKS',
        `application ${name} added ${used.stacks} new call paths this minute and this profile adds ${adds.stacks}, over limits.app-max-new-stacks-per-minute (${maxStacks}); retry later, look for generated function names, or raise the limit`,
      );
    }
    if (maxNames > 0 && used.names + adds.names > maxNames) {
      return new LimitError(
        'KPROF_LIMIT_APP_NEW_NAMES',
        `application ${name} added ${used.names} new function names this minute and this profile adds ${adds.names}, over limits.app-max-new-names-per-minute (${maxNames}); retry later, look for generated function names, or raise the limit`,
      );
    }
    add(mine, app, adds);
    return undefined;
  }

  #count(app: string, minute: number): MinuteCount {
    let count = this.#minutes.get(app);
    if (count === undefined || count.minute !== minute) {
      if (count === undefined && this.#minutes.size >= MAX_COUNTED_APPS) this.#dropStale(minute);
      count = { minute, names: 0, stacks: 0 };
      this.#minutes.set(app, count);
    }
    return count;
  }

  #dropStale(minute: number): void {
    for (const [app, c] of this.#minutes) if (c.minute !== minute) this.#minutes.delete(app);
  }
}

function add(map: Map<string, NewSymbols>, key: string, n: NewSymbols): void {
  const prev = map.get(key);
  if (prev === undefined) map.set(key, { ...n });
  else {
    prev.names += n.names;
    prev.stacks += n.stacks;
  }
}


// The application of an app key, quoted for a message.
function quoted(app: string): string {
  return JSON.stringify(app.slice(app.indexOf('\u0000') + 1));
}

/** New series per block: their keys, and how many per application and tenant. */
class SeriesTally {
  readonly #keys = new Map<BlockCounts, Set<string>>();
  readonly #counts = new Map<BlockCounts, Map<string, number>>();

  has(block: BlockCounts, key: string): boolean {
    return this.#keys.get(block)?.has(key) ?? false;
  }

  add(block: BlockCounts, key: string, tenant: string, app: string): void {
    let keys = this.#keys.get(block);
    if (keys === undefined) this.#keys.set(block, (keys = new Set()));
    keys.add(key);
    let counts = this.#counts.get(block);
    if (counts === undefined) this.#counts.set(block, (counts = new Map()));
    for (const k of [`a${app}`, `t${tenant}`]) counts.set(k, (counts.get(k) ?? 0) + 1);
  }

  addAll(other: SeriesTally): void {
    for (const [block, keys] of other.#keys) {
      const counts = other.#counts.get(block)!;
      let mine = this.#keys.get(block);
      if (mine === undefined) this.#keys.set(block, (mine = new Set()));
      for (const k of keys) mine.add(k);
      let myCounts = this.#counts.get(block);
      if (myCounts === undefined) this.#counts.set(block, (myCounts = new Map()));
      for (const [k, n] of counts) myCounts.set(k, (myCounts.get(k) ?? 0) + n);
    }
  }

  ofApp(block: BlockCounts, app: string): number {
    return this.#counts.get(block)?.get(`a${app}`) ?? 0;
  }

  ofTenant(block: BlockCounts, tenant: string): number {
    return this.#counts.get(block)?.get(`t${tenant}`) ?? 0;
  }
}

import type Database from 'better-sqlite3';
import type { SeriesInput } from '../model/ingest-profile.js';
import { splitSeriesName } from '../model/profile-type.js';
import { TENANT_LABEL } from '../model/tenant.js';
import type { StoredSeries } from '../model/stored-series.js';

/** A series of one block, with its id there. */
export interface BlockSeries extends StoredSeries {
  readonly id: number;
}

/** Series and row groups created by one write, to insert with it or forget if it fails. */
export interface CatalogChanges {
  readonly series: BlockSeries[];
  readonly groups: number[];
}

/**
 * The store's series and row groups in memory: each series' id, labels and metadata; each row
 * group's columns (the series of one label set, in series id order); and where each series sits
 * (a series may be in several groups over time). Loaded once from the database; new entries are
 * created by writes and forgotten again by {@link rollback} when their transaction fails.
 */
export class SeriesCatalog {
  readonly #series = new Map<number, BlockSeries>();
  readonly #seriesByKey = new Map<string, number>();
  readonly #groups = new Map<number, readonly number[]>();
  readonly #groupByKey = new Map<string, number>();
  readonly #placesBySeries = new Map<number, [number, number][]>();
  #nextSeriesId = 1;
  #nextGroupId = 1;
  // Series per application (tenant + app) and per tenant, for the series limits.
  readonly #perApp = new Map<string, number>();
  readonly #perTenant = new Map<string, number>();

  /** Series of `app` of `tenant` (see {@link appKey}). */
  seriesOfApp(key: string): number {
    return this.#perApp.get(key) ?? 0;
  }

  /** Series of `tenant` ('' without multi-tenancy). */
  seriesOfTenant(tenant: string): number {
    return this.#perTenant.get(tenant) ?? 0;
  }

  /** True when the block has the series `input` (labels key `labels`). */
  has(input: Pick<SeriesInput, 'name'>, labels: string): boolean {
    return this.#seriesByKey.has(`${input.name}\u0000${labels}`);
  }

  /** Every series, in id order. */
  series(): BlockSeries[] {
    return [...this.#series.values()];
  }

  /** Row groups: id → member series ids (column order). */
  get groups(): ReadonlyMap<number, readonly number[]> {
    return this.#groups;
  }

  /** The (group, column) places of a series. */
  placesOf(seriesId: number): readonly (readonly [number, number])[] {
    return this.#placesBySeries.get(seriesId) ?? [];
  }

  /** The id of the series `input` with canonical labels key `labels`, created (and noted in `changes`) if new. */
  seriesId(input: SeriesInput, labels: string, changes: CatalogChanges): number {
    const key = `${input.name}\u0000${labels}`;
    const existing = this.#seriesByKey.get(key);
    if (existing !== undefined) return existing;
    const id = this.#nextSeriesId++;
    const s: BlockSeries = { id, name: input.name, labels: sortLabels(input.labels), meta: input.meta };
    this.#series.set(id, s);
    this.#seriesByKey.set(key, id);
    this.#count(s, 1);
    changes.series.push(s);
    return id;
  }

  /** The id of the row group of `members` (series ids, ascending), created (and noted in `changes`) if new. */
  groupId(members: number[], changes: CatalogChanges): number {
    const key = members.join(',');
    const existing = this.#groupByKey.get(key);
    if (existing !== undefined) return existing;
    const id = this.#nextGroupId++;
    this.#addGroup(id, members);
    changes.groups.push(id);
    return id;
  }

  /** Forgets what a failed write created (its ids are handed out again). */
  rollback(changes: CatalogChanges): void {
    if (changes.series.length > 0) this.#nextSeriesId = changes.series[0]!.id;
    for (const s of changes.series) {
      this.#series.delete(s.id);
      this.#seriesByKey.delete(seriesKey(s.name, s.labels));
      this.#count(s, -1);
    }
    if (changes.groups.length > 0) this.#nextGroupId = changes.groups[0]!;
    for (const g of changes.groups) {
      const members = this.#groups.get(g)!;
      this.#groups.delete(g);
      this.#groupByKey.delete(members.join(','));
      for (const seriesId of members) {
        const places = this.#placesBySeries.get(seriesId)!.filter(([group]) => group !== g);
        if (places.length > 0) this.#placesBySeries.set(seriesId, places);
        else this.#placesBySeries.delete(seriesId);
      }
    }
  }

  /**
   * Reads the `series` and `group_columns` rows not read yet (ids only grow: a reader calls this
   * again to pick up what the writer added since).
   */
  load(db: Database.Database): void {
    const rows = db.prepare('SELECT id, name, labels, spy_name, sample_rate, units, aggregation FROM series WHERE id >= ? ORDER BY id').all(this.#nextSeriesId) as {
      id: number;
      name: string;
      labels: string;
      spy_name: string;
      sample_rate: number;
      units: string;
      aggregation: string;
    }[];
    for (const r of rows) {
      const labels = JSON.parse(r.labels) as Record<string, string>;
      this.#series.set(r.id, {
        id: r.id,
        name: r.name,
        labels,
        meta: { spyName: r.spy_name, sampleRate: r.sample_rate, units: r.units, aggregation: r.aggregation === 'average' ? 'average' : 'sum' },
      });
      this.#seriesByKey.set(seriesKey(r.name, labels), r.id);
      this.#count({ name: r.name, labels }, 1);
      this.#nextSeriesId = r.id + 1;
    }
    let members: number[] = [];
    let current = -1;
    const groups = db.prepare('SELECT group_id, series_id FROM group_columns WHERE group_id >= ? ORDER BY group_id, col').raw();
    for (const [groupId, seriesId] of groups.iterate(this.#nextGroupId) as Iterable<[number, number]>) {
      if (groupId !== current) {
        if (current >= 0) this.#addGroup(current, members);
        current = groupId;
        members = [];
      }
      members.push(seriesId);
    }
    if (current >= 0) this.#addGroup(current, members);
    // Rows come in group order, so the last group is the highest (no spread of every id: that
    // overflows the call stack past ~150,000 groups, as many as a large v3 database's series).
    if (current >= 0) this.#nextGroupId = current + 1;
  }

  #count(s: Pick<StoredSeries, 'name' | 'labels'>, by: 1 | -1): void {
    const tenant = tenantOfLabels(s.labels);
    const app = appKey(tenant, s.name);
    this.#perApp.set(app, (this.#perApp.get(app) ?? 0) + by);
    this.#perTenant.set(tenant, (this.#perTenant.get(tenant) ?? 0) + by);
  }

  #addGroup(groupId: number, members: readonly number[]): void {
    this.#groups.set(groupId, members);
    this.#groupByKey.set(members.join(','), groupId);
    members.forEach((seriesId, col) => {
      const places = this.#placesBySeries.get(seriesId);
      if (places === undefined) this.#placesBySeries.set(seriesId, [[groupId, col]]);
      else places.push([groupId, col]);
    });
  }
}

function sortLabels(labels: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of Object.keys(labels).sort()) out[k] = labels[k]!;
  return out;
}

/** A label set's canonical key: its labels in name order, as JSON (also the `series.labels` column). */
export function labelsKey(labels: Readonly<Record<string, string>>): string {
  return JSON.stringify(sortLabels(labels));
}

function seriesKey(name: string, labels: Readonly<Record<string, string>>): string {
  return `${name}\u0000${labelsKey(labels)}`;
}

/** The tenant of a series' labels: its `__tenant__`, '' without multi-tenancy. */
export function tenantOfLabels(labels: Readonly<Record<string, string>>): string {
  return labels[TENANT_LABEL] ?? '';
}

/** The key the per-application limits count under: tenant and application (the series name without its sample type). */
export function appKey(tenant: string, seriesName: string): string {
  return `${tenant}\u0000${splitSeriesName(seriesName).app}`;
}

import { h } from './dom.js';
import type { FlameData } from './flamebearer.js';
import { type ValueUnits, formatChange, formatPercent, formatValue } from './format-value.js';
import { type FunctionStat, functionStats } from './function-stats.js';

// One collator for every comparison: String#localeCompare sets one up per call, which made
// sorting ~10,000 functions a visible part of the first paint (bench/ui). Made on first use, not
// when the script loads (setting up a collator takes a few ms of the page load).
let collator: Intl.Collator | undefined;
function compareNames(a: string, b: string): number {
  collator ??= new Intl.Collator();
  return collator.compare(a, b);
}

type SortKey = 'name' | 'self' | 'total' | 'leftTotal' | 'rightTotal' | 'change';

interface Column {
  key: SortKey;
  label: string;
  numeric: boolean;
}

/**
 * Rows rendered at once (four to five screens of the scrolling table); the search narrows the
 * rest. With 300, each keystroke on an 8,192-node profile spent 3–4× longer building and laying
 * out rows (bench/ui).
 */
export const MAX_TABLE_ROWS = 100;

/**
 * Sortable per-function table linked with the flamegraph: its rows follow the search, and
 * choosing a function searches for it in the graph.
 */
export class FunctionTable {
  readonly element: HTMLElement;
  private readonly table: HTMLTableElement;
  private readonly note: HTMLElement;
  private stats: FunctionStat[] = [];
  private data: FlameData | null = null;
  private units: ValueUnits = { units: 'samples', sampleRate: 0 };
  private sortKey: SortKey = 'self';
  private descending = true;
  private filter = '';

  constructor(private readonly onPick: (name: string) => void) {
    this.table = h('table', { class: 'fn-table' });
    this.note = h('p', { class: 'table-note' });
    this.element = h('section', { class: 'table-wrap', 'aria-label': 'Functions table' }, this.table, this.note);
  }

  /** Shows a profile's functions. */
  setData(data: FlameData, units: ValueUnits, filter: string): void {
    this.data = data;
    this.units = units;
    this.stats = functionStats(data);
    this.filter = filter;
    this.sortKey = data.diff ? 'change' : 'self';
    this.descending = true;
    this.render();
  }

  /** Keeps only functions whose name contains `filter`. */
  setFilter(filter: string): void {
    this.filter = filter;
    this.render();
  }

  private columns(): Column[] {
    return this.data?.diff
      ? [
        { key: 'name', label: 'Function', numeric: false },
        { key: 'leftTotal', label: 'Baseline total', numeric: true },
        { key: 'rightTotal', label: 'Comparison total', numeric: true },
        { key: 'change', label: 'Change', numeric: true },
      ]
      : [
        { key: 'name', label: 'Function', numeric: false },
        { key: 'self', label: 'Self', numeric: true },
        { key: 'total', label: 'Total', numeric: true },
      ];
  }

  private change(s: FunctionStat): number {
    const l = s.leftTotal / Math.max(1, this.data?.leftTicks ?? 1);
    const r = s.rightTotal / Math.max(1, this.data?.rightTicks ?? 1);
    if (l === 0) return r > 0 ? Number.POSITIVE_INFINITY : 0;
    return (r - l) / l;
  }

  private value(s: FunctionStat, key: SortKey): number | string {
    return key === 'name' ? s.name : key === 'change' ? this.change(s) : s[key];
  }

  private render(): void {
    const data = this.data;
    if (!data) return;
    const cols = this.columns();
    const f = this.filter.trim().toLowerCase();
    const rows = f ? this.stats.filter((s) => s.name.toLowerCase().includes(f)) : this.stats.slice();
    const key = this.sortKey;
    const dir = this.descending ? -1 : 1;
    rows.sort((a, b) => {
      const va = this.value(a, key);
      const vb = this.value(b, key);
      // va === vb first: two `new` functions both have an infinite change, and ∞ − ∞ is NaN.
      const c = typeof va === 'string' ? compareNames(va, vb as string) : va === vb ? 0 : (va as number) - (vb as number);
      return c === 0 ? compareNames(a.name, b.name) : c * dir;
    });

    const head = h('tr', {}, ...cols.map((c) => {
      const btn = h('button', { type: 'button', text: c.label });
      btn.addEventListener('click', () => {
        if (this.sortKey === c.key) this.descending = !this.descending;
        else { this.sortKey = c.key; this.descending = c.numeric; }
        this.render();
      });
      const sorted = c.key === key ? (this.descending ? 'descending' : 'ascending') : undefined;
      return h('th', { scope: 'col', 'aria-sort': sorted, class: c.numeric ? 'num' : '' }, btn);
    }));

    const shown = rows.slice(0, MAX_TABLE_ROWS);
    const body = h('tbody', {}, ...shown.map((s) => {
      const pick = h('button', { type: 'button', class: 'fn-name', title: `Highlight ${s.name} in the flamegraph`, text: s.name });
      pick.addEventListener('click', () => this.onPick(s.name));
      const cells: HTMLElement[] = [h('th', { scope: 'row' }, pick)];
      if (data.diff) {
        cells.push(
          h('td', { class: 'num', text: `${formatValue(s.leftTotal, this.units)} (${formatPercent(s.leftTotal, data.leftTicks)})` }),
          h('td', { class: 'num', text: `${formatValue(s.rightTotal, this.units)} (${formatPercent(s.rightTotal, data.rightTicks)})` }),
          h('td', {
            class: `num change ${this.change(s) > 0 ? 'up' : this.change(s) < 0 ? 'down' : ''}`,
            'data-change': String(this.change(s)),
            text: formatChange(s.leftTotal / Math.max(1, data.leftTicks), s.rightTotal / Math.max(1, data.rightTicks)),
          }),
        );
      } else {
        cells.push(
          h('td', { class: 'num', text: `${formatValue(s.self, this.units)} (${formatPercent(s.self, data.numTicks)})` }),
          h('td', { class: 'num', text: `${formatValue(s.total, this.units)} (${formatPercent(s.total, data.numTicks)})` }),
        );
      }
      return h('tr', {}, ...cells);
    }));
    const caption = h('caption', {
      text: data.diff ? 'Functions: baseline vs comparison (share of each side)' : 'Functions by self and total',
    });
    this.table.replaceChildren(caption, h('thead', {}, head), body);
    this.note.textContent = rows.length > MAX_TABLE_ROWS
      ? `Showing ${MAX_TABLE_ROWS} of ${rows.length} functions; search to narrow.`
      : rows.length === 0 ? 'No functions match the search.' : `${rows.length} function${rows.length === 1 ? '' : 's'}.`;
  }
}

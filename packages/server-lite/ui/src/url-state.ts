/** Which page is shown. */
export type View = 'apps' | 'single' | 'diff' | 'targets';

/** Everything a view needs; it all lives in the URL's query string so views can be shared. */
export interface ViewState {
  view: View;
  /** FlameQL, e.g. `app.cpu{env="prod"}`. */
  query: string;
  from: string;
  until: string;
  /** Diff: the right side's query; empty means the same as `query`. */
  rightQuery: string;
  leftFrom: string;
  leftUntil: string;
  rightFrom: string;
  rightUntil: string;
  search: string;
  maxNodes: number;
}

/** Default node budget, as Pyroscope's `/render` (0 → 8192). */
export const DEFAULT_MAX_NODES = 8192;

const DEFAULTS: ViewState = {
  view: 'apps', query: '', from: 'now-1h', until: 'now', rightQuery: '',
  leftFrom: 'now-2h', leftUntil: 'now-1h', rightFrom: 'now-1h', rightUntil: 'now',
  search: '', maxNodes: DEFAULT_MAX_NODES,
};

const VIEWS: readonly View[] = ['apps', 'single', 'diff', 'targets'];

/** Reads the state from a query string; unknown or malformed values fall back to defaults. */
export function parseState(search: string): ViewState {
  const p = new URLSearchParams(search);
  const view = p.get('view') as View | null;
  const maxNodes = Number(p.get('maxNodes'));
  const s: ViewState = {
    ...DEFAULTS,
    view: view && VIEWS.includes(view) ? view : p.get('query') ? 'single' : 'apps',
    maxNodes: Number.isInteger(maxNodes) && maxNodes > 0 && maxNodes <= 1_048_576 ? maxNodes : DEFAULT_MAX_NODES,
  };
  for (const key of ['query', 'from', 'until', 'rightQuery', 'leftFrom', 'leftUntil', 'rightFrom', 'rightUntil', 'search'] as const) {
    const v = p.get(key);
    if (v !== null && v.length <= 4096) s[key] = v;
  }
  return s;
}

/** Query string for `s`, leaving out defaults and the keys the view does not use. */
export function formatState(s: ViewState): string {
  const p = new URLSearchParams();
  p.set('view', s.view);
  const keys: Array<keyof ViewState> =
    s.view === 'single' ? ['query', 'from', 'until', 'search', 'maxNodes']
      : s.view === 'diff' ? ['query', 'rightQuery', 'leftFrom', 'leftUntil', 'rightFrom', 'rightUntil', 'search', 'maxNodes']
        : [];
  for (const k of keys) {
    const v = s[k];
    if (v !== '' && v !== DEFAULTS[k]) p.set(k, String(v));
  }
  return `?${p.toString()}`;
}

/** `s` with `patch` applied. */
export function withState(s: ViewState, patch: Partial<ViewState>): ViewState {
  return { ...s, ...patch };
}

import { type AppInfo, ApiError, fetchApps, fetchDiff, fetchRender, isUnauthorized } from './api.js';
import { appList } from './app-list.js';
import { clearToken, getToken, setToken } from './auth-token.js';
import { h, showMessage } from './dom.js';
import { FlameGraph } from './flame-graph.js';
import { type RenderResponse, decodeFlamebearer } from './flamebearer.js';
import { FunctionTable } from './function-table.js';
import { type Interaction, afterNextPaint, measureInteraction } from './interaction-timing.js';
import { queryBar } from './query-bar.js';
import { signInForm } from './sign-in.js';
import { renderTargets } from './targets-view.js';
import { displayTime } from './time-input.js';
import { timelineChart } from './timeline-chart.js';
import { type ViewState, formatState, parseState, withState } from './url-state.js';

const root = document.getElementById('app') as HTMLElement;
let state = parseState(location.search);
let inflight = new AbortController();
let appsCache: Promise<AppInfo[]> | null = null;
let dispose: (() => void) | null = null;
// What started the view being rendered, for its paint measure: the page load (time 0) or a
// query change (navigate, a link, back/forward) at its performance.now().
// Cleared once measured, so a later re-render is not timed from a stale start.
let viewStart: { kind: Interaction; ms: number } | null = { kind: 'load-to-paint', ms: 0 };

function apps(signal: AbortSignal): Promise<AppInfo[]> {
  appsCache ??= fetchApps(signal).catch((err) => { appsCache = null; throw err; });
  return appsCache;
}

function hrefFor(s: ViewState): string {
  return formatState(s);
}

/** Applies a change: new URL entry, then re-render. */
function navigate(patch: Partial<ViewState>): void {
  viewStart = { kind: 'query-to-paint', ms: performance.now() };
  state = withState(state, patch);
  history.pushState(null, '', hrefFor(state));
  render();
}

/**
 * A 401 (server-lite with `auth.query-tokens`): forget the token that was refused, if any, and
 * show the sign-in prompt in place of the view; a token entered there re-renders the view.
 * Returns false for any other error.
 */
function promptOnUnauthorized(err: unknown, signal: AbortSignal): boolean {
  if (!isUnauthorized(err)) return false;
  if (signal.aborted) return true;
  const refused = getToken() !== null;
  if (refused) clearToken();
  inflight.abort();
  appsCache = null;
  const main = h('main', { id: 'view' }, signInForm({ refused, serverMessage: err.message }, (token) => {
    setToken(token);
    render();
  }));
  root.replaceChildren(header(), main);
  document.title = 'Sign in · kprof';
  main.querySelector('input')?.focus();
  return true;
}

function describeError(err: unknown): string {
  if (err instanceof ApiError) return `The server answered ${err.status}: ${err.message}`;
  return `Request failed: ${(err as Error).message}`;
}

function header(): HTMLElement {
  const link = (label: string, view: ViewState['view']): HTMLElement =>
    h('a', { href: hrefFor(withState(state, { view })), 'aria-current': state.view === view ? 'page' : undefined, text: label });
  let signOut: HTMLElement | null = null;
  if (getToken() !== null) {
    signOut = h('button', { type: 'button', class: 'sign-out', text: 'Sign out' });
    signOut.addEventListener('click', () => {
      clearToken();
      render();
    });
  }
  return h('header', { class: 'top' },
    h('a', { class: 'brand', href: '?view=apps', text: 'kprof' }),
    h('nav', { 'aria-label': 'Main' }, link('Applications', 'apps'), link('Targets', 'targets')),
    signOut);
}

async function renderApps(host: HTMLElement, signal: AbortSignal): Promise<void> {
  showMessage(host, 'loading', 'Loading applications…');
  try {
    const list = await fetchApps(signal);
    appsCache = Promise.resolve(list);
    if (list.length === 0) {
      showMessage(host, 'empty', 'No applications yet. Point an SDK or agent at this server’s /ingest endpoint.');
      return;
    }
    host.replaceChildren(appList(list, '', (series) => hrefFor(withState(state, { view: 'single', query: series, search: '' }))));
    host.setAttribute('aria-busy', 'false');
  } catch (err) {
    if (promptOnUnauthorized(err, signal)) return;
    if (!signal.aborted) showMessage(host, 'error', `Could not load applications. ${describeError(err)}`);
  }
}

async function renderProfile(host: HTMLElement, signal: AbortSignal): Promise<void> {
  const diff = state.view === 'diff';
  const bar = h('div', { class: 'bar-slot' });
  const timelineSlot = h('div', { class: 'timeline-slot' });
  const body = h('div', { class: 'profile-body', 'aria-live': 'polite' });
  const right = state.rightQuery && state.rightQuery !== state.query ? ` vs ${state.rightQuery}` : '';
  const title = h('h2', { text: diff ? `Diff: ${state.query}${right}` : state.query });
  host.replaceChildren(title, bar, timelineSlot, body);
  document.title = `${state.query} · kprof`;
  // The timeline, and on a page load the query bar, are built once the flamegraph is on screen
  // (or the view ends without one): their DOM, layout and the bar's /labels request would
  // otherwise run before the first draw. Their height stays reserved meanwhile (`reserved` in
  // style.css), so the flamegraph does not move. On a query change the bar is built at once, as
  // before: the apps are cached, so it is done while /render is on its way.
  let graphShown!: () => void;
  const afterGraph = new Promise<void>((resolve) => { graphShown = resolve; });
  const barAfterGraph = viewStart?.kind === 'load-to-paint';
  if (barAfterGraph) bar.classList.add('reserved');
  void Promise.all([apps(signal).catch((): AppInfo[] => []), barAfterGraph ? afterGraph : undefined]).then(([list]) => {
    bar.classList.remove('reserved');
    if (!signal.aborted) bar.replaceChildren(queryBar(state, list, navigate));
  });
  let drew = false;
  try {
    drew = await showProfile(body, timelineSlot, afterGraph, signal);
  } finally {
    // After the frame that paints the flamegraph (and after the table, queued before it).
    if (drew) afterNextPaint(graphShown);
    else graphShown();
  }
}

/**
 * Fetches, decodes and draws the view's profile into `body` (the timeline follows `afterGraph`);
 * true when it drew a flamegraph, false for a message (empty, error) or an aborted view.
 */
async function showProfile(body: HTMLElement, timelineSlot: HTMLElement, afterGraph: Promise<void>, signal: AbortSignal): Promise<boolean> {
  const diff = state.view === 'diff';
  if (!state.query) {
    showMessage(body, 'empty', 'Choose an application first.');
    return false;
  }
  showMessage(body, 'loading', 'Loading profile…');
  let res: RenderResponse;
  const t0 = performance.now();
  try {
    res = diff
      ? await fetchDiff({
        leftQuery: state.query, leftFrom: state.leftFrom, leftUntil: state.leftUntil,
        rightQuery: state.rightQuery || state.query, rightFrom: state.rightFrom, rightUntil: state.rightUntil,
        maxNodes: state.maxNodes,
      }, signal)
      : await fetchRender(state.query, state.from, state.until, state.maxNodes, signal);
  } catch (err) {
    if (promptOnUnauthorized(err, signal)) return false;
    if (!signal.aborted) showMessage(body, 'error', `Could not load the profile. ${describeError(err)}`);
    return false;
  }
  if (signal.aborted) return false;
  const fetched = performance.now();

  const tl = res.timeline;
  if (!diff && tl && tl.samples.length > 0) {
    timelineSlot.classList.add('reserved');
    void afterGraph.then(() => {
      timelineSlot.classList.remove('reserved');
      if (signal.aborted) return;
      const endSec = tl.startTime + tl.samples.length * tl.durationDelta;
      timelineSlot.replaceChildren(h('h3', { class: 'sr-only', text: 'Timeline' }),
        timelineChart(tl, (from, until) => navigate({ from: String(from), until: String(until) })),
        h('div', { class: 'timeline-axis' },
          h('span', { text: displayTime(String(tl.startTime)) }),
          h('span', { text: `${tl.durationDelta} s buckets · drag to zoom in` }),
          h('span', { text: displayTime(String(endSec)) })));
    });
  }
  let data;
  try {
    data = decodeFlamebearer(res);
  } catch (err) {
    showMessage(body, 'error', `The server sent a profile this UI cannot read: ${(err as Error).message}`);
    return false;
  }
  if (data.numTicks === 0 || data.name.length === 0) {
    showMessage(body, 'empty', diff ? 'No data in either range.' : 'No data in this range. Try a longer time range or fewer label filters.');
    return false;
  }
  const units = { units: res.metadata?.units ?? 'samples', sampleRate: res.metadata?.sampleRate ?? 0 };
  const searchId = 'fn-search';
  const search = h('input', { type: 'search', id: searchId, value: state.search, placeholder: 'Search functions', autocomplete: 'off' });
  const graph = new FlameGraph();
  const table = new FunctionTable((name) => { search.value = name; applySearch(); });
  const applySearch = (startMs = performance.now()): void => {
    state = withState(state, { search: search.value });
    history.replaceState(null, '', hrefFor(state));
    graph.setSearch(search.value);
    table.setFilter(search.value);
    measureInteraction('search', startMs);
  };
  search.addEventListener('input', (e) => applySearch(e.timeStamp));
  const legend = diff
    ? h('p', { class: 'legend', text: `Baseline ${res.leftTicks ?? 0} vs comparison ${res.rightTicks ?? 0} ticks; red = larger share in the comparison, green = smaller.` })
    : null;
  body.replaceChildren(
    h('div', { class: 'search-row' }, h('label', { for: searchId, text: 'Search functions' }), search),
    ...(legend ? [legend] : []), graph.element, table.element);
  body.setAttribute('aria-busy', 'false');
  const t1 = performance.now();
  graph.setData(data, units, state.search);
  const t2 = performance.now();
  // Figures for the benchmark: how long this view waited for the /render answer (on a page load
  // the boot script sent the request earlier), decode+DOM, flamegraph, total since the response.
  graph.element.dataset['fetchMs'] = (fetched - t0).toFixed(1);
  graph.element.dataset['renderMs'] = (t2 - fetched).toFixed(1);
  graph.element.dataset['setupMs'] = (t1 - fetched).toFixed(1);
  graph.element.dataset['paintedAtMs'] = t2.toFixed(1);
  const start = viewStart;
  viewStart = null;
  if (start) measureInteraction(start.kind, start.ms);
  dispose = () => graph.dispose();
  // The table follows once the flamegraph is on screen: building and laying out its rows (and
  // sorting ~10,000 functions) would otherwise hold the first paint back by a frame's work.
  afterNextPaint(() => {
    if (signal.aborted) return;
    table.setData(data, units, search.value);
    if (start) measureInteraction(start.kind === 'load-to-paint' ? 'load-to-table' : 'query-to-table', start.ms);
  });
  return true;
}

function render(): void {
  inflight.abort();
  inflight = new AbortController();
  dispose?.();
  dispose = null;
  const signal = inflight.signal;
  const main = h('main', { id: 'view' });
  root.replaceChildren(header(), main);
  document.title = 'kprof';
  if (state.view === 'apps') void renderApps(main, signal);
  else if (state.view === 'targets') {
    main.append(h('h2', { text: 'Scrape targets' }));
    const slot = h('div');
    main.append(slot);
    renderTargets(slot, signal).catch((err: unknown) => {
      if (!promptOnUnauthorized(err, signal)) showMessage(slot, 'error', `Could not load targets. ${describeError(err)}`);
    });
  } else void renderProfile(main, signal);
}

// Same-page links change the state without a reload.
document.addEventListener('click', (e) => {
  const a = (e.target as Element | null)?.closest?.('a');
  if (!a || a.hasAttribute('download') || e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey) return;
  const href = a.getAttribute('href') ?? '';
  if (!href.startsWith('?')) return;
  e.preventDefault();
  viewStart = { kind: 'query-to-paint', ms: e.timeStamp };
  state = parseState(href);
  history.pushState(null, '', hrefFor(state));
  render();
});
window.addEventListener('popstate', (e) => {
  viewStart = { kind: 'query-to-paint', ms: e.timeStamp };
  state = parseState(location.search);
  render();
});
render();

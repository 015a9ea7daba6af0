// Profiles for the UI tests, as folded stacks with real shapes: a Go service (shop) whose
// checkout handler gains a hot loop in the last hour, a Node service (checkout) with
// `<file>:<function>:<line>` frames, a heap series in bytes, and an 8,192+-node profile.
import type { FixtureSeries } from './fixture-server.js';

/** The function that gets hot in shop's recent window. */
export const HOT_FUNCTION = 'main.hotLoop';

const HTTP = 'runtime.goexit;net/http.(*conn).serve;net/http.serverHandler.ServeHTTP;main.(*server).ServeHTTP';

/** shop.cpu in the window 2h..1h ago: the hot loop is small. */
export const SHOP_BEFORE = [
  `${HTTP};main.handleCheckout;${HOT_FUNCTION} 50`,
  `${HTTP};main.handleCheckout;encoding/json.Marshal;encoding/json.(*encodeState).marshal 120`,
  `${HTTP};main.handleList;database/sql.(*DB).QueryContext;database/sql.(*DB).conn 300`,
  `${HTTP};main.handleList;encoding/json.Marshal;encoding/json.(*encodeState).marshal 80`,
  'runtime.gcBgMarkWorker;runtime.gcDrain;runtime.scanobject 60',
].join('\n');

/** shop.cpu in the last hour: the hot loop dominates. */
export const SHOP_AFTER = [
  `${HTTP};main.handleCheckout;${HOT_FUNCTION} 900`,
  `${HTTP};main.handleCheckout;encoding/json.Marshal;encoding/json.(*encodeState).marshal 120`,
  `${HTTP};main.handleList;database/sql.(*DB).QueryContext;database/sql.(*DB).conn 300`,
  `${HTTP};main.handleList;encoding/json.Marshal;encoding/json.(*encodeState).marshal 80`,
  'runtime.gcBgMarkWorker;runtime.gcDrain;runtime.scanobject 60',
].join('\n');

const SHOP_STAGING = `${HTTP};main.handleList;main.renderStaging 40`;

const CHECKOUT = [
  '/app/node_modules/express/lib/router/index.js:handle:280;/app/src/routes/cart.js:postCart:31;/app/src/price.js:computePrice:42 400',
  '/app/node_modules/express/lib/router/index.js:handle:280;/app/src/routes/cart.js:postCart:31;/app/src/db.js:query:12 150',
  '(garbage collector):(garbage collector):0 30',
].join('\n');

const HEAP = [
  `${HTTP};main.handleList;database/sql.(*DB).QueryContext;runtime.mallocgc ${48 * 1024 * 1024}`,
  `${HTTP};main.handleCheckout;encoding/json.Marshal;runtime.growslice ${12 * 1024 * 1024}`,
].join('\n');

/** 20 × 20 × 25 call paths under main: 10,421 distinct nodes, over the 8,192-node default. */
export function bigProfile(): string {
  const lines: string[] = [];
  for (let a = 0; a < 20; a++) {
    for (let b = 0; b < 20; b++) {
      for (let c = 0; c < 25; c++) {
        lines.push(`main.main;pkg${a}.Service.Handle;pkg${a}/sub${b}.step${b};pkg${a}/sub${b}.leaf${c} ${1 + ((a * 31 + b * 7 + c * 13) % 97)}`);
      }
    }
  }
  return lines.join('\n');
}

/** Every series, with profiles placed relative to `nowMs`. */
export function fixtureSeries(nowMs: number): FixtureSeries[] {
  const min = 60_000;
  const at = (minutesAgo: number[], folded: string) => minutesAgo.map((m) => ({ timeMs: nowMs - m * min, folded }));
  const go = { units: 'samples', sampleRate: 100, spyName: 'gospy' };
  return [
    { name: 'shop.cpu', labels: { env: 'prod' }, ...go, profiles: [...at([110, 95, 80, 65], SHOP_BEFORE), ...at([50, 35, 20, 5], SHOP_AFTER)] },
    { name: 'shop.cpu', labels: { env: 'staging' }, ...go, profiles: at([40, 10], SHOP_STAGING) },
    { name: 'shop.alloc_space', labels: { env: 'prod' }, units: 'bytes', sampleRate: 100, spyName: 'gospy', profiles: at([30], HEAP) },
    { name: 'checkout.cpu', labels: { region: 'eu' }, units: 'samples', sampleRate: 100, spyName: 'nodespy', profiles: at([25, 15], CHECKOUT) },
    { name: 'big.cpu', labels: {}, ...go, profiles: at([30], bigProfile()) },
  ];
}

// Generates the source of a large Express service for the heavy Node corpus: `handlers` distinct
// route handlers (default 300, in 3 areas) whose requests run deep call chains through 200
// shared layer functions (services, repositories, mappers, …) down to ~30 leaf functions doing
// real work (JSON, SHA-256, sorting, regexps, maps). Chains are long enough that, with Express's
// (~25) or the microtask queue's (~3) frames, stacks are 30–70 frames deep. Each layer function
// does work of its own before calling the next, growing steeply with its depth in the chain.
// The generated modules import only node: built-ins; node-service.mjs mounts them on Express
// under @kprof/sdk. Deterministic for a seed.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chainLength, distinctNames, pick, rng } from './gen-common.mjs';

export const AREAS = ['catalog', 'checkout', 'account'];
const LAYER_FILES = ['services', 'repositories', 'mappers', 'validators', 'policies', 'caches', 'serializers', 'clients'];
const LEAF_KINDS = ['json', 'hash', 'sort', 'regexp', 'group'];

function leafBody(kind, k) {
  switch (kind) {
    case 'json':
      return `  const items = [];
  for (let j = 0; j < 120 * ctx.size; j++) items.push({ id: ctx.seed + j, name: 'n' + j + '-${k}', tags: ['a', 'b', String(j % ${3 + k % 5})], score: (j * ${31 + k}) % 101 });
  const back = JSON.parse(JSON.stringify(items));
  return { n: back.length, first: back[0]?.name };`;
    case 'hash':
      return `  let text = '';
  for (let j = 0; j < 180 * ctx.size; j++) text += ctx.seed + ':' + j + ':${k};';
  return { digest: createHash('sha256').update(text).digest('hex').slice(0, ${8 + k % 8}) };`;
    case 'sort':
      return `  const xs = [];
  for (let j = 0; j < 1200 * ctx.size; j++) xs.push(((ctx.seed + j) * ${2654435761 % (1000 + k)}) % 9973);
  xs.sort((a, b) => a - b);
  return { median: xs[xs.length >> 1] };`;
    case 'regexp':
      return `  let text = '';
  for (let j = 0; j < 150 * ctx.size; j++) text += 'sku-' + j + '-' + (j * ${7 + k}) + ' ';
  let m = 0;
  for (const _ of text.matchAll(/sku-(\\d+)-(\\d+)/g)) m++;
  return { matches: m };`;
    default:
      return `  const groups = new Map();
  for (let j = 0; j < 900 * ctx.size; j++) {
    const key = 'g' + ((ctx.seed + j) % ${5 + k % 11});
    groups.set(key, (groups.get(key) ?? 0) + j);
  }
  return { groups: groups.size };`;
  }
}

/** Writes the service into `dir`; returns { routes: [{ method, path, area }] }. */
export function generateNodeService(dir, { seed = 1, handlers = 300, layers = 200, leaves = 30 } = {}) {
  const rand = rng(seed);
  const taken = new Set();
  const leafNames = distinctNames(rand, leaves, taken);
  const layerNames = distinctNames(rand, layers, taken);
  const handlerNames = distinctNames(rand, handlers, taken);
  mkdirSync(dir, { recursive: true });

  const work = ["import { createHash } from 'node:crypto';", ''];
  leafNames.forEach((name, k) => {
    work.push(`export function ${name}(ctx) {`, leafBody(LEAF_KINDS[k % LEAF_KINDS.length], k), '}', '');
  });
  writeFileSync(join(dir, 'work.mjs'), work.join('\n'));

  // Layer functions: a little work of their own, then the next call of the request's chain.
  const layerFile = (i) => LAYER_FILES[i % LAYER_FILES.length];
  for (const file of LAYER_FILES) {
    const src = [];
    layerNames.forEach((name, i) => {
      if (layerFile(i) !== file) return;
      src.push(
        `export function ${name}(ctx, i) {`,
        `  let h = ctx.seed ^ ${(i * 7919) % 65_536};`,
        // Own work grows steeply with the depth in the chain (∝ i⁸), so most samples land deep.
        `  const n = ctx.spin * ${2 + (i % 5)} * (i / ctx.chain.length) ** 8;`,
        '  for (let k = 0; k < n; k++) h = (Math.imul(h, 31) + k) | 0;',
        '  const out = ctx.chain[i](ctx, i + 1);',
        '  ctx.acc = (ctx.acc + h) | 0;',
        '  return out;',
        '}',
        '',
      );
    });
    writeFileSync(join(dir, `${file}.mjs`), src.join('\n'));
  }

  // Popular layers (a session check, a tenant lookup) sit in many chains: skewed draws.
  const drawLayer = () => Math.floor(rand() ** 1.5 * layers);
  const routes = [];
  const perArea = Math.ceil(handlers / AREAS.length);
  AREAS.forEach((area, a) => {
    const names = handlerNames.slice(a * perArea, (a + 1) * perArea);
    const src = [
      ...LAYER_FILES.map((f) => `import * as ${f} from './${f}.mjs';`),
      "import * as work from './work.mjs';",
      '',
      '// Stands in for a database read: yields, so other requests interleave.',
      'const loadRecord = (id) => new Promise((resolve) => setImmediate(() => resolve({ id })));',
      '',
    ];
    names.forEach((name, j) => {
      const used = new Set();
      const chain = [];
      // A third of the handlers await a record first: their stacks start at the microtask queue
      // (3 frames) instead of under Express's ~25, so their chains are longer.
      const isAsync = j % 3 === 0;
      const length = isAsync ? chainLength(rand, 34, 6, 62) : chainLength(rand, 11, 6, 42);
      while (chain.length < length - 1) {
        const l = drawLayer();
        if (used.has(l)) continue;
        used.add(l);
        chain.push(`${layerFile(l)}.${layerNames[l]}`);
      }
      chain.push(`work.${pick(rand, leafNames)}`);
      const chainConst = `CHAIN_${j}`;
      src.push(`const ${chainConst} = [${chain.join(', ')}];`);
      src.push(
        `export ${isAsync ? 'async ' : ''}function ${name}(req, res) {`,
        ...(isAsync ? ['  await loadRecord(req.params.id);'] : []),
        `  const ctx = { chain: ${chainConst}, seed: ${j} + (req.query.id | 0), size: Number(req.query.size) || 1, spin: 250000 * (Number(req.query.size) || 1), acc: 0 };`,
        `  res.json({ result: ${chainConst}[0](ctx, 1), acc: ctx.acc });`,
        '}',
        '',
      );
      const kebab = name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
      routes.push({ method: j % 4 === 3 ? 'post' : 'get', path: `/${area}/${kebab}`, area, handler: name, module: `routes-${area}.mjs` });
    });
    writeFileSync(join(dir, `routes-${area}.mjs`), src.join('\n'));
  });
  // Areas interleaved (catalog 0, checkout 0, account 0, catalog 1, …): a hot set of neighbouring
  // routes spans every area.
  const byArea = (r) => AREAS.indexOf(r.area);
  const order = routes.map((r, i) => ({ r, k: (i - byArea(r) * perArea) * AREAS.length + byArea(r) })).sort((x, y) => x.k - y.k);
  const interleaved = order.map((x) => x.r);
  writeFileSync(join(dir, 'routes.json'), JSON.stringify(interleaved, null, 1));
  return { routes: interleaved };
}

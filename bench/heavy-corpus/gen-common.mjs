// Deterministic helpers shared by the heavy-service generators: a seeded PRNG and realistic
// function names built from verb × noun lists, so every generated service is the same for a seed.
import { makeRandom } from '../sdk-overhead/summary-stats.mjs';

/** A seeded PRNG (mulberry32): rng(seed) returns a function giving floats in [0, 1). */
export const rng = makeRandom;

export const pick = (rand, list) => list[Math.floor(rand() * list.length)];

const VERBS = [
  'load', 'fetch', 'resolve', 'validate', 'normalize', 'apply', 'compute', 'merge', 'build', 'check',
  'enrich', 'expand', 'filter', 'map', 'reduce', 'render', 'encode', 'decode', 'score', 'rank',
  'collect', 'index', 'lookup', 'prepare', 'assemble', 'verify', 'project', 'split', 'group', 'sync',
];
const NOUNS = [
  'Account', 'Address', 'Basket', 'Cart', 'Catalog', 'Category', 'Coupon', 'Customer', 'Discount', 'Document',
  'Invoice', 'Inventory', 'Ledger', 'Listing', 'Locale', 'Membership', 'Offer', 'Order', 'Payment', 'Permission',
  'Price', 'Product', 'Profile', 'Promotion', 'Quote', 'Rating', 'Receipt', 'Refund', 'Region', 'Review',
  'Session', 'Shipment', 'Sku', 'Stock', 'Subscription', 'Tax', 'Tenant', 'Token', 'User', 'Warehouse',
];
const QUALIFIERS = ['', 'Batch', 'Cached', 'Details', 'Summary', 'Rules', 'Lines', 'Snapshot', 'Window', 'Index'];

/**
 * `count` distinct camelCase names (verb + noun + qualifier), in a seeded order, none in `taken`
 * (which is updated), so generators can draw several disjoint sets.
 */
export function distinctNames(rand, count, taken = new Set()) {
  const out = [];
  for (let guard = 0; out.length < count; guard++) {
    if (guard > count * 200) throw new Error(`cannot draw ${count} distinct names`);
    const name = `${pick(rand, VERBS)}${pick(rand, NOUNS)}${pick(rand, QUALIFIERS)}`;
    if (taken.has(name)) continue;
    taken.add(name);
    out.push(name);
  }
  return out;
}

/**
 * A call-chain length: `min` plus an exponential tail of mean `tail`, capped at `max`, so most
 * chains are near the low end and a few are much deeper (as in real services).
 */
export function chainLength(rand, min, tail, max) {
  return Math.min(max, min + Math.floor(-Math.log(1 - rand()) * tail));
}

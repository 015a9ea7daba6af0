// Generated folded profiles for the store churn bench: apps whose functions get renamed by deploys.
//
// An app has `functions` functions and a fixed call graph (each function calls 3–6 others, picked
// once from a seeded PRNG). Its `shapes` stack shapes are random walks of 20–40 frames down that
// graph from one of 6 entry points, so stacks share prefixes as real ones do. A profile picks
// `stacksPerProfile` distinct shapes and gives each a count of 1–50 samples. A deploy renames
// `renameShare` of the app's functions: each renamed function's name gets the deploy's number as
// its version, a name never used before (what a bundler's or a compiler's generated names and an
// anonymous function's line number do across releases); shapes are not changed, so the same call
// paths come back under new names.

import { makeRandom } from '../sdk-overhead/summary-stats.mjs';

const pad = (n, w) => String(n).padStart(w, '0');

export class ChurnApp {
  /**
   * @param {number} index app number (names and seeds)
   * @param {{ functions: number, shapes: number, stacksPerProfile: number, minDepth: number, maxDepth: number, renameShare: number }} opts
   */
  constructor(index, opts) {
    this.index = index;
    this.name = `churn${pad(index, 2)}`;
    this.opts = opts;
    this.rand = makeRandom(0x9e3779b9 ^ (index * 7919));
    const { functions, shapes, minDepth, maxDepth } = opts;
    // Version of each function's name: 0 until a deploy renames it.
    this.version = new Int32Array(functions);
    this.deploys = 0;
    this.names = Array.from({ length: functions }, (_, f) => this.#nameOf(f));
    const callees = Array.from({ length: functions }, () =>
      Array.from({ length: 3 + Math.floor(this.rand() * 4) }, () => Math.floor(this.rand() * functions)),
    );
    const entries = Array.from({ length: 6 }, () => Math.floor(this.rand() * functions));
    this.shapes = Array.from({ length: shapes }, () => {
      const depth = minDepth + Math.floor(this.rand() * (maxDepth - minDepth + 1));
      const path = new Int32Array(depth);
      path[0] = entries[Math.floor(this.rand() * entries.length)];
      for (let d = 1; d < depth; d++) {
        const c = callees[path[d - 1]];
        path[d] = c[Math.floor(this.rand() * c.length)];
      }
      return path;
    });
    // Folded text of each shape under the current names (rebuilt lazily after a deploy).
    this.lines = new Array(shapes).fill(undefined);
    this.namesEverUsed = functions;
  }

  #nameOf(f) {
    // A module, a function and the version (the deploy that last renamed it): ~13 characters.
    return `m${pad(f % 40, 2)}.fn${pad(f, 3)}_${this.version[f]}`;
  }

  /** A deploy: renames `renameShare` of the functions to names never used before. */
  deploy() {
    this.deploys++;
    const { functions, renameShare } = this.opts;
    const count = Math.round(functions * renameShare);
    const picked = new Set();
    while (picked.size < count) picked.add(Math.floor(this.rand() * functions));
    for (const f of picked) {
      this.version[f] = this.deploys;
      this.names[f] = this.#nameOf(f);
    }
    this.namesEverUsed += count;
    for (let s = 0; s < this.shapes.length; s++) {
      if (this.lines[s] !== undefined && this.shapes[s].some((f) => picked.has(f))) this.lines[s] = undefined;
    }
  }

  #line(s) {
    let line = this.lines[s];
    if (line === undefined) {
      const path = this.shapes[s];
      line = this.names[path[0]];
      for (let d = 1; d < path.length; d++) line += `;${this.names[path[d]]}`;
      this.lines[s] = line;
    }
    return line;
  }

  /** One profile: { body (folded text), total (sum of counts) }. */
  profile() {
    const { shapes, stacksPerProfile } = this.opts;
    const picked = new Set();
    while (picked.size < Math.min(stacksPerProfile, shapes)) picked.add(Math.floor(this.rand() * shapes));
    let body = '';
    let total = 0;
    for (const s of picked) {
      const count = 1 + Math.floor(this.rand() * 50);
      total += count;
      body += `${this.#line(s)} ${count}\n`;
    }
    return { body, total };
  }
}

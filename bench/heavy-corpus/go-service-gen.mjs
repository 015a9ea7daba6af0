// Generates the source of a large Go service for the heavy Go corpus (go.mod, no external
// modules): `handlers` net/http handlers (default 150) whose requests run deep call chains
// through `layers` shared functions (default 220) down to `leaves` leaf functions (default 30)
// doing real work (SHA-256, JSON, sorting, strconv, maps, regexps): ~400 functions. Chains are
// 10–45 calls long (most ~16–22); with net/http's frames and the leaves' library calls the CPU
// profile's stacks reach Go's 64-frame limit at the deep end. Each layer does a little work of its
// own and calls on through one of two call sites, so samples and locations land at every depth.
// net/http/pprof is mounted. Deterministic for a seed.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chainLength, distinctNames, pick, rng } from './gen-common.mjs';

const AREAS = ['catalog', 'checkout', 'account'];
const LAYER_FILES = ['services', 'repositories', 'mappers', 'validators', 'policies', 'caches'];
const LEAF_KINDS = ['hash', 'json', 'sort', 'format', 'group', 'regexp'];

function leafBody(kind, k) {
  switch (kind) {
    case 'hash':
      return `	buf := c.buf[:0]
	for j := 0; j < 3000*c.size; j++ {
		buf = strconv.AppendUint(buf, c.seed+uint64(j*${k + 3}), 10)
	}
	c.buf = buf
	sum := sha256.Sum256(buf)
	return binary.LittleEndian.Uint64(sum[:8])`;
    case 'json':
      return `	items := make([]record, 300*c.size)
	for j := range items {
		items[j] = record{ID: int(c.seed) + j, Name: "n-${k}", Tags: []string{"a", "b"}, Score: float64((j * ${31 + k}) % 101)}
	}
	b, _ := json.Marshal(items)
	var back []record
	_ = json.Unmarshal(b, &back)
	return uint64(len(back))`;
    case 'sort':
      return `	xs := make([]int, 6000*c.size)
	for j := range xs {
		xs[j] = int((c.seed + uint64(j)*${2654435761 % (1000 + k)}) % 9973)
	}
	sort.Ints(xs)
	return uint64(xs[len(xs)/2])`;
    case 'format':
      return `	var sb strings.Builder
	for j := 0; j < 800*c.size; j++ {
		fmt.Fprintf(&sb, "sku-%d-%s;", j, strconv.FormatUint(c.seed*${k + 1}, 36))
	}
	return uint64(len(strings.Fields(strings.ReplaceAll(sb.String(), ";", " "))))`;
    case 'group':
      return `	groups := make(map[string]uint64)
	for j := 0; j < 4000*c.size; j++ {
		groups["g"+strconv.Itoa(int(c.seed+uint64(j))%${5 + (k % 11)})] += uint64(j)
	}
	return uint64(len(groups))`;
    default:
      return `	var sb strings.Builder
	for j := 0; j < 600*c.size; j++ {
		sb.WriteString("sku-" + strconv.Itoa(j) + "-" + strconv.Itoa(j*${7 + k}) + " ")
	}
	return uint64(len(skuRe.FindAllStringSubmatchIndex(sb.String(), -1)))`;
  }
}

/** Writes the service into `dir`; returns { routes: [{ method, path, area }] }. */
export function generateGoService(dir, { seed = 2, handlers = 150, layers = 220, leaves = 30 } = {}) {
  const rand = rng(seed);
  const taken = new Set();
  const leafNames = distinctNames(rand, leaves, taken);
  const layerNames = distinctNames(rand, layers, taken);
  const handlerNames = distinctNames(rand, handlers, taken).map((n) => `handle${n[0].toUpperCase()}${n.slice(1)}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'go.mod'), 'module kprofbench/heavygo\n\ngo 1.19\n');

  const work = [
    'package main',
    '',
    'import (',
    ...['crypto/sha256', 'encoding/binary', 'encoding/json', 'fmt', 'regexp', 'sort', 'strconv', 'strings'].map((p) => `\t"${p}"`),
    ')',
    '',
    'type record struct {',
    '\tID    int      `json:"id"`',
    '\tName  string   `json:"name"`',
    '\tTags  []string `json:"tags"`',
    '\tScore float64  `json:"score"`',
    '}',
    '',
    'var skuRe = regexp.MustCompile(`sku-(\\d+)-(\\d+)`)',
    '',
  ];
  leafNames.forEach((name, k) => work.push(`func ${name}(c *reqCtx, i int) uint64 {`, leafBody(LEAF_KINDS[k % LEAF_KINDS.length], k), '}', ''));
  writeFileSync(join(dir, 'work.go'), work.join('\n'));

  const layerFile = (i) => LAYER_FILES[i % LAYER_FILES.length];
  for (const file of LAYER_FILES) {
    const src = ['package main', ''];
    layerNames.forEach((name, i) => {
      if (layerFile(i) !== file) return;
      src.push(
        `func ${name}(c *reqCtx, i int) uint64 {`,
        `\th := c.seed ^ ${(i * 7919) % 65_536}`,
        // Own work grows with the depth in the chain (∝ i³), so most samples land deep.
        `\tn := c.spin * ${2 + (i % 5)} * i * i * i / (4 * len(c.chain) * len(c.chain) * len(c.chain))`,
        '\tfor k := 0; k < n; k++ {',
        '\t\th = h*31 + uint64(k)',
        '\t}',
        '\tvar out uint64',
        '\tif h&1 == 0 {',
        '\t\tout = c.chain[i](c, i+1)',
        '\t} else {',
        '\t\tout = c.chain[i](c, i+1) ^ h',
        '\t}',
        '\tc.acc += h',
        '\treturn out',
        '}',
        '',
      );
    });
    writeFileSync(join(dir, `${file}.go`), src.join('\n'));
  }

  const drawLayer = () => Math.floor(rand() ** 2 * layers);
  const routes = [];
  const chains = [];
  const handlerSrc = [];
  handlerNames.forEach((name, j) => {
    const area = AREAS[j % AREAS.length];
    const used = new Set();
    const chain = [];
    const length = chainLength(rand, 10, 8, 45);
    while (chain.length < length - 1) {
      const l = drawLayer();
      if (used.has(l)) continue;
      used.add(l);
      chain.push(layerNames[l]);
    }
    chain.push(pick(rand, leafNames));
    chains.push(`\tchain${j} = []step{${chain.join(', ')}}`);
    handlerSrc.push(
      `func ${name}(w http.ResponseWriter, r *http.Request) {`,
      `\tc := newCtx(r, chain${j}, ${j})`,
      `\twriteResult(w, c, chain${j}[0](c, 1))`,
      '}',
      '',
    );
    const base = name.slice('handle'.length);
    const kebab = base.replace(/[A-Z]/g, (ch, at) => `${at === 0 ? '' : '-'}${ch.toLowerCase()}`);
    routes.push({ method: j % 4 === 3 ? 'post' : 'get', path: `/${area}/${kebab}`, area, handler: name });
  });
  const routesGo = [
    'package main',
    '',
    'import "net/http"',
    '',
    `var (\n${chains.map((_, j) => `\tchain${j} []step`).join('\n')}\n)`,
    '',
    '// Set in init: a chain refers to functions that read the chains back through reqCtx.',
    'func init() {',
    ...chains,
    '}',
    '',
    ...handlerSrc,
    'func register(mux *http.ServeMux) {',
    ...routes.map((r) => `\tmux.HandleFunc("${r.path}", ${r.handler})`),
    '}',
    '',
  ];
  writeFileSync(join(dir, 'routes.go'), routesGo.join('\n'));
  writeFileSync(join(dir, 'main.go'), MAIN_GO);
  writeFileSync(join(dir, 'routes.json'), JSON.stringify(routes, null, 1));
  return { routes };
}

const MAIN_GO = `// Generated by bench/heavy-corpus/go-service-gen.mjs: a large net/http service for the heavy
// Go corpus. Usage: heavygo -listen 127.0.0.1:0 (prints "listening on http://ADDR").
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	_ "net/http/pprof"
	"strconv"
)

type step func(c *reqCtx, i int) uint64

type reqCtx struct {
	chain []step
	seed  uint64
	size  int
	spin  int
	acc   uint64
	buf   []byte
}

func newCtx(r *http.Request, chain []step, j int) *reqCtx {
	if r.Body != nil {
		_, _ = io.Copy(io.Discard, r.Body)
	}
	size, _ := strconv.Atoi(r.URL.Query().Get("size"))
	if size < 1 {
		size = 1
	}
	id, _ := strconv.Atoi(r.URL.Query().Get("id"))
	return &reqCtx{chain: chain, seed: uint64(j + id), size: size, spin: 600000 * size, buf: make([]byte, 0, 256)}
}

func writeResult(w http.ResponseWriter, c *reqCtx, v uint64) {
	w.Header().Set("content-type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]uint64{"result": v, "acc": c.acc})
}

func main() {
	listen := flag.String("listen", "127.0.0.1:0", "address to listen on")
	flag.Parse()
	register(http.DefaultServeMux)
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("listening on http://%s\\n", ln.Addr())
	log.Fatal(http.Serve(ln, nil))
}
`;

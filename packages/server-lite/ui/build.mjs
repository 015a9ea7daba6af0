#!/usr/bin/env node
// Builds the web UI into dist/ui/public: typechecks the browser sources (esbuild only strips types),
// bundles them into one script, and writes the page and stylesheet. Everything ships in the
// package, so the UI works offline with no CDN.
//
// For a fast first paint: the script and stylesheet get content-hashed names
// (app.<hash>.js, app.<hash>.css), which the server sends as immutable, so a returning browser
// loads them from its cache without a revalidation round trip; and the small boot script
// (src/boot.ts, which starts the first API requests) is inlined into the page's <head>.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const uiDir = dirname(fileURLToPath(import.meta.url));
const pkgDir = dirname(uiDir);
// dist/ui also holds the compiled server side (src/ui → dist/ui/*.js), so the page goes in public/.
const outDir = join(pkgDir, 'dist', 'ui', 'public');
const require = createRequire(join(pkgDir, 'package.json'));

if (!process.argv.includes('--no-typecheck')) {
  const tsc = require.resolve('typescript/bin/tsc');
  const r = spawnSync(process.execPath, [tsc, '-p', join(uiDir, 'tsconfig.json')], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

const esbuild = require('esbuild');
// Build next to the output and swap it in with renames, so a server or test reading the page
// while another process rebuilds never sees a half-written directory.
mkdirSync(dirname(outDir), { recursive: true });
const staging = mkdtempSync(join(dirname(outDir), '.public-'));
try {
  mkdirSync(join(staging, 'assets'));
  const common = { bundle: true, format: 'iife', target: ['chrome100', 'firefox100', 'safari15'], minify: true, legalComments: 'none', logLevel: 'warning', write: false };
  const main = await esbuild.build({ ...common, entryPoints: [join(uiDir, 'src', 'main.ts')], outfile: 'app.js', sourcemap: true });
  const boot = await esbuild.build({ ...common, entryPoints: [join(uiDir, 'src', 'boot.ts')], outfile: 'boot.js' });
  // The boot URLs for the server's page handler (src/ui/serve-ui.ts), which names them in a
  // Link preload header; outside assets/, so it is not served.
  const bootUrls = await esbuild.build({ ...common, format: 'cjs', platform: 'neutral', entryPoints: [join(uiDir, 'src', 'boot-urls.ts')], outfile: 'boot-urls.cjs' });
  const output = (result, suffix) => result.outputFiles.find((f) => f.path.endsWith(suffix)).text;
  const hash = (text) => createHash('sha256').update(text).digest('hex').slice(0, 12);

  const js = output(main, 'app.js');
  const jsName = `app.${hash(js)}.js`;
  writeFileSync(join(staging, 'assets', jsName), js.replace(/\/\/# sourceMappingURL=app\.js\.map\s*$/, `//# sourceMappingURL=${jsName}.map\n`));
  writeFileSync(join(staging, 'assets', `${jsName}.map`), output(main, 'app.js.map'));
  const css = readFileSync(join(uiDir, 'style.css'), 'utf8');
  const cssName = `app.${hash(css)}.css`;
  writeFileSync(join(staging, 'assets', cssName), css);
  // </script> cannot occur in the minified boot code unless a string holds it; refuse rather than break the page.
  const bootJs = output(boot, 'boot.js').trim();
  if (/<\/script/i.test(bootJs)) throw new Error('boot.ts bundles to code containing </script>; it cannot be inlined');
  const page = readFileSync(join(uiDir, 'index.html'), 'utf8');
  const filled = page
    .replace('<!--boot-->', () => `<script>${bootJs}</script>`)
    .replace('/assets/app.css', `/assets/${cssName}`)
    .replace('/assets/app.js', `/assets/${jsName}`);
  for (const want of ['<script>', cssName, jsName]) {
    if (!filled.includes(want)) throw new Error(`index.html has no placeholder for ${want} (<!--boot-->, /assets/app.css, /assets/app.js)`);
  }
  writeFileSync(join(staging, 'index.html'), filled);
  writeFileSync(join(staging, 'boot-urls.cjs'), output(bootUrls, 'boot-urls.cjs'));
  const old = `${staging}-old`;
  try {
    renameSync(outDir, old);
  } catch (err) {
    if (err.code !== 'ENOENT') throw err;
  }
  renameSync(staging, outDir);
  rmSync(old, { recursive: true, force: true });
} finally {
  rmSync(staging, { recursive: true, force: true });
}

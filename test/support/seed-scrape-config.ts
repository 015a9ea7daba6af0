// The seed's pull-mode configuration as a server-lite config file: the mapping under the Helm
// values' `pyroscopeConfigs:` (the seed's scrape-configs, relabel rules and log level), verbatim,
// and the in-cluster service account its `kubernetes-sd-configs` entry relies on.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The seed post shipped with the task (a Helm values block for Pyroscope inside a Markdown post). */
export const SEED_FILE = '/work/shared/seeds/000_4e8f4423849ea8b4.txt';

/** Lines of the seed's ```yaml block that holds `pyroscopeConfigs:`, dedented to the mapping's level. */
export function seedPyroscopeConfigLines(seedFile = SEED_FILE): string[] {
  const text = readFileSync(seedFile, 'utf8');
  const block = /```yaml\n(rbac:[\s\S]*?)```/.exec(text)?.[1];
  if (block === undefined) throw new Error(`${seedFile}: no \`\`\`yaml block starting with rbac:`);
  const lines = block.split('\n');
  const start = lines.indexOf('pyroscopeConfigs:');
  if (start < 0) throw new Error(`${seedFile}: the yaml block has no pyroscopeConfigs:`);
  const body: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (line !== '' && !line.startsWith('  ')) break;
    body.push(line.slice(2));
  }
  while (body.at(-1) === '') body.pop();
  return body;
}

/**
 * Writes `<dir>/kprof.yml`: the seed's mapping exactly as the seed has it (dedented out of the
 * Helm values, nothing added). Its `kubernetes-sd-configs` entry is just `- role: pod`, so
 * discovery uses the in-cluster service account; see {@link writeServiceAccount}.
 * Returns the file path and the seed lines written.
 */
export function writeSeedServerConfig(dir: string): { file: string; seedLines: string[] } {
  const seedLines = seedPyroscopeConfigLines();
  const file = join(dir, 'kprof.yml');
  writeFileSync(file, `${seedLines.join('\n')}\n`);
  return { file, seedLines };
}

/**
 * Writes a service-account directory as Kubernetes mounts it in a pod (`token`, `ca.crt`,
 * `namespace`) under `<dir>/serviceaccount` and returns its path, for server-lite's
 * `KPROF_K8S_SERVICE_ACCOUNT_DIR`.
 */
export function writeServiceAccount(dir: string, o: { token: string; ca: string; namespace?: string }): string {
  const sa = join(dir, 'serviceaccount');
  mkdirSync(sa, { recursive: true });
  writeFileSync(join(sa, 'token'), o.token);
  writeFileSync(join(sa, 'ca.crt'), o.ca);
  writeFileSync(join(sa, 'namespace'), o.namespace ?? 'default');
  return sa;
}

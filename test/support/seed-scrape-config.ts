// The seed's pull-mode configuration as a server-lite config file: the mapping under the Helm
// values' `pyroscopeConfigs:` (the seed's scrape-configs, relabel rules and log level), verbatim
// except for one line that tells its `kubernetes-sd-configs` entry where the API server is.
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

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
 * Writes `<dir>/kprof.yml`: the seed's mapping with one line added under `- role: pod`,
 * `kubeconfig-file: <kubeconfig>`. Why: the seed relies on the in-cluster service account
 * (`KUBERNETES_SERVICE_HOST` plus token and CA files under /var/run/secrets), which a test
 * machine does not have; kubeconfig-file is the option the seed leaves open for exactly that.
 * Returns the file path, the seed lines and the added line.
 */
export function writeSeedServerConfig(dir: string, kubeconfig: string): { file: string; seedLines: string[]; added: string } {
  const seedLines = seedPyroscopeConfigLines();
  const roleLine = seedLines.findIndex((l) => /^\s*- role: pod$/.test(l));
  if (roleLine < 0) throw new Error('the seed has no "- role: pod" line under kubernetes-sd-configs');
  const indent = ' '.repeat((seedLines[roleLine]?.indexOf('-') ?? 0) + 2);
  const added = `${indent}kubeconfig-file: ${JSON.stringify(resolve(kubeconfig))}`;
  const lines = [...seedLines.slice(0, roleLine + 1), added, ...seedLines.slice(roleLine + 1)];
  const file = join(dir, 'kprof.yml');
  writeFileSync(file, `${lines.join('\n')}\n`);
  return { file, seedLines, added };
}

/** Writes a kubeconfig for a plain-HTTP API server at `apiUrl` with a bearer token; returns its path. */
export function writeKubeconfig(dir: string, apiUrl: string, token = 'pull-mode-test-token'): string {
  const file = join(dir, 'kubeconfig.yaml');
  writeFileSync(
    file,
    [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      '- name: fake',
      '  cluster:',
      `    server: ${apiUrl}`,
      // client-node refuses plain http unless TLS verification is off.
      '    insecure-skip-tls-verify: true',
      'users:',
      '- name: scraper',
      '  user:',
      `    token: ${token}`,
      'contexts:',
      '- name: fake',
      '  context: {cluster: fake, user: scraper}',
      'current-context: fake',
      '',
    ].join('\n'),
  );
  return file;
}

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseScrapeConfigs } from './scrape-config.js';
import { DEFAULT_PROFILES } from './scrape-profiles.js';

const seedValues = readFileSync(join(__dirname, '../../test/scrape/fixtures/seed-pyroscope-values.yaml'), 'utf8');

function parseYaml(text: string): ReturnType<typeof parseScrapeConfigs> {
  return parseScrapeConfigs(parse(text), 'scrape-configs');
}

describe('parseScrapeConfigs: the seed', () => {
  it("loads the seed's scrape-configs block verbatim with OG defaults", () => {
    const doc = parse(seedValues) as { pyroscopeConfigs: Record<string, unknown> };
    const { configs, errors } = parseScrapeConfigs(doc.pyroscopeConfigs['scrape-configs'], 'pyroscopeConfigs.scrape-configs');
    expect(errors).toEqual([]);
    expect(configs).toHaveLength(1);
    const [c] = configs;
    expect(c).toMatchObject({
      jobName: 'kubernetes-pods',
      enabledProfiles: ['cpu', 'mem'],
      scrapeIntervalMs: 10_000,
      scrapeTimeoutMs: 15_000,
      scheme: 'http',
      staticConfigs: [],
      kubernetesSdConfigs: [{ role: 'pod', namespaces: [], selectors: [] }],
    });
    expect(c?.relabelRules.map((r) => r.config.action)).toEqual([
      'keep', 'replace', 'replace', 'replace', 'replace', 'labelmap', 'replace', 'replace', 'drop', 'labelmap',
    ]);
    // `regex: true` is a YAML boolean; Go's decoder hands the regex field the text "true".
    expect(c?.relabelRules[0]?.config.regex).toBe('true');
    expect(c?.relabelRules[4]?.config).toMatchObject({ regex: '([^:]+)(?::\\d+)?;(\\d+)', replacement: '$1:$2', targetLabel: '__address__' });
    expect(c?.profiles.cpu).toEqual(DEFAULT_PROFILES.cpu);
  });
});

describe('parseScrapeConfigs: problems', () => {
  it.each([
    { name: 'snake_case key', yaml: '- job_name: a', error: "scrape-configs[0].job_name: unknown key (did you mean 'job-name'?)" },
    { name: 'unknown key', yaml: '- job-name: a\n  colour: blue', error: 'scrape-configs[0].colour: unknown key; allowed keys: job-name, scrape-interval' },
    { name: 'missing job name', yaml: '- scheme: http', error: 'scrape-configs[0].job-name: is required and must not be empty' },
    { name: 'bad duration', yaml: '- job-name: a\n  scrape-interval: 10 seconds', error: 'scrape-configs[0].scrape-interval: invalid duration "10 seconds"' },
    { name: 'bare number duration', yaml: '- job-name: a\n  scrape-timeout: 10', error: 'scrape-configs[0].scrape-timeout: expected a duration such as "15s"' },
    { name: 'zero duration', yaml: '- job-name: a\n  scrape-interval: 0s', error: 'duration must be > 0' },
    { name: 'bad scheme', yaml: '- job-name: a\n  scheme: ftp', error: 'scrape-configs[0].scheme: must be http or https, got "ftp"' },
    { name: 'unknown profile enabled', yaml: '- job-name: a\n  enabled-profiles: [cpu, fgprof]', error: 'scrape-configs[0].enabled-profiles[1]: unknown profile "fgprof"' },
    { name: 'duplicate job', yaml: '- job-name: a\n- job-name: a', error: 'scrape-configs[1].job-name: duplicate job name "a"' },
    { name: 'relabel unknown key', yaml: '- job-name: a\n  relabel-configs:\n    - source_labels: [x]', error: "scrape-configs[0].relabel-configs[0].source_labels: unknown key (did you mean 'source-labels'?)" },
    { name: 'relabel missing target', yaml: '- job-name: a\n  relabel-configs:\n    - source-labels: [x]', error: "scrape-configs[0].relabel-configs[0]: replace action requires 'target-label'" },
    { name: 'relabel bad regex', yaml: '- job-name: a\n  relabel-configs:\n    - {action: keep, regex: "(", source-labels: [x]}', error: 'scrape-configs[0].relabel-configs[0]: invalid regex "("' },
    { name: 'relabel bad action', yaml: '- job-name: a\n  relabel-configs:\n    - {action: nuke}', error: 'unknown relabel action "nuke"' },
    { name: 'relabel null action', yaml: '- job-name: a\n  relabel-configs:\n    - {action: null, target-label: x}', error: 'relabel-configs[0].action: relabel action cannot be empty' },
    { name: 'relabel bad source label', yaml: '- job-name: a\n  relabel-configs:\n    - {source-labels: [a-b], target-label: x}', error: 'relabel-configs[0].source-labels[0]: "a-b" is not a valid label name' },
    { name: 'hashmod without modulus', yaml: '- job-name: a\n  relabel-configs:\n    - {action: hashmod, target-label: x}', error: "hashmod action requires 'modulus' > 0" },
    { name: 'empty relabel rule', yaml: '- job-name: a\n  relabel-configs:\n    -', error: 'relabel-configs[0]: empty relabel rule' },
    { name: 'unsupported role', yaml: '- job-name: a\n  kubernetes-sd-configs: [{role: service}]', error: 'kubernetes-sd-configs[0].role: role "service" is not supported by kprof; use role: pod' },
    { name: 'missing role', yaml: '- job-name: a\n  kubernetes-sd-configs: [{}]', error: 'kubernetes-sd-configs[0].role: is required' },
    { name: 'api-server and kubeconfig', yaml: '- job-name: a\n  kubernetes-sd-configs: [{role: pod, api-server: "https://k", kubeconfig-file: /k}]', error: "cannot use 'kubeconfig-file' and 'api-server' together" },
    { name: 'custom http without api-server', yaml: '- job-name: a\n  kubernetes-sd-configs: [{role: pod, bearer-token: x}]', error: "set 'api-server' explicitly" },
    { name: 'selector for another role', yaml: '- job-name: a\n  kubernetes-sd-configs: [{role: pod, selectors: [{role: node, label: a=b}]}]', error: 'pod role supports only pod selectors, got "node"' },
    { name: 'two bearer settings', yaml: '- job-name: a\n  bearer-token: x\n  bearer-token-file: /t', error: "at most one of 'bearer-token' and 'bearer-token-file'" },
    { name: 'same setting twice', yaml: '- job-name: a\n  tls-config: {}\n  tls_config: {}', error: "'tls_config' and 'tls-config' are the same setting" },
    { name: 'cert without key', yaml: '- job-name: a\n  tls-config: {cert-file: /c}', error: "'cert-file' and 'key-file' must be set together" },
    { name: 'unsupported sd', yaml: '- job-name: a\n  file-sd-configs: []', error: 'scrape-configs[0].file-sd-configs: not supported by kprof' },
    { name: 'url as static target', yaml: '- job-name: a\n  static-configs: [{targets: ["http://x:80/"]}]', error: 'static-configs[0].targets[0]: "http://x:80/" is not a valid host:port' },
    { name: 'bad static label name', yaml: '- job-name: a\n  static-configs: [{targets: [x], labels: {a-b: c}}]', error: 'static-configs[0].labels.a-b: "a-b" is not a valid label name' },
    { name: 'profile without path', yaml: '- job-name: a\n  profiles: {fgprof: {delta: true}}', error: 'profiles.fgprof.path: is required' },
    { name: 'body size over cap', yaml: '- job-name: a\n  body-size-limit: 1GB', error: 'body-size-limit: 1073741824 bytes is over the hard cap' },
    { name: 'not a list', yaml: 'job-name: a', error: 'scrape-configs: expected a list, got a mapping' },
  ])('reports $name', ({ yaml, error }) => {
    const { configs, errors } = parseYaml(yaml);
    expect(errors.join('\n')).toContain(error);
    expect(configs.length).toBeLessThanOrEqual(1);
  });

  it('lists every problem, not just the first', () => {
    const { errors } = parseYaml('- job-name: a\n  scheme: ftp\n  colour: red\n- job_name: b');
    expect(errors).toHaveLength(4);
  });

  it('keeps valid entries next to invalid ones out of the result', () => {
    const { configs, errors } = parseYaml('- job-name: good\n- job-name: bad\n  scheme: ftp');
    expect(configs.map((c) => c.jobName)).toEqual(['good']);
    expect(errors).toHaveLength(1);
  });

  it('treats null or absent as no scrape configs', () => {
    expect(parseScrapeConfigs(null, 'scrape-configs')).toEqual({ configs: [], errors: [] });
    expect(parseScrapeConfigs(undefined, 'scrape-configs')).toEqual({ configs: [], errors: [] });
  });
});

describe('parseScrapeConfigs: settings', () => {
  it('reads every OG key', () => {
    const { configs, errors } = parseYaml(`
- job-name: go
  scrape-interval: 15s
  scrape-timeout: 1m30s
  scheme: https
  body-size-limit: 8MB
  enabled-profiles: [cpu, mem, fgprof]
  profiles:
    cpu: {params: {seconds: 5}}
    mem: {delta: false}
    fgprof: {path: /debug/fgprof, params: {format: [pprof]}, delta: true}
  static-configs:
    - application: app3
      spy-name: gospy
      targets: ['10.0.0.1:8080', 'svc']
      labels: {env: prod, port: 8080}
  kubernetes-sd-configs:
    - role: pod
      api-server: https://10.0.0.1:6443
      namespaces: {names: [default, apps]}
      selectors: [{role: pod, label: 'app=x', field: 'spec.nodeName=n1'}]
      bearer-token-file: /var/run/token
      tls-config: {ca-file: /ca.crt, insecure_skip_verify: true}
  relabel-configs:
    - {action: Keep, source-labels: [a], regex: x}
    - {action: hashmod, source-labels: [a], target-label: shard, modulus: 4}
  basic-auth: {username: u, password-file: /p}
  follow-redirects: false
`);
    expect(errors).toEqual([]);
    const [c] = configs;
    expect(c).toMatchObject({
      jobName: 'go',
      scrapeIntervalMs: 15_000,
      scrapeTimeoutMs: 90_000,
      scheme: 'https',
      bodySizeLimitBytes: 8 * 1024 * 1024,
      enabledProfiles: ['cpu', 'mem', 'fgprof'],
      staticConfigs: [{ application: 'app3', spyName: 'gospy', targets: ['10.0.0.1:8080', 'svc'], labels: { env: 'prod', port: '8080' } }],
      kubernetesSdConfigs: [
        {
          role: 'pod',
          apiServer: 'https://10.0.0.1:6443',
          namespaces: ['default', 'apps'],
          selectors: [{ role: 'pod', label: 'app=x', field: 'spec.nodeName=n1' }],
          http: { bearerTokenFile: '/var/run/token', tls: { caFile: '/ca.crt', insecureSkipVerify: true } },
        },
      ],
      http: { basicAuth: { username: 'u', passwordFile: '/p' }, followRedirects: false },
    });
    expect(c?.profiles.cpu).toMatchObject({ path: '/debug/pprof/profile', params: { seconds: ['5'] }, delta: false });
    expect(c?.profiles.mem).toMatchObject({ path: '/debug/pprof/heap', delta: false });
    expect(c?.profiles.fgprof).toMatchObject({ path: '/debug/fgprof', params: { format: ['pprof'] }, delta: true });
    expect(c?.relabelRules.map((r) => [r.config.action, r.config.modulus])).toEqual([['keep', 0n], ['hashmod', 4n]]);
  });

  it('use-delta-profiles switches mem/mutex/block to godeltaprof paths', () => {
    const { configs } = parseYaml('- job-name: a\n  use-delta-profiles: true');
    expect(configs[0]?.profiles.mem?.path).toBe('/debug/pprof/delta_heap');
    expect(configs[0]?.profiles.mutex?.path).toBe('/debug/pprof/delta_mutex');
    expect(configs[0]?.profiles.block).toMatchObject({ path: '/debug/pprof/delta_block', params: {} });
    expect(configs[0]?.profiles.cpu?.path).toBe('/debug/pprof/profile');
  });

  it('body-size-limit 0 (OG: no limit) means the hard cap', () => {
    expect(parseYaml('- job-name: a\n  body-size-limit: 0').configs[0]?.bodySizeLimitBytes).toBe(256 * 1024 * 1024);
  });

  it('returns frozen configs', () => {
    const [c] = parseYaml('- job-name: a').configs;
    expect(Object.isFrozen(c)).toBe(true);
    expect(Object.isFrozen(c?.profiles)).toBe(true);
  });
});

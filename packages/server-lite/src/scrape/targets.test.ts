import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseScrapeConfigs, type ScrapeConfig } from '../config/scrape-config.js';
import { staticTargetGroups } from './discovery/static.js';
import { splitHostPort } from './host-port.js';
import type { Labels } from '../config/relabel-rules.js';
import { resolveTargetGroup } from './targets.js';

function config(yaml: string): ScrapeConfig {
  const { configs, errors } = parseScrapeConfigs(parse(yaml), 'scrape-configs');
  if (errors.length > 0 || configs[0] === undefined) throw new Error(errors.join('\n'));
  return configs[0];
}

function group(targets: Labels[], labels: Labels = {}): { source: string; targets: Labels[]; labels: Labels } {
  return { source: 'test/0', targets, labels };
}

describe('resolveTargetGroup', () => {
  it('turns a static config into one target per enabled profile', () => {
    const c = config(`
- job-name: go
  enabled-profiles: [cpu, mem]
  static-configs:
    - {application: app3, spy-name: gospy, targets: ['10.0.0.1:8080'], labels: {env: prod}}`);
    const [g] = staticTargetGroups(c.staticConfigs);
    const { active, dropped } = resolveTargetGroup(g!, c);
    expect(dropped).toEqual([]);
    expect(active.map((t) => [t.profileName, t.url])).toEqual([
      ['cpu', 'http://10.0.0.1:8080/debug/pprof/profile?seconds=10'],
      ['mem', 'http://10.0.0.1:8080/debug/pprof/heap'],
    ]);
    expect(active[0]).toMatchObject({
      job: 'go',
      labels: { __name__: 'app3', env: 'prod', instance: '10.0.0.1:8080', job: 'go' },
      spyName: 'gospy',
      intervalMs: 10_000,
      timeoutMs: 15_000,
      delta: false,
    });
    expect(active[1]?.delta).toBe(true);
    expect(active[0]?.discoveredLabels).toEqual({
      __address__: '10.0.0.1:8080',
      __name__: 'app3',
      __scheme__: 'http',
      __scrape_interval__: '10s',
      __scrape_timeout__: '15s',
      __spy_name__: 'gospy',
      env: 'prod',
      job: 'go',
    });
    expect(active[0]?.targetLabels).toMatchObject({ __profile_name__: 'cpu', __profile_path__: '/debug/pprof/profile', __address__: '10.0.0.1:8080' });
  });

  it.each([
    { name: 'http adds :80', address: 'svc', scheme: 'http', url: 'http://svc:80/debug/pprof/heap' },
    { name: 'https adds :443', address: 'svc', scheme: 'https', url: 'https://svc:443/debug/pprof/heap' },
    { name: 'IPv6 in brackets adds a port', address: '[::1]', scheme: 'http', url: 'http://[::1]:80/debug/pprof/heap' },
    { name: 'explicit port is kept', address: 'svc:6060', scheme: 'https', url: 'https://svc:6060/debug/pprof/heap' },
  ])('default port: $name', ({ address, scheme, url }) => {
    const c = config(`- {job-name: j, scheme: ${scheme}, enabled-profiles: [mem]}`);
    const { active } = resolveTargetGroup(group([{ __address__: address }], { __name__: 'app' }), c);
    expect(active.map((t) => t.url)).toEqual([url]);
  });

  it.each<{ name: string; yaml: string; labels: Labels; reason: string }>([
    { name: 'relabeling drops it', yaml: 'relabel-configs: [{action: drop, source-labels: [__name__], regex: app}]', labels: { __address__: 'a:1', __name__: 'app' }, reason: 'dropped by relabeling' },
    { name: 'no application name', yaml: '', labels: { __address__: 'a:1' }, reason: 'no __name__ (application name) after relabeling' },
    { name: 'no address', yaml: 'relabel-configs: [{action: labeldrop, regex: __address__}]', labels: { __address__: 'a:1', __name__: 'app' }, reason: 'no __address__ after relabeling' },
    { name: 'address with a path', yaml: 'relabel-configs: [{target-label: __address__, replacement: "a:1/x"}]', labels: { __address__: 'a:1', __name__: 'app' }, reason: '"a:1/x" is not a valid host:port' },
    { name: 'port out of range (a pod annotation typo)', yaml: '', labels: { __address__: '10.0.0.2:100000', __name__: 'app' }, reason: '"10.0.0.2:100000" is not a valid host:port' },
    { name: 'bad scheme', yaml: 'relabel-configs: [{target-label: __scheme__, replacement: ftp}]', labels: { __address__: 'a', __name__: 'app' }, reason: 'invalid scheme "ftp"' },
    { name: 'bad interval', yaml: 'relabel-configs: [{target-label: __scrape_interval__, replacement: often}]', labels: { __address__: 'a:1', __name__: 'app' }, reason: 'invalid __scrape_interval__ "often"' },
    { name: 'labelmap makes an invalid name', yaml: 'relabel-configs: [{action: labelmap, regex: "x_(.*)"}]', labels: { __address__: 'a:1', __name__: 'app', x_0day: 'v' }, reason: 'invalid label name "0day" after relabeling' },
    { name: 'bad enabled flag', yaml: '', labels: { __address__: 'a:1', __name__: 'app', __profile_cpu_enabled: 'yes' }, reason: 'invalid __profile_cpu_enabled "yes"' },
  ])('drops a target when $name', ({ yaml, labels, reason }) => {
    const c = config(`- job-name: j\n  enabled-profiles: [cpu]\n  ${yaml}`);
    const { active, dropped } = resolveTargetGroup(group([labels]), c);
    expect(active).toEqual([]);
    expect(dropped).toHaveLength(1);
    expect(dropped[0]?.reason).toContain(reason);
    expect(dropped[0]?.discoveredLabels).toMatchObject({ job: 'j', ...labels });
  });

  it('__profile_<p>_enabled overrides enabled-profiles both ways; _path overrides the path', () => {
    const c = config('- {job-name: j, enabled-profiles: [cpu, mem]}');
    const { active } = resolveTargetGroup(
      group([{ __address__: 'a:1', __name__: 'app', __profile_mem_enabled: 'false', __profile_goroutines_enabled: 'true', __profile_goroutines_path: '/custom/goroutine' }]),
      c,
    );
    expect(active.map((t) => t.url)).toEqual(['http://a:1/debug/pprof/profile?seconds=10', 'http://a:1/custom/goroutine']);
    expect(active[0]?.labels).toEqual({ __name__: 'app', instance: 'a:1', job: 'j' });
  });

  it('__profile_<p>_param<k> sets the parameter named by the rest of the label (OG keeps the leading _)', () => {
    const c = config('- {job-name: j, enabled-profiles: [mem]}');
    const { active } = resolveTargetGroup(group([{ __address__: 'a:1', __name__: 'app', __profile_mem_param_gc: '1', __profile_mem_paramdebug: '0' }]), c);
    expect(active[0]?.url).toBe('http://a:1/debug/pprof/heap?_gc=1&debug=0');
  });

  it.each([
    { name: 'seconds above the interval shrink to it', interval: '5s', seconds: '10', expected: 5 },
    { name: 'seconds inside the interval stay', interval: '10s', seconds: '3', expected: 3 },
    { name: 'zero seconds become the interval', interval: '15s', seconds: '0', expected: 15 },
    { name: 'non-numeric seconds become the interval', interval: '15s', seconds: 'abc', expected: 15 },
    { name: 'sub-second interval still profiles 1 s', interval: '500ms', seconds: '10', expected: 1 },
  ])('cpu seconds: $name', ({ interval, seconds, expected }) => {
    const c = config(`- {job-name: j, scrape-interval: ${interval}, enabled-profiles: [cpu], profiles: {cpu: {params: {seconds: "${seconds}"}}}}`);
    const { active } = resolveTargetGroup(group([{ __address__: 'a:1', __name__: 'app' }]), c);
    expect(active[0]?.url).toBe(`http://a:1/debug/pprof/profile?seconds=${expected}`);
  });

  it('drops __meta_ labels, keeps an explicit instance, takes the spy name from before relabeling', () => {
    const c = config(`
- job-name: j
  enabled-profiles: [mem]
  relabel-configs:
    - {source-labels: [__meta_x], target-label: team}
    - {target-label: __spy_name__, replacement: changed}`);
    const { active } = resolveTargetGroup(group([{ __address__: 'a:1', __name__: 'app', __meta_x: 'core', instance: 'pod-1', __spy_name__: 'gospy' }]), c);
    expect(active[0]?.labels).toEqual({ __name__: 'app', instance: 'pod-1', job: 'j', team: 'core' });
    expect(active[0]?.targetLabels).not.toHaveProperty('__meta_x');
    expect(active[0]?.spyName).toBe('gospy');
  });

  it('defaults the spy name to scrape', () => {
    const c = config('- {job-name: j, enabled-profiles: [mem]}');
    expect(resolveTargetGroup(group([{ __address__: 'a:1', __name__: 'app' }]), c).active[0]?.spyName).toBe('scrape');
  });

  it('collapses targets that are identical after relabeling', () => {
    const c = config(`
- job-name: j
  enabled-profiles: [mem]
  relabel-configs:
    - {source-labels: [__address__], regex: '([^:]+):\\d+', replacement: '$1:8080', target-label: __address__}`);
    const { active } = resolveTargetGroup(group([{ __address__: '10.0.0.1:80', __meta_port: '80' }, { __address__: '10.0.0.1:9090', __meta_port: '9090' }], { __name__: 'app' }), c);
    expect(active.map((t) => t.url)).toEqual(['http://10.0.0.1:8080/debug/pprof/heap']);
  });

  it('a target label wins over the group label of the same name', () => {
    const c = config('- {job-name: j, enabled-profiles: [mem]}');
    const { active } = resolveTargetGroup(group([{ __address__: 'a:1', env: 'target' }], { __name__: 'app', env: 'group' }), c);
    expect(active[0]?.labels.env).toBe('target');
  });
});

describe('splitHostPort (Go net.SplitHostPort)', () => {
  it.each([
    { input: 'a:1', out: { host: 'a', port: '1' } },
    { input: 'a:', out: { host: 'a', port: '' } },
    { input: '[::1]:80', out: { host: '::1', port: '80' } },
    { input: 'a', out: undefined },
    { input: '::1', out: undefined },
    { input: '[::1]', out: undefined },
    { input: '[::1]x:80', out: undefined },
    { input: 'a]:80', out: undefined },
  ])('$input', ({ input, out }) => expect(splitHostPort(input)).toEqual(out));
});

import type { V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { podTargetGroup, sanitizeLabelName } from './pod-target-group.js';

const M = '__meta_kubernetes_';

describe('podTargetGroup (Prometheus pod role)', () => {
  const pod: V1Pod = {
    metadata: {
      name: 'web-0',
      namespace: 'shop',
      uid: '4c586419-7f6c-448d-aeec-ca4fa5b05e60',
      labels: { 'app.kubernetes.io/name': 'web', tier: 'front' },
      annotations: { 'pyroscope.io/scrape': 'true', 'example.com/ünïcode-key': 'v' },
      ownerReferences: [
        { apiVersion: 'v1', kind: 'Node', name: 'not-a-controller', uid: 'n' },
        { apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'web', uid: 's', controller: true },
      ],
    },
    spec: {
      nodeName: 'node-a',
      containers: [
        { name: 'app', ports: [{ containerPort: 8080, name: 'http', protocol: 'TCP' }, { containerPort: 6060, protocol: 'UDP' }] },
        { name: 'sidecar' },
      ],
      initContainers: [{ name: 'init', ports: [{ containerPort: 9000, name: 'setup', protocol: 'TCP' }] }],
    },
    status: { phase: 'Running', podIP: '10.1.2.3', hostIP: '192.168.0.9', conditions: [{ type: 'Ready', status: 'True' }] },
  };

  it('sets the pod meta labels on the group', () => {
    expect(podTargetGroup(pod)).toMatchObject({ source: 'pod/shop/web-0' });
    expect(podTargetGroup(pod).labels).toEqual({
      [`${M}namespace`]: 'shop',
      [`${M}pod_name`]: 'web-0',
      [`${M}pod_ip`]: '10.1.2.3',
      [`${M}pod_ready`]: 'true',
      [`${M}pod_phase`]: 'Running',
      [`${M}pod_node_name`]: 'node-a',
      [`${M}pod_host_ip`]: '192.168.0.9',
      [`${M}pod_uid`]: '4c586419-7f6c-448d-aeec-ca4fa5b05e60',
      [`${M}pod_controller_kind`]: 'StatefulSet',
      [`${M}pod_controller_name`]: 'web',
      [`${M}pod_label_app_kubernetes_io_name`]: 'web',
      [`${M}pod_labelpresent_app_kubernetes_io_name`]: 'true',
      [`${M}pod_label_tier`]: 'front',
      [`${M}pod_labelpresent_tier`]: 'true',
      [`${M}pod_annotation_pyroscope_io_scrape`]: 'true',
      [`${M}pod_annotationpresent_pyroscope_io_scrape`]: 'true',
      [`${M}pod_annotation_example_com__n_code_key`]: 'v',
      [`${M}pod_annotationpresent_example_com__n_code_key`]: 'true',
    });
  });

  it('makes one target per container port, one per portless container, init containers last', () => {
    expect(podTargetGroup(pod).targets).toEqual([
      {
        __address__: '10.1.2.3:8080',
        [`${M}pod_container_name`]: 'app',
        [`${M}pod_container_port_number`]: '8080',
        [`${M}pod_container_port_name`]: 'http',
        [`${M}pod_container_port_protocol`]: 'TCP',
        [`${M}pod_container_init`]: 'false',
      },
      {
        __address__: '10.1.2.3:6060',
        [`${M}pod_container_name`]: 'app',
        [`${M}pod_container_port_number`]: '6060',
        [`${M}pod_container_port_name`]: '',
        [`${M}pod_container_port_protocol`]: 'UDP',
        [`${M}pod_container_init`]: 'false',
      },
      { __address__: '10.1.2.3', [`${M}pod_container_name`]: 'sidecar', [`${M}pod_container_init`]: 'false' },
      {
        __address__: '10.1.2.3:9000',
        [`${M}pod_container_name`]: 'init',
        [`${M}pod_container_port_number`]: '9000',
        [`${M}pod_container_port_name`]: 'setup',
        [`${M}pod_container_port_protocol`]: 'TCP',
        [`${M}pod_container_init`]: 'true',
      },
    ]);
  });

  it('brackets an IPv6 pod IP', () => {
    const v6: V1Pod = { ...pod, status: { ...pod.status, podIP: 'fd00::1' } };
    expect(podTargetGroup(v6).targets[0]?.__address__).toBe('[fd00::1]:8080');
  });

  it.each([
    { name: 'no Ready condition', conditions: [], ready: 'unknown' },
    { name: 'Ready False', conditions: [{ type: 'Ready', status: 'False' }], ready: 'false' },
    { name: 'Ready Unknown', conditions: [{ type: 'Ready', status: 'Unknown' }], ready: 'unknown' },
  ])('pod_ready with $name', ({ conditions, ready }) => {
    expect(podTargetGroup({ ...pod, status: { ...pod.status, conditions } }).labels[`${M}pod_ready`]).toBe(ready);
  });

  it('has no controller labels without a controller owner', () => {
    const orphan: V1Pod = { ...pod, metadata: { ...pod.metadata, ownerReferences: [] } };
    expect(Object.keys(podTargetGroup(orphan).labels).filter((k) => k.includes('controller'))).toEqual([]);
  });

  it('has no targets and no labels without a pod IP', () => {
    expect(podTargetGroup({ ...pod, status: { phase: 'Pending' } })).toEqual({ source: 'pod/shop/web-0', targets: [], labels: {} });
  });

  it.each([
    ['pyroscope.io/application-name', 'pyroscope_io_application_name'],
    ['a.b/c-d_e', 'a_b_c_d_e'],
    ['emoji😀', 'emoji_'],
  ])('sanitises %s → %s', (input, output) => expect(sanitizeLabelName(input)).toBe(output));
});

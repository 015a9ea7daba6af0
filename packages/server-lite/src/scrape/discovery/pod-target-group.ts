import type { V1Pod } from '@kubernetes/client-node';
import type { Labels } from '../../config/relabel-rules.js';
import type { TargetGroup } from '../target-group.js';

const META = '__meta_kubernetes_';

/** Prometheus's label-name sanitising for Kubernetes label and annotation keys: every character outside `[a-zA-Z0-9_]` becomes `_`. */
export function sanitizeLabelName(name: string): string {
  return name.replace(/[^a-zA-Z0-9_]/gu, '_');
}

/** The target-group source of a pod: `pod/<namespace>/<name>`. */
export function podSource(namespace: string, name: string): string {
  return `pod/${namespace}/${name}`;
}

/**
 * Prometheus's pod role: the pod's meta labels on the group, one target per container port
 * (containers, then init containers), one target at the pod IP for a container without ports,
 * and no targets while the pod has no IP.
 */
export function podTargetGroup(pod: V1Pod): TargetGroup {
  const namespace = pod.metadata?.namespace ?? '';
  const name = pod.metadata?.name ?? '';
  const source = podSource(namespace, name);
  const podIP = pod.status?.podIP ?? '';
  if (podIP === '') return { source, targets: [], labels: {} };

  const labels = new Map<string, string>([
    [`${META}namespace`, namespace],
    [`${META}pod_name`, name],
    [`${META}pod_ip`, podIP],
    [`${META}pod_ready`, podReady(pod)],
    [`${META}pod_phase`, pod.status?.phase ?? ''],
    [`${META}pod_node_name`, pod.spec?.nodeName ?? ''],
    [`${META}pod_host_ip`, pod.status?.hostIP ?? ''],
    [`${META}pod_uid`, pod.metadata?.uid ?? ''],
  ]);
  const controller = pod.metadata?.ownerReferences?.find((ref) => ref.controller === true);
  if (controller !== undefined) {
    labels.set(`${META}pod_controller_kind`, controller.kind);
    labels.set(`${META}pod_controller_name`, controller.name);
  }
  for (const [key, value] of Object.entries(pod.metadata?.labels ?? {})) {
    const n = sanitizeLabelName(key);
    labels.set(`${META}pod_label_${n}`, value);
    labels.set(`${META}pod_labelpresent_${n}`, 'true');
  }
  for (const [key, value] of Object.entries(pod.metadata?.annotations ?? {})) {
    const n = sanitizeLabelName(key);
    labels.set(`${META}pod_annotation_${n}`, value);
    labels.set(`${META}pod_annotationpresent_${n}`, 'true');
  }

  const targets: Labels[] = [];
  const containers = [
    ...(pod.spec?.containers ?? []).map((c) => ({ c, init: false })),
    ...(pod.spec?.initContainers ?? []).map((c) => ({ c, init: true })),
  ];
  for (const { c, init } of containers) {
    const ports = c.ports ?? [];
    if (ports.length === 0) {
      targets.push({ __address__: podIP, [`${META}pod_container_name`]: c.name, [`${META}pod_container_init`]: String(init) });
      continue;
    }
    for (const port of ports) {
      const number = String(port.containerPort);
      targets.push({
        __address__: joinHostPort(podIP, number),
        [`${META}pod_container_name`]: c.name,
        [`${META}pod_container_port_number`]: number,
        [`${META}pod_container_port_name`]: port.name ?? '',
        [`${META}pod_container_port_protocol`]: port.protocol ?? '',
        [`${META}pod_container_init`]: String(init),
      });
    }
  }
  return { source, targets, labels: Object.fromEntries(labels) };
}

// "true"/"false"/"unknown" from the Ready condition, lower-cased as Prometheus does.
function podReady(pod: V1Pod): string {
  const ready = pod.status?.conditions?.find((cond) => cond.type === 'Ready');
  return ready === undefined ? 'unknown' : ready.status.toLowerCase();
}

function joinHostPort(host: string, port: string): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

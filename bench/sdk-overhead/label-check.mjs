// Checks the labels in pushed time profiles: of the samples whose stack holds a route's render
// function (renderUser / renderOrder), how many carry that route's `route` label, another
// route's label (mislabelled: the context did not follow the request across its `await`), or
// none. Weighted by sample count.
import { gunzipSync } from 'node:zlib';
import { Profile } from 'pprof-format';

const EXPECTED = [['renderUser', '/users/:id'], ['renderOrder', '/orders/:id']];

function decode(body) {
  const raw = body[0] === 0x1f && body[1] === 0x8b ? gunzipSync(body) : body;
  return Profile.decode(raw);
}

export function checkRouteLabels(bodies) {
  const out = { timeProfiles: 0, routeSamples: 0, labelledRight: 0, labelledWrong: 0, unlabelled: 0 };
  for (const body of bodies) {
    let p;
    try { p = decode(body); } catch { continue; }
    const str = (i) => p.stringTable.strings[Number(i)] ?? '';
    const types = p.sampleType.map((t) => str(t.type));
    if (!types.includes('wall')) continue;
    out.timeProfiles++;
    const countIdx = Math.max(0, types.findIndex((t) => t === 'samples' || t === 'sample'));
    const fnName = new Map(p.function.map((f) => [Number(f.id), str(f.name)]));
    const locNames = new Map(p.location.map((l) => [Number(l.id), l.line.map((ln) => fnName.get(Number(ln.functionId)) ?? '')]));
    for (const s of p.sample) {
      const names = s.locationId.flatMap((id) => locNames.get(Number(id)) ?? []);
      const hit = EXPECTED.find(([fn]) => names.some((n) => n.includes(fn)));
      if (!hit) continue;
      const weight = Number(s.value[countIdx] ?? 1);
      out.routeSamples += weight;
      const label = s.label.find((l) => str(l.key) === 'route');
      if (!label) out.unlabelled += weight;
      else if (str(label.str) === hit[1]) out.labelledRight += weight;
      else out.labelledWrong += weight;
    }
  }
  return out;
}

// Runs as its own process (`node --import tsx kube-api-sidecar.ts pods.json`) inside a replayed
// pod's network namespace, where the server-lite container finds it as its Kubernetes API server:
// server-lite's fake API (real list + watch over HTTPS, the committed test CA) serving the pods in
// pods.json, and on a second, plain-HTTP port the list of requests it has answered, which the test
// reads from inside the namespace (netns-http.ts). Prints both ports once listening.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FakeKubeApi, testKubeApiTls } from '../../packages/server-lite/test/scrape/fake-kube-api.js';

async function main(): Promise<void> {
  const podsFile = process.argv[2];
  if (podsFile === undefined) throw new Error('usage: kube-api-sidecar.ts <pods.json>');
  const api = await FakeKubeApi.start(testKubeApiTls());
  for (const pod of JSON.parse(readFileSync(podsFile, 'utf8')) as Parameters<FakeKubeApi['apply']>[0][]) api.apply(pod);
  const report = createServer((_req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(api.requests));
  });
  await new Promise<void>((resolve) => report.listen(0, '127.0.0.1', resolve));
  process.stdout.write(`fake kube api on 127.0.0.1:${api.port}, requests on 127.0.0.1:${(report.address() as AddressInfo).port}\n`);
  process.once('SIGTERM', () => {
    report.close();
    void api.close().then(() => process.exit(0));
  });
}

main().catch((err: unknown) => {
  process.stderr.write(`kube-api-sidecar: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});

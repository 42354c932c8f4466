/**
 * Non-image OCI artifacts promote like images: a Helm chart, an `artifactType` artifact with the
 * empty config, a WASM module and an index of artifacts are planned, copied byte for byte,
 * verified, signed and attested, on real Distribution (fallback tag scheme) and on the
 * in-process registry (referrers API), to three mirrors.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fetchBlob, fetchManifest, fetchTags, pushImage, pushIndex, type ImageData, type IndexData } from '../support/seed.js';
import { main } from '../../src/cli/main.js';
import { writeManifest } from '../e2e/harness.js';
import { keyTrust, newKey, promoteWithTrust, referrersOf, startTrustEnv, type RegistryKind, type TrustEnv } from '../trust/harness.js';
import { artifactIndex, emptyConfigArtifact, helmChart, wasmModule } from './seed-artifacts.js';
import { captureIO } from '../support/cli.js';

const sigTagOf = (d: string): string => `${d.replace(':', '-')}.sig`;
const PROMOTION = 'https://k8s.io/promo-tools/promotion/v1';

for (const kind of ['distribution', 'in-process'] as RegistryKind[]) {
  describe(`artifacts on ${kind}`, () => {
    let env: TrustEnv;
    before(async () => {
      env = await startTrustEnv(kind, 3);
    });
    after(() => env.stop());

    test('a chart, an empty-config artifact, a WASM module and an index of artifacts promote, sign and attest like images', async () => {
      const chart = helmChart(`chart-${kind}`);
      const file = emptyConfigArtifact(`file-${kind}`);
      const wasm = wasmModule(`wasm-${kind}`);
      const bundle = artifactIndex([helmChart(`inner-chart-${kind}`), wasmModule(`inner-wasm-${kind}`)]);
      const all: Array<[string, ImageData | IndexData]> = [['chart', chart], ['file', file], ['wasm', wasm], ['bundle', bundle]];
      for (const [name, a] of all) {
        if ('manifests' in a) await pushIndex(env.staging, `staging/${name}`, a, 'v1');
        else await pushImage(env.staging, `staging/${name}`, a, 'v1');
      }
      const manifest = await writeManifest(env.dir, `${env.staging.host}/staging`, env.mirrors.map((m) => `${m.host}/prod`),
        all.map(([name, a]) => ({ name, dmap: { [a.digest]: ['v1'] } })));
      const staging = newKey();
      const promoter = newKey();
      const r = await promoteWithTrust(manifest, keyTrust(staging, promoter, { placement: 'replicate' }));
      assert.equal(r.failure, undefined, r.failure?.message);
      for (const [name, a] of all) {
        for (const m of env.mirrors) {
          const got = await fetchManifest(m, `prod/${name}`, 'v1');
          assert.equal(got.status, 200, `${name} at ${m.host}`);
          assert.deepEqual(Buffer.from(got.body), Buffer.from(a.bytes), `${name} byte for byte at ${m.host}`);
          const images = 'manifests' in a ? a.manifests : [a];
          for (const img of images) {
            for (const b of [img.config, ...img.layers]) {
              assert.deepEqual(Buffer.from((await fetchBlob(m, `prod/${name}`, b.digest)).body), Buffer.from(b.bytes), `${name} blob ${b.mediaType}`);
            }
          }
          assert.ok((await fetchTags(m, `prod/${name}`)).includes(sigTagOf(a.digest)), `${name} signed at ${m.host}`);
        }
        const attested = (await referrersOf(env, env.mirrors[0]!, `prod/${name}`, a.digest)).filter((x) => x.annotations?.['dev.sigstore.bundle.predicateType'] === PROMOTION);
        assert.equal(attested.length, 1, `${name} attested once`);
      }
      // A snapshot of a mirror lists every artifact under its tag.
      const io = captureIO();
      assert.equal(await main(['cip', '--snapshot', `${env.mirrors[2]!.host}/prod`, '--output', 'csv'], io), 0, io.err);
      for (const [name, a] of all) assert.ok(io.out.split('\n').includes(`${name}@${a.digest},${name}:v1`), `${name} in the snapshot:\n${io.out}`);
      const rerun = await promoteWithTrust(manifest, keyTrust(staging, promoter, { placement: 'replicate' }));
      assert.equal(rerun.failure, undefined);
      assert.deepEqual(rerun.report.trust && (rerun.report.trust as { signed: { result: string }[] }).signed.filter((w) => w.result !== 'already-present'), []);
    });
  });
}

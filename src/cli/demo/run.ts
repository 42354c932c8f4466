/**
 * `npm run demo` / `kpromo demo`: promotes sample images from an in-process staging registry to
 * three in-process mirrors with the real CLI (`kpromo cip --thin-manifest-dir … --confirm`), runs
 * it again to show there is nothing left to do, and prints what each mirror now holds. It signs
 * with an ephemeral key (key-based, no Rekor) so the whole pipeline runs, sign and attest included.
 */
import { generateKeyPairSync } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { main, type CliIO } from '../main.js';
import type { Digest } from '../../image/ref.js';
import { createHttpRegistryClient } from '../../registry/http/client.js';
import type { RegistryServer } from '../../registry/server/server.js';
import { BUNDLE_MEDIA_TYPE } from '../../signing/referrers.js';
import { readRegistrySnapshot } from '../../snapshot/read.js';
import { sortInventory } from '../../snapshot/inventory.js';
import { createDemoWorld, expectedTags, MIRROR_PATH, registryNames, STAGING_PATH, DEMO_IMAGES_FILE, DEMO_MANIFEST_FILE, type DemoWorld } from './setup.js';

/** What one mirror holds after the demo: every tag with its digest. */
export interface MirrorContent {
  registry: string;
  tags: { name: string; tag: string; digest: Digest }[];
  /** Digests present without a tag (an index's children), as `name@digest`. */
  untagged: string[];
  /** cosign signature images (`name:sha256-<hex>.sig`). */
  signatures: string[];
  /** Promotion attestations attached as referrers, counted over the mirror's image digests. */
  attestations: number;
}

/** The outcome of a demo run, for the caller (and the test) to check. */
export interface DemoResult {
  staging: string;
  firstExit: number;
  secondExit: number;
  /** Write requests (PUT/POST/PATCH/DELETE) the mirrors received during the second run. */
  secondRunWrites: number;
  mirrors: MirrorContent[];
  expected: { name: string; tag: string; digest: Digest }[];
}

/** A cosign `.sig` tag (`sha256-<hex>.sig`). */
const SIG_TAG = /^sha256-[0-9a-f]{64}\.sig$/;

/** Writes an ephemeral ECDSA P-256 key pair (PKCS#8 / SPKI PEM) for the demo's signatures. */
async function writeDemoKeys(dir: string): Promise<{ key: string; pub: string }> {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const key = join(dir, 'demo-signing-key.pem');
  const pub = join(dir, 'demo-signing-key.pub');
  await writeFile(key, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  await writeFile(pub, publicKey.export({ type: 'spki', format: 'pem' }));
  return { key, pub };
}

/** Options of the demo. */
export interface DemoOptions {
  /** Keep the manifests, the signing key and the registries' content in this (new or empty) directory. */
  keep?: string;
  /** Called with the running registries before they stop (tests read the mirrors through it). */
  inspect?: (world: DemoWorld) => Promise<void>;
}

/** Runs the demo, narrating on `io.stdout`; kpromo's own output goes to `io` too. */
export async function runDemo(io: CliIO, opts: DemoOptions = {}): Promise<DemoResult> {
  const say = (s = '') => io.stdout(`${s}\n`);
  const world = await createDemoWorld({ keep: opts.keep });
  try {
    const staging = `${world.staging.host}/${STAGING_PATH}`;
    say(`kpromo demo: a staging registry and ${world.mirrors.length} mirrors on 127.0.0.1 (in-process)`);
    say(`  staging  ${staging}`);
    for (const m of world.mirrors) say(`  mirror   ${m.host}/${MIRROR_PATH}`);
    say('seeded in staging:');
    for (const i of world.images) say(`  ${i.name}:${i.tags.join(',')}  ${i.kind}  ${i.manifest.digest.slice(0, 19)}…`);
    say(`thin manifests written under ${world.dir}`);
    const keys = await writeDemoKeys(world.dir);
    say(`ephemeral signing key ${keys.key} (public key ${keys.pub})`);
    const argv = ['cip', '--thin-manifest-dir', world.dir, '--confirm', '--signing-key', keys.key];

    say(`\n$ kpromo ${argv.join(' ')}`);
    const firstExit = await main(argv, io);
    resetStats(world.mirrors);
    say(`\n$ kpromo ${argv.join(' ')}    # again: everything is already there`);
    const secondExit = await main(argv, io);
    const secondRunWrites = countWrites(world.mirrors);

    const mirrors = await readMirrors(world.mirrors);
    say('\nwhere everything went:');
    for (const m of mirrors) {
      say(`  ${m.registry}`);
      for (const t of m.tags) say(`    ${t.name}:${t.tag} -> ${t.digest}`);
      for (const u of m.untagged) say(`    ${u} (untagged: a platform image of an index)`);
      say(`    signatures: ${m.signatures.length} cosign .sig images; attestations: ${m.attestations} promotion bundles (referrers)`);
    }
    say('(signatures and attestations live on the first mirror only: --signature-placement canonical, the default)');
    say(`\nsecond run: ${secondRunWrites} write requests to the mirrors`);
    if (opts.keep) await sayKept(say, world, argv);
    await opts.inspect?.(world);
    const expected = expectedTags(world.images);
    return { staging, firstExit, secondExit, secondRunWrites, mirrors, expected };
  } finally {
    await world.close();
  }
}

/** Prints the kept manifests and how to run the registries and the promotion again by hand. */
async function sayKept(say: (s?: string) => void, world: DemoWorld, argv: string[]): Promise<void> {
  const files = [DEMO_MANIFEST_FILE, DEMO_IMAGES_FILE];
  say(`\nkept in ${world.dir}:`);
  for (const rel of files) {
    say(`--- ${rel}`);
    say((await readFile(join(world.dir, rel), 'utf8')).trimEnd());
  }
  say('\nto run it again: start the registries (each in its own terminal, or with &), then promote');
  const servers = [world.staging, ...world.mirrors];
  for (const [i, name] of registryNames().entries()) {
    say(`  kpromo registry serve --addr ${servers[i]!.host} --dir ${join(world.dir, 'registries', name)}`);
  }
  say(`  kpromo ${argv.join(' ')}`);
}

function resetStats(servers: readonly RegistryServer[]): void {
  for (const s of servers) s.resetStats();
}

/** Requests that change a registry, from the servers' own counters. */
export function countWrites(servers: readonly RegistryServer[]): number {
  let n = 0;
  for (const s of servers) {
    for (const [kind, count] of Object.entries(s.stats.byKind)) if (/^(PUT|POST|PATCH|DELETE) /.test(kind)) n += count;
  }
  return n;
}

/** Every tag under the mirror path of each mirror, sorted, with its digest. */
async function readMirrors(servers: readonly RegistryServer[]): Promise<MirrorContent[]> {
  const client = createHttpRegistryClient();
  try {
    const out: MirrorContent[] = [];
    for (const s of servers) {
      const registry = `${s.host}/${MIRROR_PATH}`;
      const { inventory } = await readRegistrySnapshot({ client, registry });
      const sorted = sortInventory(inventory);
      const all = sorted.flatMap((img) => img.digests.flatMap((d) => d.tags.map((tag) => ({ name: img.name, tag: String(tag), digest: d.digest }))));
      const tags = all.filter((t) => !SIG_TAG.test(t.tag));
      const signatures = all.filter((t) => SIG_TAG.test(t.tag)).map((t) => `${t.name}:${t.tag}`);
      const untagged = sorted.flatMap((img) => img.digests.filter((d) => d.tags.length === 0).map((d) => `${img.name}@${d.digest}`));
      const images = sorted.flatMap((img) => img.digests.filter((d) => !d.tags.some((t) => SIG_TAG.test(String(t)))).map((d) => ({ name: img.name, digest: d.digest })));
      let attestations = 0;
      for (const i of images) {
        const refs = await client.listReferrers({ host: s.host, repository: `${MIRROR_PATH}/${i.name}` }, i.digest);
        attestations += refs.filter((r) => r.artifactType === BUNDLE_MEDIA_TYPE).length;
      }
      out.push({ registry, tags, untagged, signatures, attestations });
    }
    return out;
  } finally {
    await client.close();
  }
}

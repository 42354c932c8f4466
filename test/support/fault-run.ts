/**
 * The setup shared by the end-to-end fault tests: a scratch directory, Distribution mirrors and
 * fault proxies stopped in reverse order at the end, and `kpromo cip --confirm --sign=false` runs
 * with a JSON report, checked by reading every manifest and blob back by digest.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isolatedEnv, runCli } from './cli.js';
import { startDistributions, type Distribution } from './distribution.js';
import { startFaultProxy, type FaultProxy, type FaultProxyOptions } from './fault-proxy.js';
import { fetchBlob, fetchManifest, sha256, type ImageData, type IndexData, type SeedTarget } from './seed.js';

/** Proxy options without the target. */
export type ProxyOptions = Omit<FaultProxyOptions, 'target'>;

/** An image of a promotion manifest: promoted as prod/NAME:v1. */
export interface NamedImage {
  name: string;
  data: ImageData | IndexData;
}

/** A scratch directory and the servers of one test file. */
export class FaultRun {
  private readonly cleanups: Array<() => Promise<void>> = [];
  private constructor(readonly dir: string, private readonly proxyDefaults: ProxyOptions) {}

  /** A new scratch directory named PREFIX…; proxies get `proxyDefaults` under their own options. */
  static async start(prefix: string, proxyDefaults: ProxyOptions): Promise<FaultRun> {
    return new FaultRun(await mkdtemp(join(tmpdir(), prefix)), proxyDefaults);
  }

  /** Runs `stop` at the end (in reverse order of registration). */
  defer(stop: () => Promise<void>): void {
    this.cleanups.push(stop);
  }

  /** A fault proxy in front of `target` (a URL), stopped at the end. */
  async fronted(target: string, opts: ProxyOptions = {}): Promise<FaultProxy> {
    const p = await startFaultProxy({ target, lifetimeMs: 120_000, ...this.proxyDefaults, ...opts });
    this.defer(() => p.stop());
    return p;
  }

  /** `n` fresh Distribution registries, stopped at the end. */
  async mirrors(n: number): Promise<Distribution[]> {
    const regs = await startDistributions(n);
    this.defer(() => Promise.all(regs.map((r) => r.stop())).then(() => {}));
    return regs;
  }

  /** Runs `kpromo cip --confirm --sign=false` promoting `images` from SRC/staging to each DST/prod; `extra` flags follow. */
  async promote<R>(src: string, dsts: string[], images: NamedImage[], extra: string[] = []): Promise<{ code: number; err: string; report: R }> {
    const manifest = join(this.dir, `m-${Math.random().toString(36).slice(2)}.yaml`);
    await writeFile(manifest, JSON.stringify({
      registries: [{ name: `${src}/staging`, src: true }, ...dsts.map((d) => ({ name: `${d}/prod` }))],
      images: images.map((i) => ({ name: i.name, dmap: { [i.data.digest]: ['v1'] } })),
    }));
    const reportFile = join(this.dir, `r-${Math.random().toString(36).slice(2)}.json`);
    const { code, err } = await runCli(['cip', '--manifest', manifest, '--confirm', '--sign=false', '--report-file', reportFile, ...extra], isolatedEnv(this.dir));
    return { code, err, report: JSON.parse(await readFile(reportFile, 'utf8')) as R };
  }

  /** Stops everything started (errors ignored) and removes the directory. */
  async stop(): Promise<void> {
    for (const c of this.cleanups.reverse()) await c().catch(() => {});
    await rm(this.dir, { recursive: true, force: true });
  }
}

/** The blobs of an image, or of every child of an index. */
export function blobsOf(d: ImageData | IndexData): Array<{ digest: string }> {
  return 'manifests' in d ? d.manifests.flatMap(blobsOf) : [d.config, ...d.layers];
}

/** The image is on `reg` under prod/NAME:v1 with every manifest and blob hashing to its digest. */
export async function assertPromoted(reg: SeedTarget & { host: string }, img: NamedImage): Promise<void> {
  const m = await fetchManifest(reg, `prod/${img.name}`, 'v1');
  assert.equal(m.status, 200, `${reg.host} prod/${img.name}:v1`);
  assert.equal(sha256(m.body), img.data.digest);
  for (const b of blobsOf(img.data)) assert.equal(sha256((await fetchBlob(reg, `prod/${img.name}`, b.digest)).body), b.digest);
}

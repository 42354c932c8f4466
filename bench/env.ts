/**
 * The benchmark's registries on loopback: one staging and K mirrors of the real Distribution
 * registry, each behind a fault proxy that counts requests and bytes and injects faults.
 */
import { startDistribution, startDistributions, type Distribution } from '../test/support/distribution.js';
import { startFaultProxy, type FaultProxy, type FaultProxyOptions } from '../test/support/fault-proxy.js';

/** A registry and the proxy in front of it (tools talk to `proxy.host`). */
export interface Fronted {
  registry: Distribution;
  proxy: FaultProxy;
}

/** Fault settings applied to every proxy of a run. */
export type FaultPlan = Partial<Pick<FaultProxyOptions, 'rates' | 'quota' | 'retryAfterSeconds' | 'latency'>>;

const PROXY_LIFETIME_MS = 20 * 60_000;

async function front(registry: Distribution, seed: number): Promise<Fronted> {
  const proxy = await startFaultProxy({ target: registry.url, seed, lifetimeMs: PROXY_LIFETIME_MS, maxRequests: 2_000_000 });
  return { registry, proxy };
}

/** Starts the staging registry behind its proxy. */
export async function startStaging(): Promise<Fronted> {
  return front(await startDistribution(), 1);
}

/** Starts K fresh mirrors, each behind its proxy. */
export async function startMirrors(k: number): Promise<Fronted[]> {
  const regs = await startDistributions(k);
  return Promise.all(regs.map((r, i) => front(r, 100 + i)));
}

/** Stops proxies and registries. */
export async function stopAll(list: Fronted[]): Promise<void> {
  await Promise.all(list.map(async (f) => {
    await f.proxy.stop();
    await f.registry.stop();
  }));
}

/** Applies a fault plan (or clears it) on every proxy. */
export function setFaults(list: Fronted[], plan: FaultPlan | undefined): void {
  for (const f of list) {
    f.proxy.configure({ rates: plan?.rates ?? {}, quota: plan?.quota, retryAfterSeconds: plan?.retryAfterSeconds ?? 1, latency: plan?.latency });
  }
}

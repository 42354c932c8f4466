/**
 * `npm run bench:policy`: decides every edge of the real k8s.io thin-manifest tree
 * (/work/shared/fixtures/k8s-io, 28,706 edges) against docs/examples/policy/policy.yaml, offline:
 * compile time, decision time (promote, then promote + sign) and decisions per second. No
 * registry is involved: the policy reads edge, provenance, vulnerability and request attributes
 * only. CPU time is reported beside wall time: on a shared machine the wall time mostly measures
 * the other processes. Writes bench/results/policy.json. Not run in CI.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { planOffline } from '../src/plan/offline.js';
import { decideEdges } from '../src/policy/engine.js';
import { loadPolicy } from '../src/policy/load.js';
import { OriginIndex } from '../src/policy/origin.js';
import { Principals } from '../src/policy/principal.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const fixture = process.argv[2] ?? '/work/shared/fixtures/k8s-io';
const ms = (t0: bigint): number => Number(process.hrtime.bigint() - t0) / 1e6;

const t0 = process.hrtime.bigint();
const policy = await loadPolicy(join(root, 'docs/examples/policy/policy.yaml'));
const compileMs = ms(t0);
const plan = await planOffline({ thinManifestDir: fixture });
const origins = new OriginIndex(plan.manifests);
const runs: Record<string, unknown>[] = [];
for (const actions of [['promote'], ['promote', 'sign']] as const) {
  // --principal as a CI job passes it: git blame is not part of this measurement
  const ctx = { policy, origins, principals: new Principals(policy, origins, { principal: 'alice@example.com' }) };
  const t = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  const decisions = await decideEdges(ctx, plan.edges, actions);
  const wallMs = ms(t);
  const used = process.cpuUsage(cpu);
  const cpuMs = (used.user + used.system) / 1000;
  const denied = decisions.filter((d) => !d.decision.allowed).length;
  const byRule: Record<string, number> = {};
  for (const d of decisions) byRule[d.decision.rule] = (byRule[d.decision.rule] ?? 0) + 1;
  runs.push({ actions: actions.join('+'), decisions: decisions.length, denied, wallMs: Math.round(wallMs), cpuMs: Math.round(cpuMs), perSecond: Math.round(decisions.length / (wallMs / 1000)), byRule });
}
const result = { fixture, edges: plan.edges.length, compileMs: Math.round(compileMs), runs };
await mkdir(join(root, 'bench/results'), { recursive: true });
await writeFile(join(root, 'bench/results/policy.json'), `${JSON.stringify(result, null, 2)}\n`);
process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);

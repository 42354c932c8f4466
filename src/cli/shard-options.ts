/**
 * The shard flags of `kpromo cip` (`--shard INDEX/COUNT`, `--shard-count COUNT`): which part of
 * a run split across machines this process promotes. A Kubernetes Indexed Job sets
 * JOB_COMPLETION_INDEX in each pod, so `--shard-count N` alone picks the pod's shard.
 */
import { MAX_SHARDS, parseShard, type Shard } from '../plan/shard.js';
import type { FlagReader, FlagSpec } from './flags.js';

/** The environment variable a Kubernetes Indexed Job sets to the pod's completion index. */
export const SHARD_INDEX_ENV = 'JOB_COMPLETION_INDEX';

/** Environment variables a run id is taken from when --run-id is not given, in order. */
export const RUN_ID_ENV = 'KPROMO_RUN_ID';

/** The shard flags. */
export const SHARD_FLAGS: FlagSpec[] = [
  {
    name: 'run-id',
    kind: 'string',
    arg: '<id>',
    description: `names the run its shards belong to, written into each shard's report so \`kpromo report merge\` refuses reports of another run; default $${RUN_ID_ENV}, else $GITHUB_RUN_ID`,
  },
  {
    name: 'shard',
    kind: 'string',
    arg: '<index/count>',
    description: `promote only shard INDEX of COUNT (images split by a hash of their digest; INDEX from 0); default: $${SHARD_INDEX_ENV} with --shard-count`,
  },
  {
    name: 'shard-count',
    kind: 'int',
    arg: '<count>',
    description: `number of shards the run is split into; the index is --shard INDEX or $${SHARD_INDEX_ENV} (a Kubernetes Indexed Job)`,
  },
];

/** Reads the shard of this process, or undefined for an unsharded run; problems go to the reader. */
export function readShard(f: FlagReader, env: NodeJS.ProcessEnv): Shard | undefined {
  const count = f.str('shard-count') !== undefined ? f.int('shard-count', 1, MAX_SHARDS) : undefined;
  const text = f.str('shard') ?? (count !== undefined ? env[SHARD_INDEX_ENV] : undefined);
  if (text === undefined) {
    if (count !== undefined && count > 1) f.fail(`--shard-count ${count} needs the shard index: give --shard INDEX or set $${SHARD_INDEX_ENV}`);
    return undefined;
  }
  const shard = parseShard(text, count);
  if (typeof shard === 'string') {
    f.fail(f.str('shard') === undefined ? `$${SHARD_INDEX_ENV}: ${shard}` : `--shard: ${shard}`);
    return undefined;
  }
  return shard.count > 1 ? shard : undefined;
}

/** The share of each host's budget a shard takes, applied to the run's options: 1/COUNT of req/s, burst, in-flight ceiling and plan reads per host. */
export function shardBudget<N extends { share?: number }>(network: N, requestsPerHost: number | undefined, shard: Shard | undefined): { network: N; requestsPerHost: number | undefined } {
  if (!shard) return { network, requestsPerHost };
  return { network: { ...network, share: 1 / shard.count }, requestsPerHost: shardShare(requestsPerHost, shard) };
}

/** A shard's part of a per-host count (requests or writes in flight): 1/COUNT of it, at least 1. */
export function shardShare(perHost: number | undefined, shard: Shard | undefined): number | undefined {
  return perHost === undefined || !shard ? perHost : Math.max(1, Math.ceil(perHost / shard.count));
}

/**
 * The run id of a sharded run: --run-id, $KPROMO_RUN_ID, or GitHub Actions' run id (not its
 * attempt: "Re-run failed jobs" reruns some shards of the same run); undefined when none is known.
 */
export function readRunId(f: FlagReader, env: NodeJS.ProcessEnv): string | undefined {
  const id = f.str('run-id') ?? env[RUN_ID_ENV] ?? env.GITHUB_RUN_ID;
  if (id === undefined) return undefined;
  if (!/^[\w.:@/-]{1,200}$/.test(id)) {
    f.fail(`--run-id ${JSON.stringify(id.slice(0, 40))}: letters, digits and ._:@/- only, at most 200`);
    return undefined;
  }
  return id;
}

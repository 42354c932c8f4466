/**
 * Who asked for each edge (GitOps style): `--principal` when a CI system knows the approver,
 * else, for the commit that added the edge's digest line (git blame), its author email or, with
 * `github`, the author of the pull request that brought it (see github-principal.ts). Groups come from
 * `--group`, the policy's `groups:` and the OWNERS files beside the project's manifest. The
 * runner's workload identity (the signing token's issuer and subject) is the same for every edge.
 */
import { dirname, parse as parsePath } from 'node:path';
import type { SourcePos } from '../manifest/schema.js';
import type { Edge } from '../plan/edge.js';
import { blameFile, type LineAuthor, type LineAuthors } from './blame.js';
import { askersOf, CommitPulls, principalOfLogin, type GitHubPrincipalSource } from './github-principal.js';
import { groupsOf } from './groups.js';
import type { EdgeOrigin, OriginIndex } from './origin.js';
import { readAtRevision } from '../manifest/git.js';
import { readOwners, readWorkingTree, type OwnersOf, type TextReader } from './owners.js';
import type { Policy } from './policy.js';
import type { PolicyInput } from './attributes.js';

/** What the request part of the attributes is built from. */
export interface RequestOptions {
  /** `--principal`: every edge's principal. */
  principal?: string;
  /** `--group` values, added to every principal's groups. */
  groups?: readonly string[];
  /** The runner's workload identity (from the OIDC token used for signing). */
  runner?: { issuer: string; subject: string };
  /**
   * The revision OWNERS files are read at: the diff base of a run scoped to a change (so the
   * change's own edits to OWNERS grant nothing), null for a change from the empty tree (no
   * owners yet); undefined reads the working tree.
   */
  ownersAt?: string | null;
  /** Principals from GitHub: the authors of the pull requests the blamed commits came in by. */
  github?: GitHubPrincipalSource;
}

/** An edge's request attributes and, for the report, where its principal came from. */
export interface Attribution {
  request: PolicyInput['request'];
  /** `--principal`, `git blame <file>:<line>`, or why there is none. */
  from: string;
}

/** Resolves principals for edges, reading each manifest file's blame and each OWNERS file once. */
export class Principals {
  private readonly blames = new Map<string, Promise<LineAuthors>>();
  private readonly owners = new Map<string, Promise<OwnersOf | undefined>>();
  /** The OWNERS of a manifest file once read (the per-edge path stays synchronous). */
  private readonly ownersByManifest = new Map<string, OwnersOf | undefined>();
  /** Groups per OWNERS (null: none) and principal: the same for every edge of a project. */
  private readonly groupsMemo = new Map<OwnersOf | null, Map<string, string[]>>();

  /** The pull requests of blamed commits, with `github`. */
  private readonly pulls: CommitPulls | undefined;

  constructor(
    private readonly policy: Pick<Policy, 'groups' | 'handles'>,
    private readonly origins: OriginIndex,
    private readonly opts: RequestOptions,
  ) {
    this.pulls = opts.github && !opts.principal ? new CommitPulls(opts.github) : undefined;
  }

  /**
   * Reads ahead what the principals of `edges` need from GitHub (with `github`): every blamed
   * commit's pull requests, in batches, instead of one request per commit as edges are decided.
   */
  async prefetch(edges: readonly Edge[], signal?: AbortSignal): Promise<void> {
    if (!this.pulls) return;
    const commits = new Set<string>();
    for (const edge of edges) {
      const origin = this.origins.of(edge);
      if (!origin) continue;
      for (const pos of linesOf(origin)) {
        const a = await this.author(pos, signal);
        if (a) commits.add(a.commit);
      }
    }
    await this.pulls.load(commits, signal);
  }

  /** The request attributes of `edge`, from its digest line. */
  async of(edge: Edge, signal?: AbortSignal, origin: EdgeOrigin | undefined = this.origins.of(edge)): Promise<Attribution> {
    return (await this.all(edge, signal, origin))[0]!;
  }

  /**
   * The request attributes of every author of `edge`: the author of its digest line and, when its
   * tag sits on a line of its own, the author of that line too (each once). Whoever wrote either
   * line asked for the edge, so a decision must hold for all of them.
   */
  async all(edge: Edge, signal?: AbortSignal, origin: EdgeOrigin | undefined = this.origins.of(edge)): Promise<Attribution[]> {
    const who: { principal: string; source: string; from: string }[] = [];
    if (this.opts.principal) {
      who.push({ principal: this.opts.principal.toLowerCase(), source: 'flag', from: '--principal' });
    } else if (!origin) {
      who.push({ principal: '', source: 'none', from: 'no principal: the edge is not in the manifests' });
    } else {
      for (const pos of linesOf(origin)) {
        const author = await this.author(pos, signal);
        const ws = !author
          ? [{ principal: '', source: 'none', from: 'no principal: the digest line is not committed in git' }]
          : this.pulls
            ? await this.askers(author, `git blame ${pos.file}:${pos.line}`, signal)
            : [{ principal: author.email, source: 'git-blame', from: `git blame ${pos.file}:${pos.line}` }];
        for (const w of ws) if (!who.some((x) => x.principal === w.principal)) who.push(w);
      }
    }
    let owners: OwnersOf | undefined;
    if (origin && origin.project !== '') {
      if (this.ownersByManifest.has(origin.manifestFile)) owners = this.ownersByManifest.get(origin.manifestFile);
      else this.ownersByManifest.set(origin.manifestFile, (owners = await this.ownersOf(origin.manifestFile, origin.pos.file)));
    }
    const memo = child(this.groupsMemo, owners ?? null);
    const runner = this.opts.runner;
    return who.map(({ principal, source, from }) => {
      let groups = memo.get(principal);
      if (!groups) memo.set(principal, (groups = groupsOf(this.policy, principal, this.opts.groups ?? [], owners)));
      return {
        request: { principal, principalSource: source, groups, runnerIssuer: runner?.issuer ?? '', runnerSubject: runner?.subject ?? '' },
        from,
      };
    });
  }

  /** Who asked for a blamed commit on GitHub: the authors of its pull requests, or no one. */
  private async askers(author: LineAuthor, blamed: string, signal?: AbortSignal): Promise<{ principal: string; source: string; from: string }[]> {
    const askers = askersOf(await this.pulls!.of(author.commit, signal));
    if (askers.length === 0) return [{ principal: '', source: 'none', from: `no principal: commit ${author.commit.slice(0, 12)} came in by no pull request (${blamed})` }];
    return askers.map((a) => ({
      principal: principalOfLogin(this.policy, a.login),
      source: 'github',
      from: `GitHub pull request #${a.pull} by ${a.login ? `@${a.login}` : 'a deleted account'} (${blamed})`,
    }));
  }

  /** The author and commit that last wrote `pos`'s line (undefined: not committed, or no line). */
  private async author(pos: SourcePos, signal?: AbortSignal): Promise<LineAuthor | undefined> {
    if (pos.line === undefined) return undefined;
    let blame = this.blames.get(pos.file);
    if (!blame) this.blames.set(pos.file, (blame = blameFile(pos.file, { signal })));
    return (await blame).get(pos.line);
  }

  /** Reads OWNERS files where `ownersAt` says. */
  private ownersReader(): TextReader {
    const at = this.opts.ownersAt;
    if (at === undefined) return readWorkingTree;
    if (at === null) return async () => undefined;
    return (file) => readAtRevision({ rev: at }, file);
  }

  /** OWNERS beside the project's manifest, else beside its images.yaml. */
  private async ownersOf(manifestFile: string, imagesFile: string): Promise<OwnersOf | undefined> {
    for (const dir of [dirname(manifestFile), dirname(imagesFile)]) {
      let o = this.owners.get(dir);
      if (!o) this.owners.set(dir, (o = readOwners(dir, parsePath(dir).root, this.ownersReader())));
      const found = await o;
      if (found) return found;
    }
    return undefined;
  }
}

/** The lines that ask for an edge: its digest line, and its tag's line when that is another. */
const linesOf = (origin: EdgeOrigin): SourcePos[] => (origin.tagPos ? [origin.pos, origin.tagPos] : [origin.pos]);

function child<K, V>(m: Map<K, Map<string, V>>, k: K): Map<string, V> {
  let v = m.get(k);
  if (!v) m.set(k, (v = new Map()));
  return v;
}

/**
 * `manifest grow` end to end on one manifest: pick the manifest whose source is the staging
 * repository, read staging, plan the additions, write them into the images file (or only
 * return the diff for a dry run).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { InputError } from '../errors.js';
import type { RegistryClient } from '../registry/types.js';
import { addToImages, type Addition } from './edit.js';
import { planGrowth, type GrowFilters } from './grow.js';
import { loadManifests } from './load.js';
import { sourceRegistry, type ManifestSource, type PromoterManifest } from './schema.js';
import { readStaging } from './staging.js';
import { unifiedDiff } from './text-diff.js';

/** Which manifest to grow: the one whose source registry is `stagingRepo`, or upstream's `gcr.io/k8s-staging-<project>` / project folder. */
export interface GrowTarget {
  stagingRepo?: string;
  project?: string;
}

/** The outcome: the file edited, its text before and after, the unified diff ("" when unchanged). */
export interface GrowResult {
  file: string;
  stagingRepo: string;
  before: string;
  after: string;
  diff: string;
  additions: Addition[];
  skipped: string[];
}

/** Upstream's staging repository of a project. */
export function projectStagingRepo(project: string): string {
  return `gcr.io/k8s-staging-${project}`;
}

/** The manifest to grow among `manifests` (see GrowTarget); InputError when none or several fit. */
export function pickManifest(manifests: readonly PromoterManifest[], t: GrowTarget): PromoterManifest {
  const fits = (m: PromoterManifest): boolean => {
    const src = sourceRegistry(m)?.name as string | undefined;
    if (t.stagingRepo) return src === t.stagingRepo.replace(/\/+$/, '');
    if (t.project) {
      const folder = m.imagesFile ? basename(dirname(m.file)) : undefined;
      return src === projectStagingRepo(t.project) || folder === `k8s-staging-${t.project}` || folder === t.project;
    }
    return manifests.length === 1;
  };
  const found = manifests.filter(fits);
  const what = t.stagingRepo ? `staging repository ${t.stagingRepo}` : t.project ? `project ${t.project}` : 'the manifests given';
  if (found.length === 0) {
    const hint = t.stagingRepo || t.project ? '' : '; give --staging-repo or --project';
    throw new InputError([{ message: `no manifest has ${what} as its source${hint}` }]);
  }
  if (found.length > 1) {
    throw new InputError([{ message: `${found.length} manifests have ${what} as their source (${found.map((m) => m.file).join(', ')}); give --manifest FILE` }]);
  }
  return found[0]!;
}

/** Grows the manifest of `target` in `source` from staging; writes the file unless `dryRun`. */
export async function growManifest(
  client: RegistryClient,
  source: ManifestSource,
  target: GrowTarget,
  filters: GrowFilters,
  opts: { dryRun?: boolean; signal?: AbortSignal; diffLabel?: (file: string) => string } = {},
): Promise<GrowResult> {
  const { manifests } = await loadManifests(source);
  const m = pickManifest(manifests, target);
  const stagingRepo = sourceRegistry(m)!.name as string;
  const staging = await readStaging(client, stagingRepo, filters, { signal: opts.signal });
  const plan = planGrowth(m.images, staging, filters);
  const file = m.imagesFile ?? m.file;
  const before = await readFile(file, 'utf8');
  const after = plan.additions.length ? addToImages(file, before, m.imagesFile ? 'images-file' : 'plain-manifest', plan.additions) : before;
  if (after !== before && !opts.dryRun) await writeFile(file, after);
  const diff = unifiedDiff(opts.diffLabel ? opts.diffLabel(file) : file, before, after);
  return { file, stagingRepo, before, after, diff, additions: plan.additions, skipped: plan.skipped };
}

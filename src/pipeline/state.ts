/**
 * The typed state the promotion phases share. Each phase reads what earlier phases set and adds
 * its own part (plan: edges and inventory; promote: outcomes; the trust phases: trust and trustTags).
 */
import type { Logger } from '../log.js';
import type { OfflinePlan } from '../plan/offline.js';
import type { ProgressSink } from '../progress.js';
import type { PromoterManifest, ManifestSource } from '../manifest/schema.js';
import type { HostStats } from '../net/stats.js';
import type { RetryRunner } from '../net/transport.js';
import type { Plan } from '../plan/classify.js';
import type { Edge } from '../plan/edge.js';
import type { PlanSummary } from '../plan/edges.js';
import type { Inventory } from '../plan/inventory.js';
import type { EdgeOutcome } from '../promote/outcome.js';
import type { Problem } from '../errors.js';
import type { FetchedManifest, RegistryClient } from '../registry/types.js';
import type { RepoRef } from '../image/ref.js';
import type { ReportDetail } from '../report/report.js';
import type { TrustRecord } from './phases/trust-record.js';
import type { PolicyRecord } from './phases/policy-record.js';
import type { TagIndex } from '../signing/tag-index.js';
import type { AttachmentOutcome } from '../referrers/outcome.js';
import type { PlannedSubject } from '../referrers/planned.js';

/** Options of a promotion run (the flags of `kpromo cip` that the core pipeline uses). */
export interface PromotionOptions {
  manifests: ManifestSource;
  /** Write to the registries; without it the run is a dry run that stops before promote. */
  confirm: boolean;
  /** Stop after computing the edges, before any network access. */
  parseOnly: boolean;
  /** Requests in flight at once per registry host, for the plan's reads and the verification. */
  requestsPerHost?: number;
  /** HEAD every present tag the manifests name, not only those the run must decide (`--verify-existing`). */
  verifyExisting?: boolean;
  /** Which edges the report lists (default `changes`: written, failed, refused, lost). */
  reportDetail?: ReportDetail;
  /** Source manifest reads of the copy in flight at once. */
  copyConcurrency?: number;
  /** Manifest writes in flight at once per destination host (promote and publish). */
  writesPerHost?: number;
  /** Blob transfers in flight at once (each fans out to every destination). */
  blobConcurrency?: number;
}

/** What the phases work with: the registry client, the logger, and request counters. */
export interface PromotionDeps {
  registry: RegistryClient;
  logger: Logger;
  /** Per-host request counters (the network's stats), for the report. */
  stats?: () => HostStats[];
  /** Loads manifests and computes edges (default: planOffline of `options.manifests`); lets the CLI scope them to a git diff. */
  loadPlan?: () => Promise<OfflinePlan>;
  /** Progress of the copy (images and bytes). */
  progress?: ProgressSink;
  /** Retries transient failures of whole blob copies (the network's RetryRunner). */
  retry?: RetryRunner;
}

/** The shared state of one promotion run. */
export interface PromotionState {
  readonly options: PromotionOptions;
  readonly deps: PromotionDeps;
  /** plan: the loaded manifests and their non-fatal warnings. */
  manifests?: PromoterManifest[];
  warnings: Problem[];
  /** plan: every edge of the manifests, and their counts. */
  edges?: Edge[];
  summary?: PlanSummary;
  /** plan: what the registries hold, and the decision for every edge. */
  inventory?: Inventory;
  plan?: Plan;
  /** promote: what happened to every edge of the plan (publish settles the held ones). */
  outcomes?: EdgeOutcome[];
  /** promote: images written by digest whose tags wait for their signatures (publish writes them). */
  held?: HeldImage[];
  /** provenance, validate, sign, attest: what was verified, signed and attested. */
  trust?: TrustRecord;
  /** referrers: the attachments (referrers, cosign tags) of the images to promote, decided per destination. */
  attachmentPlan?: PlannedSubject[];
  /**
   * referrers: settles once `attachmentPlan` is complete, when the phase left it to finish while
   * promote copies. Carry awaits it (a rejection fails carry, as it would have failed referrers).
   */
  attachmentPlanning?: Promise<void>;
  /** carry: what happened to each planned attachment. */
  attachments?: AttachmentOutcome[];
  /** provenance, validate, referrers, carry, sign, attest: which tags exist (listed once per repository per run). */
  trustTags?: TagIndex;
  /** policy: every decision of the policy phase. */
  policy?: PolicyRecord;
}

/** An image written by digest to a destination that carries signatures, its tags not yet written. */
export interface HeldImage {
  repo: RepoRef;
  /** The top manifest (the source's bytes), to put under each tag. */
  top: FetchedManifest;
  /** The edges (tags, or tagless) of this image at `repo`. */
  edges: Edge[];
}

/** A fresh state for a run. */
export function newPromotionState(options: PromotionOptions, deps: PromotionDeps): PromotionState {
  return { options, deps, warnings: [] };
}

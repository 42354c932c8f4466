/**
 * Registry events as the auditor receives them, parsed into one shape. Pure.
 *  - Distribution's notification envelope (`application/vnd.docker.distribution.events.v1+json`):
 *    `{events: [{id, action, target: {mediaType, digest, repository, url, tag}, request: {host}}]}`.
 *  - Google Container Registry / Artifact Registry Pub/Sub push messages:
 *    `{message: {data: base64({action: INSERT|DELETE, digest: "host/repo@sha256:…", tag: "host/repo:tag"}), messageId}, subscription}`.
 */
import { isDigest, splitRegistry, type Digest } from '../image/ref.js';
import { KpromoError } from '../errors.js';

/** What happened in a registry, as far as the audit cares. */
export interface RegistryEvent {
  /** The sender's id for the event, when it gives one. */
  id?: string;
  registry: 'distribution' | 'gcr';
  action: 'push' | 'delete' | 'pull' | 'other';
  /** Registry host the event names (`host[:port]`), when known. */
  host?: string;
  repository: string;
  digest?: Digest;
  tag?: string;
  /** Media type of the pushed content (Distribution only). */
  mediaType?: string;
}

/** A request body that is not a well-formed event message (answered 400). */
export class EventFormatError extends KpromoError<'BAD_EVENT'> {
  constructor(message: string) {
    super('BAD_EVENT', message);
  }
}

const record = (v: unknown): Record<string, unknown> | undefined =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** Parses a Distribution notification envelope. */
export function parseDistributionEnvelope(body: unknown): RegistryEvent[] {
  const events = record(body)?.events;
  if (!Array.isArray(events)) throw new EventFormatError('not a Distribution notification envelope: no "events" array');
  return events.map((raw, i) => {
    const e = record(raw);
    const target = record(e?.target);
    const repository = str(target?.repository);
    if (!e || !target || !repository) throw new EventFormatError(`event ${i}: no target repository`);
    const action = str(e.action);
    const digest = str(target.digest);
    if (digest !== undefined && !isDigest(digest)) throw new EventFormatError(`event ${i}: invalid digest ${JSON.stringify(digest)}`);
    const host = str(record(e.request)?.host) ?? urlHost(str(target.url));
    const tag = str(target.tag);
    const mediaType = str(target.mediaType);
    return {
      ...(str(e.id) ? { id: str(e.id) } : {}),
      registry: 'distribution' as const,
      action: action === 'push' || action === 'delete' || action === 'pull' ? action : ('other' as const),
      ...(host ? { host } : {}),
      repository,
      ...(digest ? { digest: digest as Digest } : {}),
      ...(tag ? { tag } : {}),
      ...(mediaType ? { mediaType } : {}),
    };
  });
}

function urlHost(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    return new URL(url).host || undefined;
  } catch {
    return undefined;
  }
}

/** Parses a GCR / Artifact Registry Pub/Sub push message (one event). */
export function parsePubSubPush(body: unknown): RegistryEvent[] {
  const message = record(record(body)?.message);
  const data = str(message?.data);
  if (!message || !data) throw new EventFormatError('not a Pub/Sub push message: no message.data');
  let payload: Record<string, unknown> | undefined;
  try {
    payload = record(JSON.parse(Buffer.from(data, 'base64').toString('utf8')));
  } catch {
    payload = undefined;
  }
  if (!payload) throw new EventFormatError('Pub/Sub message.data is not base64 JSON');
  const action = str(payload.action);
  const digestRef = str(payload.digest);
  const tagRef = str(payload.tag);
  const byDigest = digestRef ? splitDigestRef(digestRef) : undefined;
  const byTag = tagRef ? splitTagRef(tagRef) : undefined;
  const where = byDigest ?? byTag;
  if (!where) throw new EventFormatError('Pub/Sub event names neither a digest nor a tag');
  const id = str(message.messageId) ?? str(message.message_id);
  return [
    {
      ...(id ? { id } : {}),
      registry: 'gcr',
      action: action === 'INSERT' ? 'push' : action === 'DELETE' ? 'delete' : 'other',
      host: where.host,
      repository: where.repository,
      ...(byDigest ? { digest: byDigest.digest } : {}),
      ...(byTag ? { tag: byTag.tag } : {}),
    },
  ];
}

function splitDigestRef(ref: string): { host: string; repository: string; digest: Digest } {
  const at = ref.lastIndexOf('@');
  const d = ref.slice(at + 1);
  if (at <= 0 || !isDigest(d)) throw new EventFormatError(`invalid digest reference ${JSON.stringify(ref)}`);
  return { ...hostAndPath(ref.slice(0, at), ref), digest: d };
}

function splitTagRef(ref: string): { host: string; repository: string; tag: string } {
  const colon = ref.lastIndexOf(':');
  if (colon <= ref.lastIndexOf('/')) throw new EventFormatError(`invalid tag reference ${JSON.stringify(ref)}`);
  return { ...hostAndPath(ref.slice(0, colon), ref), tag: ref.slice(colon + 1) };
}

function hostAndPath(name: string, ref: string): { host: string; repository: string } {
  const { host, path } = splitRegistry(name);
  if (!path) throw new EventFormatError(`not an image reference: ${JSON.stringify(ref)}`);
  return { host, repository: path };
}

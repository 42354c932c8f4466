/**
 * in-toto Statement v1 and kpromo's promotion record (upstream provenance/promotion.go,
 * predicate type https://k8s.io/promo-tools/promotion/v1). Building it is pure.
 */
import type { Digest } from '../image/ref.js';

/** Statement type of in-toto v1. */
export const IN_TOTO_STATEMENT_V1 = 'https://in-toto.io/Statement/v1';
/** DSSE payload type of in-toto statements. */
export const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';
/** Upstream's promotion predicate type. */
export const PROMOTION_PREDICATE_TYPE = 'https://k8s.io/promo-tools/promotion/v1';

/** An in-toto Statement v1. */
export interface Statement<P = unknown> {
  _type: string;
  subject: { name: string; digest: Record<string, string> }[];
  predicateType: string;
  predicate: P;
}

/** Upstream's PromotionRecord fields (protojson names). */
export interface PromotionRecord {
  /** `srcRegistry/image@digest`. */
  srcRef: string;
  /** `dstRegistry/image@digest`. */
  dstRef: string;
  digest: Digest;
  /** RFC 3339 UTC. */
  timestamp: string;
  /** `https://k8s.io/promo-tools@<version>` upstream; ours names kpromo's version. */
  builderId: string;
}

/** Builds the promotion statement: subject = the destination image, predicate = the record. */
export function buildPromotionStatement(record: PromotionRecord): Statement<PromotionRecord> {
  const [algo, hex] = record.digest.split(':') as [string, string];
  const name = record.dstRef.slice(0, record.dstRef.lastIndexOf('@'));
  return {
    _type: IN_TOTO_STATEMENT_V1,
    subject: [{ name, digest: { [algo]: hex } }],
    predicateType: PROMOTION_PREDICATE_TYPE,
    predicate: {
      srcRef: record.srcRef,
      dstRef: record.dstRef,
      digest: record.digest,
      timestamp: record.timestamp,
      builderId: record.builderId,
    },
  };
}

/** Serialises a statement as DSSE payload bytes. */
export function statementBytes(s: Statement): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(s));
}

/** Parses DSSE payload bytes as an in-toto statement; undefined when it is not one. */
export function parseStatement(bytes: Uint8Array): Statement | undefined {
  try {
    const s = JSON.parse(new TextDecoder().decode(bytes)) as Statement;
    if (typeof s?.predicateType !== 'string' || !Array.isArray(s.subject)) return undefined;
    return s;
  } catch {
    return undefined;
  }
}

/** Whether the statement names `digest` among its subjects. */
export function statementCovers(s: Statement, digest: Digest): boolean {
  const [algo, hex] = digest.split(':') as [string, string];
  return s.subject.some((x) => x.digest?.[algo] === hex);
}

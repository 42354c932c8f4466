/**
 * An offline sigstore for tests: @sigstore/mock's Fulcio, Rekor and TSA handlers mounted on one
 * real node:http server on 127.0.0.1 (free port), plus a TrustedRoot built from their keys.
 */
import { createHash, generateKeyPairSync } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  fulcioHandler,
  initializeCA,
  initializeCTLog,
  initializeTLog,
  initializeTSA,
  rekorHandler,
  tsaHandler,
} from '@sigstore/mock';
import { TrustedRoot } from '@sigstore/protobuf-specs';
import { staticTokenProvider } from '../../src/signing/identity-token.js';
import { createKeylessSigner } from '../../src/signing/keyless-signer.js';
import { cosignAnnotations } from '../../src/signing/sig-image.js';
import { createVerifier } from '../../src/signing/verifier.js';
import { closeServer } from '../../src/registry/server/http.js';

/** A running mock sigstore. */
export interface SigstoreMock {
  /** Base URL serving Fulcio, Rekor and TSA paths. */
  url: string;
  trustedRoot: TrustedRoot;
  /** The TrustedRoot as JSON (what --trusted-root FILE holds). */
  trustedRootJson: unknown;
  /** Number of requests served, by path. */
  hits: Map<string, number>;
  stop(): Promise<void>;
}

/** The OIDC issuer the mock Fulcio certifies when the token has no `iss`. */
export const MOCK_ISSUER = 'https://oidc.kpromo.test';

/** An unsigned JWT for `email` (the mock Fulcio does not check signatures). */
export function mockIdToken(email: string, issuer = MOCK_ISSUER): string {
  const enc = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  return `${enc({ alg: 'none', typ: 'JWT' })}.${enc({
    iss: issuer,
    sub: email,
    email,
    email_verified: true,
    aud: 'sigstore',
    iat: now,
    exp: now + 600,
  })}.`;
}

const ec = () => generateKeyPairSync('ec', { namedCurve: 'prime256v1' });

/**
 * Starts the mock; call stop() in after(). About one mock instance in twelve issues RFC 3161
 * timestamps that @sigstore/verify rejects, all of them ("timestamp could not be verified";
 * the cause is inside the mock's TSA). A probe signature weeds those instances out (bounded).
 */
export async function startSigstoreMock(): Promise<SigstoreMock> {
  for (let attempt = 0; ; attempt++) {
    const mock = await startOnce();
    if (await healthy(mock)) return mock;
    await mock.stop();
    if (attempt >= 9) throw new Error('mock sigstore: no instance produced verifiable timestamps in 10 attempts');
  }
}

async function healthy(mock: SigstoreMock): Promise<boolean> {
  const tokens = staticTokenProvider(mockIdToken('probe@kpromo.test'));
  const signer = createKeylessSigner({ fulcioUrl: mock.url, rekorUrl: mock.url, tsaUrl: mock.url, tokens });
  const verifier = createVerifier({ kind: 'certificate', identity: { regexp: '.*' }, issuer: { regexp: '.*' } }, mock.trustedRoot);
  const payload = Buffer.from('{"probe":true}');
  try {
    await verifier.verifySimpleSigning({ payload, annotations: cosignAnnotations(await signer.signMessage(payload)) });
    return true;
  } catch {
    return false;
  } finally {
    mock.hits.clear();
  }
}

async function startOnce(): Promise<SigstoreMock> {
  // One fixed clock, on a whole second: the mock TSA writes GeneralizedTime with trimmed
  // milliseconds (".5Z"), which @sigstore/core rejects; whole seconds encode without a fraction.
  const clock = new Date(Math.floor(Date.now() / 1000) * 1000);
  const ctlog = await initializeCTLog(ec(), clock);
  const ca = await initializeCA(ec(), ctlog, clock);
  const tsa = await initializeTSA(ec(), clock);
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const tlog = await initializeTLog(url, ec(), clock);
  const handlers = [fulcioHandler(ca, { subjectClaim: 'email' }), rekorHandler(tlog), tsaHandler(tsa)];
  const hits = new Map<string, number>();
  server.on('request', (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = (req.url ?? '').split('?')[0]!;
      const h = handlers.find((x) => x.path === path);
      hits.set(path, (hits.get(path) ?? 0) + 1);
      if (!h || req.method !== 'POST') {
        res.writeHead(404).end();
        return;
      }
      h.fn(Buffer.concat(chunks).toString('utf8')).then(
        (r) => {
          res.writeHead(r.statusCode, { 'content-type': r.contentType ?? 'application/json' });
          res.end(typeof r.response === 'string' ? r.response : Buffer.from(r.response.buffer, r.response.byteOffset, r.response.byteLength));
        },
        (err: unknown) => res.writeHead(500).end(String(err)),
      );
    });
  });
  const start = new Date(Date.now() - 3600_000).toISOString();
  const b64 = (b: ArrayBufferView) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64');
  const trustedRootJson = {
    mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
    tlogs: [
      {
        baseUrl: url,
        hashAlgorithm: 'SHA2_256',
        publicKey: { rawBytes: b64(tlog.publicKey), keyDetails: 'PKIX_ECDSA_P256_SHA_256', validFor: { start } },
        logId: { keyId: createHash('sha256').update(tlog.publicKey).digest('base64') },
      },
    ],
    certificateAuthorities: [
      {
        subject: { organization: 'sigstore.mock', commonName: 'sigstore' },
        uri: url,
        certChain: { certificates: [{ rawBytes: b64(ca.rootCertificate) }] },
        validFor: { start },
      },
    ],
    ctlogs: [
      {
        baseUrl: url,
        hashAlgorithm: 'SHA2_256',
        publicKey: { rawBytes: b64(ctlog.publicKey), keyDetails: 'PKIX_ECDSA_P256_SHA_256', validFor: { start } },
        logId: { keyId: b64(ctlog.logID) },
      },
    ],
    timestampAuthorities: [
      {
        subject: { organization: 'sigstore.mock', commonName: 'tsa' },
        certChain: { certificates: [{ rawBytes: b64(tsa.intCertificate) }, { rawBytes: b64(tsa.rootCertificate) }] },
        validFor: { start },
      },
    ],
  };
  return {
    url,
    trustedRoot: TrustedRoot.fromJSON(trustedRootJson),
    trustedRootJson,
    hits,
    stop: () => closeServer(server),
  };
}

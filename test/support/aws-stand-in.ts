/**
 * A local stand-in for the ECR and ECR Public APIs' `GetAuthorizationToken`, checked for protocol
 * truth: AWS JSON 1.1 (`POST /`, `Content-Type: application/x-amz-json-1.1`, the operation in
 * `X-Amz-Target`) and a Signature Version 4 `Authorization` header that it verifies with the
 * test's secret key. Answers in the documented shape (authorizationData with a base64
 * `AWS:<password>` token and `expiresAt` in epoch seconds).
 */
import { createHash, createHmac } from 'node:crypto';
import { startStub, type HttpStub, type StubReply, type StubRequest } from './stub-http.js';

/** X-Amz-Target of each API (from the services' Smithy models). */
export const ECR_TARGET = 'AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken';
export const ECR_PUBLIC_TARGET = 'SpencerFrontendService.GetAuthorizationToken';

/** One accepted call: the region and service it was signed for. */
export interface SignedCall {
  region: string;
  service: string;
}

/** A running stand-in. */
export interface AwsStandIn {
  url: string;
  calls: SignedCall[];
  refused: string[];
  stub: HttpStub;
  stop(): Promise<void>;
}

/** Starts the stand-in; tokens say `AWS:<password>` and expire `lifetimeMs` after `now()`. */
export async function startAwsStandIn(opts: {
  accessKeyId: string;
  secretAccessKey: string;
  password: string;
  lifetimeMs: number;
  now: () => number;
  publicApi?: boolean;
}): Promise<AwsStandIn> {
  const calls: SignedCall[] = [];
  const refused: string[] = [];
  const target = opts.publicApi ? ECR_PUBLIC_TARGET : ECR_TARGET;
  const refuse = (why: string): StubReply => {
    refused.push(why);
    return { status: 400, headers: { 'content-type': 'application/x-amz-json-1.1' }, body: JSON.stringify({ __type: 'InvalidSignatureException', message: why }) };
  };
  const stub = await startStub((req) => {
    if (req.method !== 'POST' || req.url.pathname !== '/') return refuse(`${req.method} ${req.url.pathname}`);
    if (req.headers['x-amz-target'] !== target) return refuse(`X-Amz-Target ${String(req.headers['x-amz-target'])}`);
    if (req.headers['content-type'] !== 'application/x-amz-json-1.1') return refuse(`Content-Type ${String(req.headers['content-type'])}`);
    const signed = verifySigV4(req, opts.accessKeyId, opts.secretAccessKey);
    if (typeof signed === 'string') return refuse(signed);
    calls.push(signed);
    const data = {
      authorizationToken: Buffer.from(`AWS:${opts.password}`).toString('base64'),
      expiresAt: (opts.now() + opts.lifetimeMs) / 1000,
      ...(opts.publicApi ? {} : { proxyEndpoint: 'https://123456789012.dkr.ecr.eu-west-1.amazonaws.com' }),
    };
    const body = opts.publicApi ? { authorizationData: data } : { authorizationData: [data] };
    return { status: 200, headers: { 'content-type': 'application/x-amz-json-1.1' }, body: JSON.stringify(body) };
  });
  return { url: `http://${stub.host}`, calls, refused, stub, stop: () => stub.stop() };
}

const hmac = (key: Buffer | string, data: string): Buffer => createHmac('sha256', key).update(data).digest();
const sha256hex = (data: Buffer | string): string => createHash('sha256').update(data).digest('hex');

/** Verifies an AWS SigV4 Authorization header (https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html). */
function verifySigV4(req: StubRequest, accessKeyId: string, secret: string): SignedCall | string {
  const auth = String(req.headers.authorization ?? '');
  const m = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$/.exec(auth);
  if (!m) return `Authorization is not SigV4: ${auth.slice(0, 40)}`;
  const [, key, date, region, service, signedHeaders, signature] = m as unknown as string[];
  if (key !== accessKeyId) return `unknown access key ${key}`;
  const amzDate = String(req.headers['x-amz-date'] ?? '');
  if (!amzDate.startsWith(date!)) return 'X-Amz-Date does not match the credential scope';
  const names = signedHeaders!.split(';');
  if (!names.includes('host') || !names.includes('x-amz-date')) return 'host and x-amz-date must be signed';
  const canonicalHeaders = names.map((n) => `${n}:${String(req.headers[n] ?? '').trim().replace(/\s+/g, ' ')}\n`).join('');
  const canonical = ['POST', req.url.pathname, req.url.search.slice(1), canonicalHeaders, signedHeaders, sha256hex(req.body)].join('\n');
  const scope = `${date}/${region}/${service}/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256hex(canonical)].join('\n');
  const kSigning = hmac(hmac(hmac(hmac(`AWS4${secret}`, date!), region!), service!), 'aws4_request');
  if (hmac(kSigning, toSign).toString('hex') !== signature) return 'SigV4 signature does not verify';
  return { region: region!, service: service! };
}

/**
 * A local stand-in for the few GitHub endpoints kpromo calls, on 127.0.0.1: the REST ones of
 * `kpromo pr`, and the GraphQL query of `--principal-from github` (validated against GitHub's
 * published GraphQL schema, @octokit/graphql-schema, pinned). Every REST request
 * is checked against GitHub's published OpenAPI description (@octokit/openapi, pinned): the
 * operation must exist for the method and path, query parameters must be declared ones of the
 * right type, and the JSON body must satisfy the operation's request schema, strictly (a property
 * the schema does not declare is an error). A request that fails is answered 422 with the reasons
 * and recorded in `violations`, so the fake cannot drift from the real API unnoticed.
 */
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { buildClientSchema, execute, parse, validate as validateGraphql, type DocumentNode, type GraphQLSchema, type IntrospectionQuery } from 'graphql';
import type { NewPullRequest } from '../../src/gitops/github.js';

type Schema = Record<string, unknown>;
interface Spec {
  paths: Record<string, Record<string, Schema>>;
  components: Record<string, Record<string, Schema>>;
}

let cached: Spec | undefined;
/** GitHub's OpenAPI description (api.github.com), loaded once. */
export function githubSpec(): Spec {
  if (!cached) {
    const require = createRequire(import.meta.url);
    const file = require.resolve('@octokit/openapi/generated/api.github.com.json');
    cached = JSON.parse(readFileSync(file, 'utf8')) as Spec;
  }
  return cached;
}

let graphqlSchema: GraphQLSchema | undefined;
/** GitHub's GraphQL schema (@octokit/graphql-schema, pinned), built once. */
export function githubGraphqlSchema(): GraphQLSchema {
  if (!graphqlSchema) {
    // the introspection result (the package's SDL repeats some field definitions, which buildSchema refuses)
    const file = fileURLToPath(new URL('./schema.json', import.meta.resolve('@octokit/graphql-schema')));
    graphqlSchema = buildClientSchema(JSON.parse(readFileSync(file, 'utf8')) as IntrospectionQuery);
  }
  return graphqlSchema;
}

/** One request as received. */
export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  body: unknown;
  operationId: string;
  authorization?: string;
}

/** A pull request held by the fake: what was opened, and its number. */
export interface FakePull extends NewPullRequest {
  number: number;
}

/** A pull request a commit belongs to, as the GraphQL endpoint answers it. */
export interface FakeCommitPull {
  number: number;
  author: string | null;
  state: 'OPEN' | 'CLOSED' | 'MERGED';
  /** The repository it belongs to (`owner/name`), when it is another of the fork network than the one asked. */
  repo?: string;
}

/** The running fake. */
export interface GitHubFake {
  url: string;
  requests: RecordedRequest[];
  violations: string[];
  pulls: FakePull[];
  /** The pull requests of commits (`owner/repo@sha`), for POST /graphql. */
  commitPulls: Map<string, FakeCommitPull[]>;
  /** GraphQL queries received (their text and variables). */
  queries: { query: string; variables: Record<string, unknown> }[];
  /** How many of the next GraphQL queries are answered 502 (GitHub briefly unavailable). */
  failGraphql: number;
  close(): Promise<void>;
}

/** The operations served: path template, method, handler. */
const ROUTES: { template: string; method: string; handle: (f: GitHubFake, p: Record<string, string>, r: RecordedRequest) => { status: number; body: unknown } }[] = [
  {
    template: '/repos/{owner}/{repo}/pulls',
    method: 'get',
    handle: (f, p, r) => {
      const open = f.pulls.filter((x) => x.owner === p.owner && x.repo === p.repo && (!r.query.head || x.head === r.query.head) && (!r.query.base || x.base === r.query.base));
      return { status: 200, body: open.map((x) => pullJson(f, x)) };
    },
  },
  {
    template: '/repos/{owner}/{repo}/pulls',
    method: 'post',
    handle: (f, p, r) => {
      const b = r.body as { title: string; body?: string; head: string; base: string };
      const pull: FakePull = { number: f.pulls.length + 1, owner: p.owner!, repo: p.repo!, title: b.title, body: b.body ?? '', head: b.head, base: b.base };
      f.pulls.push(pull);
      return { status: 201, body: pullJson(f, pull) };
    },
  },
];

function pullJson(f: GitHubFake, p: FakePull): unknown {
  return { number: p.number, html_url: `${f.url}/${p.owner}/${p.repo}/pull/${p.number}`, state: 'open', title: p.title, body: p.body, head: { ref: p.head.split(':')[1], label: p.head }, base: { ref: p.base } };
}

/** Starts the fake; requests must carry `token` (as `token X` or `Bearer X`). */
export async function startGitHubFake(token: string): Promise<GitHubFake> {
  const spec = githubSpec();
  const fake: GitHubFake = { url: '', requests: [], violations: [], pulls: [], commitPulls: new Map(), queries: [], failGraphql: 0, close: async () => {} };
  const server: Server = createServer((req, res) => void serve(req, res));
  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const url = new URL(req.url ?? '/', 'http://x');
    const method = (req.method ?? 'GET').toLowerCase();
    const reply = (status: number, body: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (url.pathname === '/graphql' && method === 'post') {
      if (req.headers.authorization !== `token ${token}` && req.headers.authorization !== `Bearer ${token}`) return reply(401, { message: 'Bad credentials' });
      const out = await answerGraphql(fake, Buffer.concat(chunks).toString('utf8'));
      return reply(out.status, out.body);
    }
    const match = ROUTES.map((r) => ({ r, params: matchPath(r.template, url.pathname) })).find((m) => m.params && m.r.method === method);
    if (!match) {
      fake.violations.push(`${method.toUpperCase()} ${url.pathname}: not an endpoint of the fake`);
      return reply(404, { message: 'Not Found' });
    }
    const op = spec.paths[match.r.template]?.[method];
    if (!op) throw new Error(`spec has no ${method} ${match.r.template}`);
    const text = Buffer.concat(chunks).toString('utf8');
    let body: unknown;
    const problems: string[] = [];
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      problems.push('body is not JSON');
    }
    const rec: RecordedRequest = { method: method.toUpperCase(), path: url.pathname, query: Object.fromEntries(url.searchParams), body, operationId: String(op.operationId), authorization: req.headers.authorization };
    fake.requests.push(rec);
    if (req.headers.authorization !== `token ${token}` && req.headers.authorization !== `Bearer ${token}`) {
      return reply(401, { message: 'Bad credentials' });
    }
    problems.push(...checkQuery(spec, op, rec.query), ...checkBody(spec, op, body));
    if (problems.length) {
      fake.violations.push(...problems.map((p) => `${rec.operationId}: ${p}`));
      return reply(422, { message: 'Validation Failed', errors: problems });
    }
    const out = match.r.handle(fake, match.params!, rec);
    reply(out.status, out.body);
  }
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  fake.close = () => new Promise((resolve) => server.close(() => resolve()));
  return fake;
}

/**
 * POST /graphql: the query is parsed and validated against GitHub's published schema (a query
 * GitHub would refuse is answered with its errors and recorded in `violations`), then executed
 * over the fake's commits: `repository.object(oid)` is a Commit whose `associatedPullRequests`
 * are `commitPulls`, a commit the fake does not hold is null, as on GitHub.
 */
async function answerGraphql(fake: GitHubFake, text: string): Promise<{ status: number; body: unknown }> {
  let doc: DocumentNode;
  let body: { query?: string; variables?: Record<string, unknown> };
  try {
    body = JSON.parse(text) as typeof body;
    doc = parse(body.query ?? '');
  } catch (err) {
    fake.violations.push(`graphql: ${String(err)}`);
    return { status: 400, body: { message: 'Problems parsing JSON or query' } };
  }
  fake.queries.push({ query: body.query ?? '', variables: body.variables ?? {} });
  if (fake.failGraphql > 0) {
    fake.failGraphql--;
    return { status: 502, body: { message: 'Server Error' } };
  }
  const schema = githubGraphqlSchema();
  const invalid = validateGraphql(schema, doc);
  if (invalid.length) {
    fake.violations.push(...invalid.map((e) => `graphql: ${e.message}`));
    return { status: 200, body: { errors: invalid.map((e) => ({ message: e.message })) } };
  }
  const repository = ({ owner, name }: { owner: string; name: string }) => ({
    object: ({ oid }: { oid: string }) => {
      const pulls = fake.commitPulls.get(`${owner}/${name}@${oid}`);
      if (!pulls) return null;
      return {
        __typename: 'Commit',
        oid,
        associatedPullRequests: ({ first }: { first?: number }) => ({
          totalCount: pulls.length,
          nodes: pulls.slice(0, first ?? 100).map((p) => ({
            number: p.number,
            state: p.state,
            merged: p.state === 'MERGED',
            author: p.author === null ? null : { __typename: 'User', login: p.author },
            repository: { nameWithOwner: p.repo ?? `${owner}/${name}` },
          })),
        }),
      };
    },
  });
  const result = await execute({ schema, document: doc, rootValue: { repository }, variableValues: body.variables ?? {} });
  if (result.errors?.length) fake.violations.push(...result.errors.map((e) => `graphql: ${e.message}`));
  return { status: 200, body: result };
}

function matchPath(template: string, path: string): Record<string, string> | undefined {
  const names: string[] = [];
  const re = new RegExp(`^${template.replace(/\{(\w+)\}/g, (_, n: string) => (names.push(n), '([^/]+)'))}$`);
  const m = re.exec(path);
  return m ? Object.fromEntries(names.map((n, i) => [n, decodeURIComponent(m[i + 1]!)])) : undefined;
}

function resolveRef(spec: Spec, node: unknown): Schema {
  let n = node as Schema;
  for (let i = 0; i < 32 && typeof n?.$ref === 'string'; i++) {
    const [, , kind, name] = (n.$ref as string).split('/');
    n = spec.components[kind!]![name!] as Schema;
  }
  return n;
}

function checkQuery(spec: Spec, op: Schema, query: Record<string, string>): string[] {
  const params = ((op.parameters as unknown[]) ?? []).map((p) => resolveRef(spec, p)).filter((p) => p.in === 'query');
  const out: string[] = [];
  for (const [k, v] of Object.entries(query)) {
    const p = params.find((x) => x.name === k);
    if (!p) {
      out.push(`query parameter "${k}" is not declared`);
      continue;
    }
    const s = resolveRef(spec, p.schema);
    const value = s.type === 'integer' ? (/^-?\d+$/.test(v) ? Number(v) : v) : s.type === 'boolean' ? (v === 'true' ? true : v === 'false' ? false : v) : v;
    out.push(...validate(spec, s, value, `query.${k}`));
  }
  return out;
}

function checkBody(spec: Spec, op: Schema, body: unknown): string[] {
  const rb = op.requestBody ? resolveRef(spec, op.requestBody) : undefined;
  if (!rb) return body === undefined ? [] : ['the operation takes no body'];
  if (body === undefined) return rb.required ? ['a body is required'] : [];
  const schema = (rb.content as Record<string, { schema: unknown }>)['application/json']?.schema;
  return validate(spec, resolveRef(spec, schema), body, 'body');
}

/** A strict JSON-schema check of the subset GitHub's request schemas use. */
export function validate(spec: Spec, schema: Schema, value: unknown, at: string): string[] {
  const s = resolveRef(spec, schema);
  if (s.oneOf || s.anyOf) {
    const alts = (s.oneOf ?? s.anyOf) as Schema[];
    return alts.some((a) => validate(spec, a, value, at).length === 0) ? [] : [`${at}: matches none of the alternatives`];
  }
  if (s.allOf) return (s.allOf as Schema[]).flatMap((a) => validate(spec, a, value, at));
  if (value === null) return s.nullable || (Array.isArray(s.type) && s.type.includes('null')) ? [] : [`${at}: null is not allowed`];
  const types = s.type === undefined ? [] : Array.isArray(s.type) ? (s.type as string[]) : [s.type as string];
  const actual = Array.isArray(value) ? 'array' : Number.isInteger(value) ? 'integer' : typeof value;
  if (types.length && !types.some((t) => t === actual || (t === 'number' && actual === 'integer'))) return [`${at}: ${actual}, expected ${types.join('|')}`];
  if (s.enum && !(s.enum as unknown[]).includes(value)) return [`${at}: ${JSON.stringify(value)} is not one of ${JSON.stringify(s.enum)}`];
  const out: string[] = [];
  if (actual === 'object' && (s.properties || s.additionalProperties !== undefined)) {
    const obj = value as Record<string, unknown>;
    const props = (s.properties ?? {}) as Record<string, Schema>;
    for (const r of (s.required as string[]) ?? []) if (!(r in obj)) out.push(`${at}.${r}: required`);
    for (const [k, v] of Object.entries(obj)) {
      if (props[k]) out.push(...validate(spec, props[k]!, v, `${at}.${k}`));
      else if (s.additionalProperties && typeof s.additionalProperties === 'object') out.push(...validate(spec, s.additionalProperties as Schema, v, `${at}.${k}`));
      else if (s.additionalProperties !== true) out.push(`${at}.${k}: not a property of the schema`);
    }
  }
  if (actual === 'array' && s.items) (value as unknown[]).forEach((v, i) => out.push(...validate(spec, s.items as Schema, v, `${at}[${i}]`)));
  return out;
}

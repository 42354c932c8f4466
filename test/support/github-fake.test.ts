import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { githubSpec, startGitHubFake, validate, type GitHubFake } from './github-fake.js';

let fake: GitHubFake;
before(async () => {
  fake = await startGitHubFake('t0ken');
});
after(() => fake.close());

const post = (body: unknown, auth = 'token t0ken') =>
  fetch(`${fake.url}/repos/o/r/pulls`, { method: 'POST', headers: { authorization: auth, 'content-type': 'application/json' }, body: JSON.stringify(body) });

test('the fake accepts a request shaped as GitHub documents pulls/create', async () => {
  const res = await post({ title: 't', head: 'me:b', base: 'main', body: 'x', maintainer_can_modify: true });
  assert.equal(res.status, 201);
  assert.deepEqual(fake.violations, []);
});

test('the fake refuses what the OpenAPI description does not allow: unknown fields, wrong types, undeclared query parameters', async () => {
  const before_ = fake.violations.length;
  assert.equal((await post({ title: 't', head: 'me:b', base: 'main', reviewers: ['x'] })).status, 422);
  assert.equal((await post({ title: 't', head: 'me:b', base: 1 })).status, 422);
  assert.equal((await fetch(`${fake.url}/repos/o/r/pulls?head=me:b&author=x`, { headers: { authorization: 'token t0ken' } })).status, 422);
  assert.equal((await fetch(`${fake.url}/repos/o/r/pulls?state=opened`, { headers: { authorization: 'token t0ken' } })).status, 422);
  assert.deepEqual(fake.violations.slice(before_), [
    'pulls/create: body.reviewers: not a property of the schema',
    'pulls/create: body.base: integer, expected string',
    'pulls/list: query parameter "author" is not declared',
    'pulls/list: query.state: "opened" is not one of ["open","closed","all"]',
  ]);
  assert.equal((await post({ title: 't', head: 'me:b', base: 'main' }, 'token wrong')).status, 401);
});

test('the validator follows $ref into components', () => {
  const spec = githubSpec();
  assert.deepEqual(validate(spec, { type: 'object', properties: { p: { $ref: '#/components/schemas/simple-user' } } }, { p: 3 }, 'x'), ['x.p: integer, expected object']);
});

test("the fake's GraphQL endpoint answers a query GitHub's schema accepts, over its commits, and refuses one it does not", async () => {
  const sha = 'c'.repeat(40);
  fake.commitPulls.set(`o/r@${sha}`, [{ number: 3, author: 'alice', state: 'MERGED' }]);
  const ask = (query: string, variables: Record<string, unknown>) =>
    fetch(`${fake.url}/graphql`, { method: 'POST', headers: { authorization: 'token t0ken', 'content-type': 'application/json' }, body: JSON.stringify({ query, variables }) }).then((r) => r.json());
  const ok = (await ask('query($o: String!, $n: String!, $c: GitObjectID!) { repository(owner: $o, name: $n) { c0: object(oid: $c) { ... on Commit { associatedPullRequests(first: 5) { nodes { number merged author { login } } } } } } }', { o: 'o', n: 'r', c: sha })) as { data: unknown };
  assert.deepEqual(ok.data, { repository: { c0: { associatedPullRequests: { nodes: [{ number: 3, merged: true, author: { login: 'alice' } }] } } } });
  const before_ = fake.violations.length;
  const bad = (await ask('query { repository(owner: "o", name: "r") { object(oid: "x") { ... on Commit { pullRequests { nodes { number } } } } } }', {})) as { errors?: unknown[] };
  assert.ok(bad.errors?.length);
  assert.match(fake.violations.slice(before_).join('\n'), /Cannot query field "pullRequests" on type "Commit"/);
});

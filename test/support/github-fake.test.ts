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

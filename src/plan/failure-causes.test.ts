import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { causeOf, groupFailures } from './failure-causes.js';

const REFUSED = 'destination 127.0.0.1:7/prod/app unreadable (resolving tags): ping 127.0.0.1:7 (destination): request to http://127.0.0.1:7/v2/ failed: ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:7';
const UNAUTHORIZED = 'destination r.io/prod/app unreadable (resolving tags): head manifest r.io/prod/app:v1 (destination): unauthorized (missing or wrong credentials) [HTTP 401 UNAUTHORIZED]';

describe('failure causes', () => {
  it('names the host, the reason in words and what was tried', () => {
    assert.deepEqual(causeOf(REFUSED), { kind: 'unreachable', reason: 'connection refused', host: '127.0.0.1:7', tried: 'GET http://127.0.0.1:7/v2/' });
    assert.deepEqual(causeOf(UNAUTHORIZED), { kind: 'unauthorized', reason: 'HTTP 401 unauthorized', host: 'r.io', tried: 'head manifest r.io/prod/app:v1' });
    assert.equal(causeOf('get blob r.io/a@sha256:1 (source): forbidden [HTTP 403]').kind, 'forbidden');
    assert.equal(causeOf('request to https://r.io/v2/ failed: getaddrinfo ENOTFOUND r.io').reason, 'host name not found');
    assert.equal(causeOf('request to https://r.io/v2/ failed: self-signed certificate').kind, 'tls');
    assert.deepEqual(causeOf('manifest invalid', 'h.io'), { kind: 'other', reason: 'manifest invalid', host: 'h.io' });
  });

  it('a host paused for the run (Retry-After beyond the cap) is one cause, whichever edge or phase met it', () => {
    const pausedA = (what: string) => `${what}: 127.0.0.1:9 paused for this run: it answered Retry-After 1000 s, beyond the 300 s this run waits (--registry-max-retry-after)`;
    const groups = groupFailures([
      { message: pausedA('put manifest 127.0.0.1:9/prod/app:v1 (destination)') },
      { message: pausedA('destination 127.0.0.1:9/prod/app unreadable (listing tags): list tags 127.0.0.1:9/prod/app (destination)') },
      // an edge on another mirror, not tagged because its signature at the paused canonical mirror failed
      { message: `not tagged: signing 127.0.0.1:9/prod/app@sha256:1 failed: ${pausedA('get manifest 127.0.0.1:9/prod/app:sha256-1.sig')}`, host: '127.0.0.1:8' },
    ]);
    assert.deepEqual(groups.map((g) => [g.kind, g.host, g.reason, g.count]), [
      ['paused', '127.0.0.1:9', 'answered Retry-After 1000 s, beyond the 300 s this run waits', 3],
    ]);
  });

  it('groups by host and reason, largest first, counting every failure', () => {
    const groups = groupFailures([
      { message: REFUSED },
      { message: UNAUTHORIZED },
      { message: REFUSED.replace('resolving tags', 'checking digests') },
      { message: REFUSED.replaceAll('127.0.0.1:7', '127.0.0.1:8') },
    ]);
    assert.deepEqual(groups.map((g) => [g.host, g.reason, g.count]), [
      ['127.0.0.1:7', 'connection refused', 2],
      ['127.0.0.1:8', 'connection refused', 1],
      ['r.io', 'HTTP 401 unauthorized', 1],
    ]);
  });
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ecrRegion, parseProviderOverrides, providerForHost } from './hosts.js';

test('providerForHost maps cloud registry hosts to their provider', () => {
  const table: [string, string | undefined][] = [
    ['gcr.io', 'google'],
    ['us.gcr.io', 'google'],
    ['EU.GCR.IO', 'google'],
    ['us-central1-docker.pkg.dev', 'google'],
    ['europe-docker.pkg.dev', 'google'],
    ['pkg.dev', 'google'],
    ['123456789012.dkr.ecr.eu-west-1.amazonaws.com', 'aws-ecr'],
    ['123456789012.dkr.ecr-fips.us-gov-west-1.amazonaws.com', 'aws-ecr'],
    ['123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn', 'aws-ecr'],
    ['public.ecr.aws', 'aws-ecr-public'],
    ['myreg.azurecr.io', 'azure'],
    ['ghcr.io', 'github'],
    ['docker.io', undefined],
    ['registry.k8s.io', undefined],
    ['notgcr.io', undefined],
    ['evil-gcr.io.example.com', undefined],
    ['12.dkr.ecr.eu-west-1.amazonaws.com', undefined],
    ['127.0.0.1:5000', undefined],
  ];
  for (const [host, want] of table) assert.equal(providerForHost(host), want, host);
});

test('overrides map a loopback host to a provider', () => {
  assert.equal(providerForHost('127.0.0.1:5000', { '127.0.0.1:5000': 'google' }), 'google');
  assert.equal(providerForHost('127.0.0.1:5001', { '127.0.0.1:5000': 'google' }), undefined);
});

test('ecrRegion reads the region of an ECR host', () => {
  assert.equal(ecrRegion('123456789012.dkr.ecr.ap-south-2.amazonaws.com'), 'ap-south-2');
  assert.equal(ecrRegion('gcr.io'), undefined);
});

test('parseProviderOverrides reads host=provider lists and refuses unknown providers', () => {
  assert.deepEqual(parseProviderOverrides('127.0.0.1:5000=google, 127.0.0.1:5001=aws-ecr'), {
    '127.0.0.1:5000': 'google',
    '127.0.0.1:5001': 'aws-ecr',
  });
  assert.deepEqual(parseProviderOverrides(undefined), {});
  assert.throws(() => parseProviderOverrides('127.0.0.1:5000=oracle'), /invalid cloud host override/);
});

import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { addCipFlags, toCipOptions } from '../cli/cip-options.js';
import { KpromoCommand, setOnCommandLine } from '../cli/flags.js';
import { buildPolicyConfig } from '../cli/commands/policy-config.js';
import { emptyInput } from './attributes.js';
import { decide } from './evaluate.js';
import { COSIGN_VULN_PREDICATE, countAtOrAbove, loadVulnReports, parseVulnReport } from './vulns.js';

const D = `sha256:${'a'.repeat(64)}`;
const trivy = { SchemaVersion: 2, ArtifactName: 'x', Metadata: { RepoDigests: [`staging.example/app@${D}`] }, Results: [{ Vulnerabilities: [{ Severity: 'CRITICAL' }, { Severity: 'HIGH' }, { Severity: 'HIGH' }, { Severity: 'UNKNOWN' }] }, { Vulnerabilities: null }] };
const grype = { matches: [{ vulnerability: { severity: 'Medium' } }, { vulnerability: { severity: 'Negligible' } }], source: { target: { manifestDigest: D } } };
const cosign = { _type: 'https://in-toto.io/Statement/v0.1', predicateType: COSIGN_VULN_PREDICATE, subject: [{ name: 'x', digest: { sha256: 'b'.repeat(64) } }], predicate: { scanner: { uri: 'trivy', result: { ...trivy, Metadata: {} } } } };

test('vulns: Trivy, Grype and cosign vuln attestations become counts by severity for their digests', () => {
  assert.deepEqual(parseVulnReport(trivy), { digests: [D], counts: { known: true, critical: 1, high: 2, medium: 0, low: 0, unknown: 1 } });
  assert.deepEqual(parseVulnReport(grype), { digests: [D], counts: { known: true, critical: 0, high: 0, medium: 1, low: 0, unknown: 1 } });
  assert.deepEqual(parseVulnReport(cosign)?.digests, [`sha256:${'b'.repeat(64)}`]);
  assert.equal(parseVulnReport({ something: 1 }), undefined);
});

test('vulns: upstream severities 1..5 count findings at or above; 0 and below gate nothing', () => {
  const c = { known: true, critical: 0, high: 1, medium: 2, low: 0, unknown: 3 };
  assert.deepEqual([0, 1, 2, 3, 4, 5].map((t) => countAtOrAbove(c, t)), [0, 6, 3, 3, 1, 0]);
});

function parse(...argv: string[]) {
  const cmd = new KpromoCommand('cip').exitOverride();
  addCipFlags(cmd);
  cmd.parse(argv, { from: 'user' });
  return toCipOptions(cmd.opts(), setOnCommandLine(cmd));
}

test('vulns: --vuln-severity-threshold with --vuln-report is a deny rule of a normal promotion; without a report it stays the scan mode', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'kpromo-vulns-'));
  try {
    await writeFile(join(dir, 'trivy.json'), JSON.stringify(trivy));
    assert.equal(parse('--manifest', 'm', '--vuln-severity-threshold', '4').mode, 'scan');
    const o = parse('--manifest', 'm', '--vuln-severity-threshold', '5', '--vuln-report', dir);
    assert.equal(o.mode, 'promotion');
    const cfg = (await buildPolicyConfig(o, {}))!;
    const base = emptyInput();
    const input = { ...base, action: 'promote' as const, edge: { srcRegistry: 's', srcImage: 'app', dstRegistry: 'p', dstImage: 'app', digest: D, tag: 'v1', project: '' } };
    const d = decide(cfg.policy, { ...input, vulnerabilities: cfg.vulns!.get(D)! });
    assert.deepEqual([d.allowed, d.rule], [false, 'deny/vuln-severity-threshold']);
    assert.equal(decide(cfg.policy, input).allowed, true, 'a digest without findings passes');
    await writeFile(join(dir, 'bad.json'), '{"nope": true}');
    await assert.rejects(loadVulnReports(dir), /invalid --vuln-report/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

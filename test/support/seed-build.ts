/**
 * Pure builders of deterministic test images (no I/O), shared with unit tests: they live in
 * src/registry/memory/fixtures.ts. They only build JSON and bytes, so seeding over HTTP stays
 * independent of the registry client under test.
 */
export * from '../../src/registry/memory/fixtures.js';

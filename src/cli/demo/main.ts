/**
 * Entry point of `npm run demo`: `kpromo demo` through the CLI (which prints and picks the exit
 * code), so the demo runs exactly as `npx kpromo demo` does (`npm run demo -- --keep DIR` passes its flags).
 */
import { main } from '../main.js';

process.exitCode = await main(['demo', ...process.argv.slice(2)]);

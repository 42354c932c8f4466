/** The kpromo CLI run from source (bench `--from-source`): what bin/kpromo.js does with the built code. */
import { main } from '../src/cli/main.js';

process.exitCode = await main(process.argv.slice(2));

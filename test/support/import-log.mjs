// Loaded with `node --import`: registers module hooks that append every resolved module URL to
// the file named by KPROMO_IMPORT_LOG, so a test can tell which modules a child process loaded.
import { register } from 'node:module';

register('./import-log-hooks.mjs', import.meta.url, { data: { file: process.env.KPROMO_IMPORT_LOG } });

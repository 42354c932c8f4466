/** Named pipes for tests of readers that must refuse them without blocking. */
import { execFileSync } from 'node:child_process';
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';

/** Creates a FIFO at `path`; after the test, unblocks any reader stuck opening it (none when the code under test is right). */
export function makeFifo(path: string, t: { after(fn: () => Promise<void>): void }): void {
  execFileSync('mkfifo', [path]);
  t.after(async () => {
    const fh = await open(path, constants.O_WRONLY | constants.O_NONBLOCK).catch(() => undefined);
    await fh?.close();
  });
}

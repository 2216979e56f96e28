// The child process `netspace backend install/status` start: loads native-probe.js beside it (in dist/), else
// registers tsx and loads native-probe.ts (in src/), then prints one JSON line.
import { existsSync } from 'node:fs';

const compiled = new URL('./native-probe.js', import.meta.url);
let probe;
if (existsSync(compiled)) {
  probe = await import(compiled.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  probe = await import('./native-probe.ts');
}
process.stdout.write(`${JSON.stringify(await probe.probeHere())}\n`);

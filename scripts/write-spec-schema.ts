// Writes docs/spec.schema.json from src/sweep/schema.ts: `npx tsx scripts/write-spec-schema.ts` after a spec key changes.
import { writeFileSync } from 'node:fs';
import { specSchema } from '../src/sweep/schema.ts';

writeFileSync('docs/spec.schema.json', `${JSON.stringify(specSchema(), null, 2)}\n`);
process.stdout.write('wrote docs/spec.schema.json\n');

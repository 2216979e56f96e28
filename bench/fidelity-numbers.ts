// Prints the fidelity check of a finished sweep as the README quotes it: rank correlations per space and the KS
// verdicts at both fidelities. Usage: npx tsx bench/fidelity-numbers.ts <sweep> --db <file>
import { analyzeFidelity } from '../src/analysis/fidelity.ts';
import { readStore } from '../src/store/store.ts';
import { storedFidelity } from '../src/sweep/fidelity-spec.ts';

const [name, , db] = process.argv.slice(2);
if (name === undefined || db === undefined) throw new Error('usage: npx tsx bench/fidelity-numbers.ts <sweep> --db <file>');
const sweep = readStore(db, (store) => store.readSweep(name));
const fidelity = storedFidelity(sweep.spec);
if (fidelity === null) throw new Error(`${name} has no fidelity schedule`);
const analysis = analyzeFidelity(sweep.runs.map((r) => ({ id: r.id, space: r.space, epochs: r.epochs, status: r.status })), fidelity);
console.log(JSON.stringify({ cost: analysis.cost, check: analysis.check ? { ...analysis.check, points: undefined } : null }, null, 1));

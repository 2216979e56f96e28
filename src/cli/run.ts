// The CLI's entry: the command line of this process, run by bin/netspace.js.
import { hideBin } from 'yargs/helpers';
import { main } from './main.ts';

await main(hideBin(process.argv));

// The dashboard's script (bundled by src/serve/assets.ts): the server's page shell says which page this is.
import { listPage } from './list-page.ts';
import { sweepPage } from './sweep-page.ts';

const { page, sweep, poll } = document.body.dataset;
const pollMs = Math.max(250, Number(poll ?? '2000'));
if (page === 'sweep' && sweep !== undefined) sweepPage(sweep, pollMs);
else listPage(pollMs);

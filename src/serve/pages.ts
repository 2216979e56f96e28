// The HTML the server sends: a shell that loads the bundled script (which draws the page from the JSON endpoints), and
// a plain error page. No inline script or style: the Content-Security-Policy allows neither.
import { escapeHtml as esc } from '../report/format.ts';

/** Which page the shell is; the script reads it from <body data-page>. */
export type PageKind = 'list' | 'sweep';

/** What the shell tells its script. */
export interface ShellInput {
  page: PageKind;
  /** The sweep of a sweep page. */
  sweep?: string;
  /** The database file, shown in the top bar. */
  db: string;
  /** How often the page asks the server for news, ms. */
  pollMs: number;
}

function head(title: string): string {
  return `<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<link rel="icon" href="/assets/icon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/assets/dashboard.css">`;
}

function topBar(db: string): string {
  return `<header class="top"><a href="/">netspace dashboard</a><span class="db">${esc(db)} · read-only</span></header>`;
}

/** The page shell; every text from the database is escaped. */
export function shellPage({ page, sweep, db, pollMs }: ShellInput): string {
  const title = page === 'sweep' ? `netspace · ${sweep ?? ''}` : 'netspace · sweeps';
  const sweepAttr = sweep === undefined ? '' : ` data-sweep="${esc(sweep)}"`;
  return `<!doctype html>
<html lang="en">
<head>
${head(title)}
<script type="module" src="/assets/dashboard.js"></script>
</head>
<body data-page="${page}"${sweepAttr} data-poll="${pollMs}">
${topBar(db)}
<main id="app"><noscript>The dashboard draws its charts with JavaScript; <code>netspace report</code> writes a page that needs none.</noscript></main>
</body>
</html>
`;
}

/** A page that only says what went wrong, with a way back to the list. */
export function errorPage(db: string, message: string): string {
  return `<!doctype html>
<html lang="en">
<head>
${head('netspace · not found')}
</head>
<body>
${topBar(db)}
<main><h1>Not found</h1><p class="banner">${esc(message)}</p><p><a href="/">All sweeps</a></p></main>
</body>
</html>
`;
}

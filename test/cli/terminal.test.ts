// The progress bars on a real terminal: `netspace sweep run` under a pseudo-terminal (util-linux `script`), its output
// replayed frame by frame through a terminal emulator (@xterm/headless), the screen checked after every frame.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import xterm from '@xterm/headless';
import { BIN } from './netspace.ts';

const ROWS = 30;

/** What the terminal showed: the visible rows and every row written (scrollback included), right-trimmed. */
interface Screen {
  rows: string[];
  all: string[];
}

function read(term: xterm.Terminal): Screen {
  const buffer = term.buffer.active;
  const line = (i: number) => buffer.getLine(i)?.translateToString(true) ?? '';
  // A line the terminal wrapped is one line written: its rows after the first are joined to it.
  const all: string[] = [];
  for (let i = 0; i < buffer.length; i++) {
    if (buffer.getLine(i)?.isWrapped === true && all.length > 0) all[all.length - 1] += line(i);
    else all.push(line(i));
  }
  return { rows: Array.from({ length: term.rows }, (_, i) => line(buffer.viewportY + i)), all };
}

/** The bar rows on a screen: a slot name ("sweep", "w1", ...) then the bar's shade characters. */
const barSlots = (rows: string[]) => rows.filter((r) => /^(sweep|w\d+) [░█]/.test(r)).map((r) => r.split(' ')[0]);

/**
 * Runs `netspace sweep run` on a pseudo-terminal `columns` wide and ROWS high and returns the bytes it wrote. `script` keeps the
 * session in a file; its first line and its "Script done" line are its own.
 */
function runOnTerminal(dir: string, columns: number): { code: number | null; output: string } {
  const spec = join(dir, 'tty.yaml');
  writeFileSync(
    spec,
    [
      'kind: sweep',
      'name: tty',
      'seed: 7',
      'spaces: [{space: AnyNetX_A, n: 3}]',
      'complexity: {flops: [null, 0.6M]}',
      'train: {epochs: 2, resolution: 28, batchSize: 64, lr: 0.05, trainSize: 1024, valSize: 256, backend: wasm}',
      'workers: 2',
    ].join('\n'),
  );
  const log = join(dir, 'session.raw');
  const command = `stty cols ${columns} rows ${ROWS}; exec '${process.execPath}' '${BIN}' sweep run '${spec}' --db '${join(dir, 'runs.db')}'`;
  const result = spawnSync('script', ['--quiet', '--flush', '--return', '--command', command, '--log-out', log], {
    stdio: ['ignore', 'ignore', 'pipe'],
    encoding: 'utf8',
  });
  assert.equal(result.error, undefined, `util-linux script must be installed: ${result.error?.message}`);
  const raw = readFileSync(log, 'utf8');
  return { code: result.status, output: raw.slice(raw.indexOf('\n') + 1).replace(/\r?\nScript done[^\n]*\n?$/, '') };
}

describe('cli/progress on a terminal', () => {
  // 110 columns hold every line; at 60 the bars are cut to the width and the longer logged lines wrap.
  for (const columns of [110, 60]) {
  it(`keeps one sweep bar and one bar per worker on screen after every frame, each line logged once and whole (${columns} columns)`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'netspace-tty-'));
    const { code, output } = runOnTerminal(dir, columns);
    assert.equal(code, 0, output);
    // Every redraw starts by moving the cursor up to the first bar: the screen before that is one whole frame.
    const frames = output.split(/(?=\x1b\[\d+A)/);
    assert.ok(frames.length >= 5, `the sweep drew ${frames.length} frames`);

    const term = new xterm.Terminal({ cols: columns, rows: ROWS, scrollback: 10_000, allowProposedApi: true });
    const faults: string[] = [];
    let framesWithWorkers = 0;
    for (const [i, frame] of frames.entries()) {
      await new Promise<void>((resolve) => term.write(frame, resolve));
      const screen = read(term);
      const slots = barSlots(screen.rows);
      if (slots.some((s) => s !== 'sweep')) framesWithWorkers += 1;
      const wrong =
        slots.filter((s) => s === 'sweep').length !== 1
          ? 'the sweep bar is not on screen once'
          : slots.length !== new Set(slots).size
            ? 'a worker bar is on screen twice'
            : null;
      if (wrong !== null) faults.push(`frame ${i + 1}: ${wrong}:\n${screen.rows.filter((r) => r !== '').join('\n')}`);
    }
    assert.deepEqual(faults.slice(0, 2), [], `${faults.length} of ${frames.length} frames were wrong`);
    assert.ok(framesWithWorkers >= 2, 'worker bars were drawn');

    const end = read(term);
    // Once the sweep ends only its bar stays, full, with the summary lines below it.
    const written = end.all.filter((r) => r !== '');
    assert.deepEqual(barSlots(end.rows), ['sweep'], 'the worker bars are gone once the sweep ends');
    assert.match(end.rows.find((r) => r.startsWith('sweep '))!, /^sweep [█]+ 3\/3 runs \| done 3 \| failed 0/);
    const bar = written.findLastIndex((r) => r.startsWith('sweep █'));
    assert.match(written[bar + 1]!, /^sweep tty: 3 done, 0 failed/);
    const epochLines = written.filter((r) => /^w\d run \d epoch \d\/2: val error/.test(r)).map((r) => r.replace(/^w\d /, ''));
    assert.deepEqual(
      epochLines.map((r) => r.split(':')[0]).sort(),
      ['run 1 epoch 1/2', 'run 1 epoch 2/2', 'run 2 epoch 1/2', 'run 2 epoch 2/2', 'run 3 epoch 1/2', 'run 3 epoch 2/2'],
      'each epoch line is on the terminal once',
    );
    const runEnds = written.filter((r) => /^w\d run \d AnyNetX_A /.test(r));
    assert.equal(runEnds.length, 3, 'each run end is logged once');
    for (const line of runEnds) assert.match(line, /^w\d run \d AnyNetX_A \([\d.]+k flops, [\d.]+k params\) done, error \d+\.\d\d% in \d+s$/, 'whole');
  });
  }
});

import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { DATASETS, downloadDataset, type DownloadOptions, type IdxFormat } from '../../src/data/index.ts';
import { serve, type FixtureServer, type Route } from './http-server.ts';
import { IDX_NAMES, cifarArchive, cifarBytes, datasetBytes, makeTempDir, md5, netspaceError, removeDir, type IdxName } from './fixtures.ts';

type FileRole = 'trainImages' | 'trainLabels' | 'testImages' | 'testLabels';
const FILE_ROLES: readonly FileRole[] = ['trainImages', 'trainLabels', 'testImages', 'testLabels'];
const NAMES: Record<FileRole, IdxName> = { trainImages: IDX_NAMES[0], trainLabels: IDX_NAMES[1], testImages: IDX_NAMES[2], testLabels: IDX_NAMES[3] };
const fileName = (role: FileRole): string => `${NAMES[role]}.gz`;
const bytes = datasetBytes();
const gz = Object.fromEntries(FILE_ROLES.map((role) => [role, gzipSync(bytes[NAMES[role]])])) as Record<FileRole, Buffer>;
/** The fixtures' own MD5s, by the name fetched, as a mirror passes them. */
const checksums = Object.fromEntries(FILE_ROLES.map((role) => [fileName(role), md5(gz[role])]));

/** Downloads Fashion-MNIST (the default dataset) into dir. */
const downloadFashion = (dir: string, options: DownloadOptions) => downloadDataset('fashion-mnist', dir, options);

/** Routes serving every file well under `prefix`, with `overrides` for some of them. */
function routes(prefix: string, overrides: Partial<Record<FileRole, Route>> = {}): Record<string, Route> {
  return Object.fromEntries(FILE_ROLES.map((role) => [`${prefix}${fileName(role)}`, overrides[role] ?? { body: gz[role] }]));
}

/** A real tar.gz of two-record batches; one lacking data_batch_4.bin; one cut in half; one that is not gzip. */
const archive = cifarArchive(2);
const lacking = cifarArchive(2, ['data_batch_4.bin']);
const cutArchive = archive.subarray(0, archive.length >> 1);
const notArchive = Buffer.from('<html>moved</html>');
const CIFAR = 'cifar-10-binary.tar.gz';

const root = makeTempDir();
let server: FixtureServer;
const wrong = Buffer.from(gz.trainLabels);
wrong[wrong.length - 1] ^= 0xff;

before(async () => {
  server = await serve({
    ...routes('/good/'),
    ...routes('/bad-sum/', { trainLabels: { body: wrong } }),
    ...routes('/cut/', { testImages: { body: gz.testImages, sent: 100 } }),
    ...routes('/missing/', { testLabels: { status: 404 } }),
    ...routes('/moved/', Object.fromEntries(FILE_ROLES.map((role) => [role, { redirect: `/good/${fileName(role)}` }]))),
    [`/cifar/${CIFAR}`]: { body: archive },
    [`/cifar-lacking/${CIFAR}`]: { body: lacking },
    [`/cifar-cut/${CIFAR}`]: { body: cutArchive },
    [`/cifar-html/${CIFAR}`]: { body: notArchive },
    '/loop/train-images-idx3-ubyte.gz': { redirect: '/loop/train-images-idx3-ubyte.gz' },
  });
});
after(async () => {
  await server.close();
  removeDir(root);
});

/** Names in a folder, temporary ones included. */
const contents = (dir: string): string[] => (existsSync(dir) ? readdirSync(dir).sort() : []);

describe('data/download', () => {
  it('downloads, verifies and places the four files, logging progress in bytes', async () => {
    const dir = join(root, 'good');
    const lines: string[] = [];
    const result = await downloadFashion(dir, { baseUrl: `${server.url}good`, checksums, log: (line) => lines.push(line) });
    assert.deepEqual(result.files.map((f) => f.status), ['downloaded', 'downloaded', 'downloaded', 'downloaded']);
    assert.deepEqual(contents(dir), FILE_ROLES.map(fileName).sort());
    for (const role of FILE_ROLES) assert.deepEqual(readFileSync(join(dir, fileName(role))), gz[role]);
    const size = gz.trainImages.length;
    assert.ok(lines.includes(`train-images-idx3-ubyte.gz: ${size} of ${size} bytes (100%)`), lines.join('\n'));
    assert.ok(lines.includes(`train-images-idx3-ubyte.gz: ${size} bytes, MD5 ok`), lines.join('\n'));
  });

  it('keeps files that are already there with the right checksum, without asking the server', async () => {
    const dir = join(root, 'good');
    const asked = server.requests.length;
    const result = await downloadFashion(dir, { baseUrl: `${server.url}good/`, checksums });
    assert.deepEqual(result.files.map((f) => f.status), ['kept', 'kept', 'kept', 'kept']);
    assert.equal(server.requests.length, asked);
  });

  it('replaces a file whose checksum is wrong', async () => {
    const dir = join(root, 'replace');
    await downloadFashion(dir, { baseUrl: `${server.url}good/`, checksums });
    writeFileSync(join(dir, fileName('testLabels')), 'stale');
    const result = await downloadFashion(dir, { baseUrl: `${server.url}good/`, checksums });
    assert.deepEqual(result.files.map((f) => f.status), ['kept', 'kept', 'kept', 'downloaded']);
    assert.deepEqual(readFileSync(join(dir, fileName('testLabels'))), gz.testLabels);
  });

  it('refuses a file with the wrong checksum and leaves nothing of it', async () => {
    const dir = join(root, 'bad-sum');
    await assert.rejects(
      downloadFashion(dir, { baseUrl: `${server.url}bad-sum/`, checksums }),
      netspaceError(`${server.url}bad-sum/train-labels-idx1-ubyte.gz: MD5 ${md5(wrong)} does not match the expected ${checksums[fileName('trainLabels')]}; the file was not kept`),
    );
    assert.deepEqual(contents(dir), [fileName('trainImages')], 'only the verified file before it is there');
  });

  it('refuses a download cut short and leaves nothing of it', async () => {
    const dir = join(root, 'cut');
    await assert.rejects(
      downloadFashion(dir, { baseUrl: `${server.url}cut/`, checksums }),
      netspaceError(`${server.url}cut/t10k-images-idx3-ubyte.gz: the download was cut short after 100 of ${gz.testImages.length} bytes`),
    );
    assert.deepEqual(contents(dir), [fileName('trainImages'), fileName('trainLabels')].sort());
  });

  it('checks against the canonical MD5s unless told otherwise', async () => {
    const dir = join(root, 'canonical');
    await assert.rejects(
      downloadFashion(dir, { baseUrl: `${server.url}good/` }),
      netspaceError(`does not match the expected ${(DATASETS['fashion-mnist'].format as IdxFormat).files[0]!.md5}`),
    );
    assert.deepEqual(contents(dir), []);
  });

  it('reports HTTP errors, follows redirects and stops redirect loops', async () => {
    await assert.rejects(
      downloadFashion(join(root, 'missing'), { baseUrl: `${server.url}missing/`, checksums }),
      netspaceError(`${server.url}missing/t10k-labels-idx1-ubyte.gz: the server answered HTTP 404 Not Found`),
    );
    const moved = await downloadFashion(join(root, 'moved'), { baseUrl: `${server.url}moved/`, checksums });
    assert.deepEqual(moved.files.map((f) => f.status), ['downloaded', 'downloaded', 'downloaded', 'downloaded']);
    await assert.rejects(
      downloadFashion(join(root, 'loop'), { baseUrl: `${server.url}loop/`, checksums }),
      netspaceError(`${server.url}loop/train-images-idx3-ubyte.gz: more than 5 redirects`),
    );
  });

  it('reports a server that does not answer and a bad address', async () => {
    const closed = await serve({});
    await closed.close();
    await assert.rejects(
      downloadFashion(join(root, 'refused'), { baseUrl: closed.url, checksums }),
      netspaceError(`${closed.url}train-images-idx3-ubyte.gz: download failed (connect ECONNREFUSED`),
    );
    await assert.rejects(
      downloadFashion(join(root, 'ftp'), { baseUrl: 'ftp://example.org/fashion' }),
      netspaceError('download address "ftp://example.org/fashion" is not an http:// or https:// URL'),
    );
    assert.equal(existsSync(join(root, 'ftp')), false);
  });

  it('downloads MNIST and KMNIST from their own addresses, checked against their own MD5s', async () => {
    for (const name of ['mnist', 'kmnist'] as const) {
      const expected = (DATASETS[name].format as IdxFormat).files[0]!.md5;
      await assert.rejects(
        downloadDataset(name, join(root, name), { baseUrl: `${server.url}good/` }),
        netspaceError(`${server.url}good/train-images-idx3-ubyte.gz: MD5 ${md5(gz.trainImages)} does not match the expected ${expected}`),
      );
      const result = await downloadDataset(name, join(root, name), { baseUrl: `${server.url}good/`, checksums });
      assert.deepEqual(result.files.map((f) => f.name), FILE_ROLES.map(fileName));
    }
  });

  it('downloads CIFAR-10\'s archive, verifies it and unpacks the six batch files beside it, nothing else', async () => {
    const dir = join(root, 'cifar');
    const lines: string[] = [];
    const result = await downloadDataset('cifar10', dir, { baseUrl: `${server.url}cifar/`, checksums: { [CIFAR]: md5(archive) }, log: (line) => lines.push(line) });
    const names = ['data_batch_1.bin', 'data_batch_2.bin', 'data_batch_3.bin', 'data_batch_4.bin', 'data_batch_5.bin', 'test_batch.bin'];
    assert.deepEqual(result.files.map((f) => [f.name, f.status]), [[CIFAR, 'downloaded'], ...names.map((n) => [n, 'extracted'])]);
    assert.deepEqual(contents(dir), [CIFAR, ...names].sort(), 'no batches.meta.txt, readme.html or leftover folder');
    const expected = cifarBytes(2);
    for (const name of names) assert.deepEqual(readFileSync(join(dir, name)), expected[name], name);
    assert.ok(lines.includes(`data_batch_1.bin: extracted, ${2 * 3073} bytes`), lines.join('\n'));

    // Again: the archive is kept, and the batch files are unpacked anew, mending a damaged one.
    writeFileSync(join(dir, 'data_batch_2.bin'), 'damaged');
    const asked = server.requests.length;
    const again = await downloadDataset('cifar10', dir, { baseUrl: `${server.url}cifar/`, checksums: { [CIFAR]: md5(archive) } });
    assert.equal(server.requests.length, asked);
    assert.deepEqual(again.files.map((f) => f.status), ['kept', ...names.map(() => 'extracted')]);
    assert.deepEqual(readFileSync(join(dir, 'data_batch_2.bin')), expected['data_batch_2.bin']);
  });

  it('refuses a CIFAR-10 archive whose MD5 is not the canonical one and unpacks nothing', async () => {
    const dir = join(root, 'cifar-canonical');
    await assert.rejects(
      downloadDataset('cifar10', dir, { baseUrl: `${server.url}cifar/` }),
      netspaceError(`${server.url}cifar/${CIFAR}: MD5 ${md5(archive)} does not match the expected c32a1d4ab5d03f1284b67883e8d87530; the file was not kept`),
    );
    assert.deepEqual(contents(dir), []);
  });

  it('refuses an archive that lacks a batch file, a cut archive and one that is no tar.gz, placing no batch file', async () => {
    const lackingDir = join(root, 'cifar-lacking');
    await assert.rejects(
      downloadDataset('cifar10', lackingDir, { baseUrl: `${server.url}cifar-lacking/`, checksums: { [CIFAR]: md5(lacking) } }),
      netspaceError(`${join(lackingDir, CIFAR)}: the archive lacks cifar-10-batches-bin/data_batch_4.bin`),
    );
    assert.deepEqual(contents(lackingDir), [CIFAR], 'the verified archive stays; no batch file and no scratch folder');
    for (const [route, body] of [['cifar-cut', cutArchive], ['cifar-html', notArchive]] as const) {
      const dir = join(root, route);
      await assert.rejects(
        downloadDataset('cifar10', dir, { baseUrl: `${server.url}${route}/`, checksums: { [CIFAR]: md5(body) } }),
        netspaceError(`${join(dir, CIFAR)}: cannot be unpacked (`),
      );
      assert.deepEqual(contents(dir), [CIFAR], route);
    }
  });
});

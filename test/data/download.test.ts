import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { FASHION_MNIST_FILES, FILE_ROLES, downloadFashionMnist, type FileRole } from '../../src/data/index.ts';
import { serve, type FixtureServer, type Route } from './http-server.ts';
import { datasetBytes, makeTempDir, md5, netspaceError, removeDir } from './fixtures.ts';

const gz = Object.fromEntries(Object.entries(datasetBytes()).map(([role, bytes]) => [role, gzipSync(bytes)])) as Record<FileRole, Buffer>;
const checksums = Object.fromEntries(FILE_ROLES.map((role) => [role, md5(gz[role])])) as Record<FileRole, string>;
const fileName = (role: FileRole): string => `${FASHION_MNIST_FILES[role].name}.gz`;

/** Routes serving every file well under `prefix`, with `overrides` for some of them. */
function routes(prefix: string, overrides: Partial<Record<FileRole, Route>> = {}): Record<string, Route> {
  return Object.fromEntries(FILE_ROLES.map((role) => [`${prefix}${fileName(role)}`, overrides[role] ?? { body: gz[role] }]));
}

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
    const result = await downloadFashionMnist(dir, { baseUrl: `${server.url}good`, checksums, log: (line) => lines.push(line) });
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
    const result = await downloadFashionMnist(dir, { baseUrl: `${server.url}good/`, checksums });
    assert.deepEqual(result.files.map((f) => f.status), ['kept', 'kept', 'kept', 'kept']);
    assert.equal(server.requests.length, asked);
  });

  it('replaces a file whose checksum is wrong', async () => {
    const dir = join(root, 'replace');
    await downloadFashionMnist(dir, { baseUrl: `${server.url}good/`, checksums });
    writeFileSync(join(dir, fileName('testLabels')), 'stale');
    const result = await downloadFashionMnist(dir, { baseUrl: `${server.url}good/`, checksums });
    assert.deepEqual(result.files.map((f) => f.status), ['kept', 'kept', 'kept', 'downloaded']);
    assert.deepEqual(readFileSync(join(dir, fileName('testLabels'))), gz.testLabels);
  });

  it('refuses a file with the wrong checksum and leaves nothing of it', async () => {
    const dir = join(root, 'bad-sum');
    await assert.rejects(
      downloadFashionMnist(dir, { baseUrl: `${server.url}bad-sum/`, checksums }),
      netspaceError(`${server.url}bad-sum/train-labels-idx1-ubyte.gz: MD5 ${md5(wrong)} does not match the expected ${checksums.trainLabels}; the file was not kept`),
    );
    assert.deepEqual(contents(dir), [fileName('trainImages')], 'only the verified file before it is there');
  });

  it('refuses a download cut short and leaves nothing of it', async () => {
    const dir = join(root, 'cut');
    await assert.rejects(
      downloadFashionMnist(dir, { baseUrl: `${server.url}cut/`, checksums }),
      netspaceError(`${server.url}cut/t10k-images-idx3-ubyte.gz: the download was cut short after 100 of ${gz.testImages.length} bytes`),
    );
    assert.deepEqual(contents(dir), [fileName('trainImages'), fileName('trainLabels')].sort());
  });

  it('checks against the canonical MD5s unless told otherwise', async () => {
    const dir = join(root, 'canonical');
    await assert.rejects(
      downloadFashionMnist(dir, { baseUrl: `${server.url}good/` }),
      netspaceError(`does not match the expected ${FASHION_MNIST_FILES.trainImages.md5}`),
    );
    assert.deepEqual(contents(dir), []);
  });

  it('reports HTTP errors, follows redirects and stops redirect loops', async () => {
    await assert.rejects(
      downloadFashionMnist(join(root, 'missing'), { baseUrl: `${server.url}missing/`, checksums }),
      netspaceError(`${server.url}missing/t10k-labels-idx1-ubyte.gz: the server answered HTTP 404 Not Found`),
    );
    const moved = await downloadFashionMnist(join(root, 'moved'), { baseUrl: `${server.url}moved/`, checksums });
    assert.deepEqual(moved.files.map((f) => f.status), ['downloaded', 'downloaded', 'downloaded', 'downloaded']);
    await assert.rejects(
      downloadFashionMnist(join(root, 'loop'), { baseUrl: `${server.url}loop/`, checksums }),
      netspaceError(`${server.url}loop/train-images-idx3-ubyte.gz: more than 5 redirects`),
    );
  });

  it('reports a server that does not answer and a bad address', async () => {
    const closed = await serve({});
    await closed.close();
    await assert.rejects(
      downloadFashionMnist(join(root, 'refused'), { baseUrl: closed.url, checksums }),
      netspaceError(`${closed.url}train-images-idx3-ubyte.gz: download failed (connect ECONNREFUSED`),
    );
    await assert.rejects(
      downloadFashionMnist(join(root, 'ftp'), { baseUrl: 'ftp://example.org/fashion' }),
      netspaceError('download address "ftp://example.org/fashion" is not an http:// or https:// URL'),
    );
    assert.equal(existsSync(join(root, 'ftp')), false);
  });
});

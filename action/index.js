// The GitHub Action of nanos-store (action.yml): zips a package's or asset pack's folder and
// uploads it as a release to a nanos-store at any address. It uses only what a runner has (Node's
// own modules, no npm install), streams the zip from disk (any size, with ZIP64 past 4 GiB or
// 65,535 files, the store's limits permitting), and on failure prints the store's own message.
// The store checks the zip with its validator and says why it refuses one.
//
// Inputs come as the runner passes them to a node action: INPUT_<NAME> variables (with the name's
// hyphens kept, INPUT_STORE-URL). The GitHub release's body, the default changelog, comes from
// the event file (GITHUB_EVENT_PATH).
'use strict';

const fs = require('fs');
const path = require('path');
const http = require('http');
const https = require('https');
const os = require('os');
const crypto = require('crypto');

/** An input as the runner sets it, trimmed; `fallback` when missing or empty. */
function input(name, fallback = '') {
  const value = process.env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`];
  return value === undefined || value.trim() === '' ? fallback : value.trim();
}

/** A failure the user can act on: reported as one line, never a stack trace. */
class Failure extends Error {}

/** Folders never packed; other names starting with '.' are left out too. */
const NEVER_PACKED = new Set(['.git', '.cache']);

/** The folder's files, sorted, as [zip path, file path, size]. Symbolic links are left out. */
function collect(root) {
  const files = [];
  const walk = (dir, prefix) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      if (NEVER_PACKED.has(entry.name) || entry.name.startsWith('.')) continue;
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full, `${prefix}${entry.name}/`);
      else if (entry.isFile()) files.push([`${prefix}${entry.name}`, full, fs.statSync(full).size]);
    }
  };
  walk(root, '');
  return files.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

function crc32(crc, bytes) {
  let c = crc ^ 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** The largest values a zip's 32-bit and 16-bit fields hold; past them, ZIP64 fields hold them. */
const ZIP32 = { size: 0xffffffff, count: 0xffff };

/** `value` as 8 little-endian bytes. */
function u64(value) {
  const bytes = Buffer.alloc(8);
  bytes.writeBigUInt64LE(BigInt(value), 0);
  return bytes;
}

/** A ZIP64 extended information field (id 1) holding `values`, in the order the format wants. */
function zip64Extra(values) {
  const head = Buffer.alloc(4);
  head.writeUInt16LE(0x0001, 0);
  head.writeUInt16LE(8 * values.length, 2);
  return Buffer.concat([head, ...values.map(u64)]);
}

/**
 * Writes `files` into a zip at `out`, each stored (not compressed), reading each file once in
 * 1 MiB pieces: its CRC is written into its header once known. A size, offset or count too
 * large for the plain fields goes into ZIP64 fields, so the zip may have any size and any number
 * of files. `limits` (the plain fields' limits) is lowered only by tests, to write ZIP64 fields
 * for small zips.
 */
function writeZip(files, out, limits = ZIP32) {
  const fd = fs.openSync(out, 'w');
  const central = [];
  let offset = 0;
  const write = (buffer, position) => fs.writeSync(fd, buffer, 0, buffer.length, position);
  const piece = Buffer.alloc(1024 * 1024);
  for (const [name, file, size] of files) {
    const nameBytes = Buffer.from(name, 'utf8');
    const large = size >= limits.size;
    const extra = large ? zip64Extra([size, size]) : Buffer.alloc(0);
    const header = Buffer.alloc(30);
    header.writeUInt32LE(0x04034b50, 0);
    header.writeUInt16LE(large ? 45 : 20, 4); // version needed: 4.5 for ZIP64
    header.writeUInt16LE(0x0800, 6); // UTF-8 names
    header.writeUInt16LE(0, 8); // stored
    header.writeUInt32LE(0x00210000, 10); // 1980-01-01 00:00
    header.writeUInt32LE(large ? ZIP32.size : size, 18);
    header.writeUInt32LE(large ? ZIP32.size : size, 22);
    header.writeUInt16LE(nameBytes.length, 26);
    header.writeUInt16LE(extra.length, 28);
    const at = offset;
    write(header, offset);
    write(nameBytes, offset + 30);
    write(extra, offset + 30 + nameBytes.length);
    offset += 30 + nameBytes.length + extra.length;
    const source = fs.openSync(file, 'r');
    let crc = 0;
    let copied = 0;
    for (let read; (read = fs.readSync(source, piece, 0, piece.length, null)) > 0; ) {
      const bytes = piece.subarray(0, read);
      crc = crc32(crc, bytes);
      write(bytes, offset);
      offset += read;
      copied += read;
    }
    fs.closeSync(source);
    if (copied !== size) throw new Failure(`${name} changed while it was being zipped: run the action again.`);
    const crcBytes = Buffer.alloc(4);
    crcBytes.writeUInt32LE(crc, 0);
    write(crcBytes, at + 14);
    central.push({ nameBytes, crc, size, at });
  }
  const start = offset;
  for (const { nameBytes, crc, size, at } of central) {
    const large = size >= limits.size;
    const far = at >= limits.size;
    const extra = large || far ? zip64Extra([...(large ? [size, size] : []), ...(far ? [at] : [])]) : Buffer.alloc(0);
    const entry = Buffer.alloc(46);
    entry.writeUInt32LE(0x02014b50, 0);
    entry.writeUInt16LE(45, 4);
    entry.writeUInt16LE(large || far ? 45 : 20, 6);
    entry.writeUInt16LE(0x0800, 8);
    entry.writeUInt16LE(0, 10);
    entry.writeUInt32LE(0x00210000, 12);
    entry.writeUInt32LE(crc, 16);
    entry.writeUInt32LE(large ? ZIP32.size : size, 20);
    entry.writeUInt32LE(large ? ZIP32.size : size, 24);
    entry.writeUInt16LE(nameBytes.length, 28);
    entry.writeUInt16LE(extra.length, 30);
    entry.writeUInt32LE(far ? ZIP32.size : at, 42);
    write(entry, offset);
    write(nameBytes, offset + 46);
    write(extra, offset + 46 + nameBytes.length);
    offset += 46 + nameBytes.length + extra.length;
  }
  const directorySize = offset - start;
  const manyFiles = central.length >= limits.count;
  const largeDirectory = directorySize >= limits.size;
  const farDirectory = start >= limits.size;
  if (manyFiles || largeDirectory || farDirectory) {
    // The ZIP64 end record, then the locator that points to it.
    const record = Buffer.alloc(56);
    record.writeUInt32LE(0x06064b50, 0);
    u64(44).copy(record, 4); // the size of what follows this field
    record.writeUInt16LE(45, 12);
    record.writeUInt16LE(45, 14);
    u64(central.length).copy(record, 24);
    u64(central.length).copy(record, 32);
    u64(directorySize).copy(record, 40);
    u64(start).copy(record, 48);
    const locator = Buffer.alloc(20);
    locator.writeUInt32LE(0x07064b50, 0);
    u64(offset).copy(locator, 8);
    locator.writeUInt32LE(1, 16); // disks in all
    write(record, offset);
    write(locator, offset + 56);
    offset += 76;
  }
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(manyFiles ? ZIP32.count : central.length, 8);
  end.writeUInt16LE(manyFiles ? ZIP32.count : central.length, 10);
  end.writeUInt32LE(largeDirectory ? ZIP32.size : directorySize, 12);
  end.writeUInt32LE(farDirectory ? ZIP32.size : start, 16);
  write(end, offset);
  fs.closeSync(fd);
  return offset + 22;
}

/** Sends the zip as `multipart/form-data` with a Content-Length, streamed from disk. */
function upload(url, token, fields, zipPath, zipSize) {
  // Random, so that no changelog can contain it and add fields of its own.
  const boundary = `----nanos-store-action-${crypto.randomBytes(24).toString('hex')}`;
  let head = '';
  for (const [name, value] of Object.entries(fields)) {
    head += `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
  }
  head += `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="release.zip"\r\nContent-Type: application/zip\r\n\r\n`;
  const headBytes = Buffer.from(head, 'utf8');
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`, 'utf8');
  const target = new URL(url);
  const client = target.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const request = client.request(
      target,
      {
        method: 'POST',
        headers: {
          Authorization: `Token ${token}`,
          'Content-Type': `multipart/form-data; boundary=${boundary}`,
          'Content-Length': headBytes.length + zipSize + tail.length,
          'User-Agent': 'nanos-store-action',
        },
      },
      (response) => {
        const chunks = [];
        response.on('data', (chunk) => chunks.push(chunk));
        response.on('end', () => resolve({ status: response.statusCode, body: Buffer.concat(chunks).toString('utf8') }));
        response.on('error', reject);
      },
    );
    request.on('error', (e) => reject(new Failure(`Cannot reach ${target.origin}: ${e.message}.`)));
    request.write(headBytes);
    const file = fs.createReadStream(zipPath);
    file.on('error', reject);
    file.on('end', () => request.end(tail));
    file.pipe(request, { end: false });
  });
}

/** GETs `url` (with the token when given): `{ status, body }`, or `null` when nothing answers. */
function get(url, token) {
  const target = new URL(url);
  const client = target.protocol === 'https:' ? https : http;
  const headers = { 'User-Agent': 'nanos-store-action' };
  if (token) headers.Authorization = `Token ${token}`;
  return new Promise((resolve) => {
    const request = client.request(target, { method: 'GET', headers }, (response) => {
      const chunks = [];
      response.on('data', (chunk) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode, body: Buffer.concat(chunks).toString('utf8') }));
      response.on('error', () => resolve(null));
    });
    request.on('error', () => resolve(null));
    request.end();
  });
}

/**
 * Checks the token and reads the store's size limit before anything is zipped or sent: a store
 * refusing an upload (a bad token, a zip too large) answers before reading the body and closes
 * the connection, which a client still sending sees only as a broken connection. Returns the
 * largest upload the store takes, or `null` when it does not say.
 */
async function preflight(storeUrl, token) {
  const me = await get(`${storeUrl}/store/v1/user/me`, token);
  if (me === null) throw new Failure(`Cannot reach ${storeUrl}: is store-url right?`);
  if (me.status !== 200) {
    const [message, ...details] = storeError(me.status, me.body);
    for (const line of details) console.log(line);
    throw new Failure(message);
  }
  const limits = await get(`${storeUrl}/store/v1/upload-limits`);
  try {
    const limit = limits && limits.status === 200 ? JSON.parse(limits.body).max_upload_size : null;
    return Number.isSafeInteger(limit) ? limit : null;
  } catch (_) {
    return null;
  }
}

/** `bytes` for people: `512 bytes`, `4.0 KiB`, `1.5 GiB`. */
function humanSize(bytes) {
  if (bytes < 1024) return `${bytes} bytes`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

/** The store's `{ error, message, diagnostics }` as lines, or the status when it is not JSON. */
function storeError(status, body) {
  try {
    const answer = JSON.parse(body);
    if (typeof answer.message === 'string') {
      // Indented: a line of the store's that starts with `::` is not read as a workflow command.
      const lines = (answer.diagnostics || []).map((d) => `  ${d.severity} [${d.code}] ${d.path ? `${d.path}: ` : ''}${d.message}`.replace(/\r?\n/g, ' '));
      return [answer.message, ...lines];
    }
  } catch (_) {
    // Not the store's JSON: said below.
  }
  return [`The store answered ${status}, which is not a nanos store's answer: is store-url right?`];
}

function setOutput(name, value) {
  // One line per output: a value from the store cannot add outputs of its own.
  if (process.env.GITHUB_OUTPUT) fs.appendFileSync(process.env.GITHUB_OUTPUT, `${name}=${String(value).replace(/[\r\n]/g, '')}\n`);
}

async function main() {
  const storeUrl = input('store-url').replace(/\/+$/, '');
  const token = input('token');
  if (!/^https?:\/\/[^/?#]+/.test(storeUrl)) throw new Failure(`store-url must be the store's address, such as https://store.example.com (got "${storeUrl}").`);
  if (!token) throw new Failure('token is empty: give a token with the publish scope, from a secret.');
  const workspace = process.env.GITHUB_WORKSPACE || process.cwd();
  const folder = path.resolve(workspace, input('folder', '.'));
  if (!fs.existsSync(folder) || !fs.statSync(folder).isDirectory()) throw new Failure(`The folder ${folder} does not exist.`);
  const isAssets = fs.existsSync(path.join(folder, 'Assets.toml'));
  if (!isAssets && !fs.existsSync(path.join(folder, 'Package.toml'))) {
    throw new Failure(`${folder} has no Package.toml or Assets.toml: set folder to a package's or an asset pack's folder.`);
  }
  const name = input('name', path.basename(folder));
  let changelog = input('changelog');
  if (!changelog && process.env.GITHUB_EVENT_PATH && fs.existsSync(process.env.GITHUB_EVENT_PATH)) {
    const event = JSON.parse(fs.readFileSync(process.env.GITHUB_EVENT_PATH, 'utf8'));
    changelog = (event.release && typeof event.release.body === 'string' && event.release.body) || '';
  }
  const channel = input('channel', 'stable');
  const publish = input('publish', 'false') === 'true';
  const limit = await preflight(storeUrl, token);
  const files = collect(folder);
  const zipPath = path.join(process.env.RUNNER_TEMP || os.tmpdir(), `nanos-store-action-${process.pid}.zip`);
  try {
    const size = writeZip(files, zipPath);
    const kind = isAssets ? 'assets' : 'packages';
    if (limit !== null && size > limit) {
      throw new Failure(`The zip is ${humanSize(size)}, more than this store takes (${humanSize(limit)}): make the release smaller, or ask the store's admin to raise NANOS_STORE_MAX_UPLOAD_SIZE.`);
    }
    console.log(`Uploading ${name} (${files.length} files, ${humanSize(size)}) to ${storeUrl}`);
    const answer = await upload(
      `${storeUrl}/store/v1/${kind}/${encodeURIComponent(name)}/releases`,
      token,
      { changelog, channel, publish: publish ? 'true' : 'false' },
      zipPath,
      size,
    );
    if (answer.status < 200 || answer.status >= 300) {
      const [message, ...details] = storeError(answer.status, answer.body);
      for (const line of details) console.log(line);
      throw new Failure(message);
    }
    const release = JSON.parse(answer.body);
    const url = `${storeUrl}/${kind}/${name}/releases/${release.version}`;
    const waiting = release.review && release.review.state === 'pending';
    const what = release.state === 'published'
      ? `Published on ${release.channel}`
      : waiting ? "Uploaded; it waits for the store's review, and is published once a moderator approves it" : 'Uploaded as a draft';
    console.log(`${what}: ${name} ${release.version}\n${url}`);
    setOutput('in-review', waiting ? 'true' : 'false');
    setOutput('version', release.version);
    setOutput('url', url);
  } finally {
    fs.rmSync(zipPath, { force: true });
  }
}

if (require.main === module) {
  main().catch((error) => {
    // `::error::` is how a runner shows a step's failure; the message is the store's or ours.
    const message = error instanceof Failure ? error.message : `Unexpected failure: ${error && error.message}`;
    console.log(`::error::${message.replace(/\r?\n/g, ' ')}`);
    process.exitCode = 1;
  });
} else {
  // Required by the tests, which write zips with ZIP64 fields.
  module.exports = { collect, writeZip };
}

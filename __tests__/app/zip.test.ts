import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { strToU8 } from 'fflate';
import { gateReportFromZip, readCapped } from '../../src/app/artifact.js';
import {
  DEFAULT_ZIP_LIMITS,
  listZipEntries,
  readZipEntry,
  unsafeEntryName,
  ZipRejected,
} from '../../src/app/zip.js';
import { gateReport, gateZip, zipOf } from './support/gate-fixture.js';

/** Overwrites a 32-bit little-endian field of every central directory record whose name matches. */
function patchCentral(zip: Uint8Array, name: string, offset: number, value: number): Uint8Array {
  const out = zip.slice();
  const view = new DataView(out.buffer);
  for (let at = 0; at + 46 < out.length; at++) {
    if (view.getUint32(at, true) !== 0x02014b50) continue;
    const n = view.getUint16(at + 28, true);
    if (new TextDecoder().decode(out.subarray(at + 46, at + 46 + n)) === name)
      view.setUint32(at + offset, value, true);
  }
  return out;
}

describe('zip entry names', () => {
  it.each([
    ['../../etc/passwd', 'escapes'],
    ['a/../../b.json', 'escapes'],
    ['/abs/gate-report.json', 'absolute'],
    ['C:/windows/x', 'drive'],
    ['dir\\..\\x', 'backslash'],
    ['bad\u0000name', 'control'],
  ])('refuses %j', (name, why) => {
    expect(unsafeEntryName(name)).toMatch(new RegExp(why));
  });

  it('accepts ordinary relative names', () => {
    expect(unsafeEntryName('gate-report.json')).toBeNull();
    expect(unsafeEntryName('cases/resnet18/model.onnx')).toBeNull();
    expect(unsafeEntryName('a..b/c')).toBeNull();
  });

  it('refuses the whole archive when one entry escapes, even if gate-report.json is fine', () => {
    const zip = gateZip(gateReport(), { '../../outside.txt': 'pwned' });
    expect(() => gateReportFromZip(zip)).toThrow(/outside\.txt.*escapes the archive/);
  });
});

describe('zip limits', () => {
  it('reads a real artifact and validates the GateReport', () => {
    const report = gateReportFromZip(gateZip());
    expect(report.verdict).toBe('fail');
    expect(report.regressions.map((r) => r.id).sort()).toEqual(['unexportable-fft', 'wrong-symbolic']);
  });

  it('reads an artifact zipped the way @actions/artifact 6 zips it (archiver, data descriptors)', () => {
    // Made with @actions/artifact's createZipUploadStream from gate-report.json (this fixture's
    // GateReport), results.json and report.md: the layout the Action uploads.
    const zip = readFileSync(
      path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'app', 'convgate-gate.zip'),
    );
    expect(listZipEntries(zip).map((e) => e.name)).toEqual(['gate-report.json', 'results.json', 'report.md']);
    const report = gateReportFromZip(zip);
    expect(report.verdict).toBe('fail');
    expect(report.regressions.map((r) => r.id).sort()).toEqual(['unexportable-fft', 'wrong-symbolic']);
  });

  it('stops reading a download at the size cap', async () => {
    const big = new Blob([new Uint8Array(64 * 1024), new Uint8Array(64 * 1024)]);
    await expect(readCapped(big.stream(), 100 * 1024)).rejects.toThrow(/larger than 102400 bytes/);
    expect((await readCapped(big.stream(), 200 * 1024)).length).toBe(128 * 1024);
    await expect(readCapped(new ArrayBuffer(11), 10)).rejects.toThrow(/larger than 10 bytes/);
  });

  it('refuses more entries than allowed', () => {
    const files = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`f${i}.txt`, 'x']));
    expect(() => listZipEntries(zipOf(files), { ...DEFAULT_ZIP_LIMITS, maxEntries: 10 })).toThrow(
      /20 entries/,
    );
  });

  it('refuses an entry larger than the per-entry cap before inflating it', () => {
    const zip = zipOf({ 'gate-report.json': 'x'.repeat(5000) });
    const [entry] = listZipEntries(zip);
    expect(() => readZipEntry(zip, entry, { ...DEFAULT_ZIP_LIMITS, maxEntryBytes: 1000 })).toThrow(
      /over the limit/,
    );
  });

  it('refuses archives whose entries declare too much in total (bomb up front)', () => {
    const zip = patchCentral(zipOf({ 'a.bin': 'a', 'b.bin': 'b' }), 'a.bin', 24, 0x7fffffff);
    expect(() => listZipEntries(zip)).toThrow(/in total/);
  });

  it('stops inflating a bomb whose header lies about its size', () => {
    // 8 MiB of zeros deflate to ~8 KiB; the header claims 100 bytes.
    const bomb = zipOf({ 'gate-report.json': new Uint8Array(8 * 1024 * 1024) });
    const lying = patchCentral(bomb, 'gate-report.json', 24, 100);
    const [entry] = listZipEntries(lying);
    expect(() => readZipEntry(lying, entry)).toThrow(/inflates beyond its declared size/);
  });

  it('detects corrupted content by CRC', () => {
    const zip = patchCentral(zipOf({ 'gate-report.json': '{"a":1}' }), 'gate-report.json', 16, 12345);
    const [entry] = listZipEntries(zip);
    expect(() => readZipEntry(zip, entry)).toThrow(/CRC/);
  });

  it('refuses duplicate names, encrypted entries, unknown compression, and non-zips', () => {
    expect(() => listZipEntries(strToU8('{"not":"a zip"}'.padEnd(100)))).toThrow(ZipRejected);
    const dup = zipOf({ 'gate-report.json': '{}', 'gate-report.jsoX': '{}' });
    const names = new TextDecoder('latin1').decode(dup);
    for (
      let at = names.indexOf('gate-report.jsoX');
      at >= 0;
      at = names.indexOf('gate-report.jsoX', at + 1)
    ) {
      dup[at + 15] = 'n'.charCodeAt(0);
    }
    expect(() => listZipEntries(dup)).toThrow(/appears twice/);
    const enc = zipOf({ 'x.txt': 'x' });
    const view = new DataView(enc.buffer);
    for (let at = 0; at + 4 < enc.length; at++)
      if (view.getUint32(at, true) === 0x02014b50) view.setUint16(at + 8, 1, true);
    expect(() => listZipEntries(enc)).toThrow(/encrypted/);
    const odd = zipOf({ 'x.txt': 'x' });
    const v2 = new DataView(odd.buffer);
    for (let at = 0; at + 4 < odd.length; at++)
      if (v2.getUint32(at, true) === 0x02014b50) v2.setUint16(at + 10, 12, true);
    expect(() => listZipEntries(odd)).toThrow(/compression method 12/);
  });

  it('says what is wrong with the JSON inside', () => {
    expect(() => gateReportFromZip(zipOf({ 'report.md': 'hi' }))).toThrow(/no gate-report\.json/);
    expect(() => gateReportFromZip(zipOf({ 'gate-report.json': '{not json' }))).toThrow(
      /not valid UTF-8 JSON/,
    );
    expect(() =>
      gateReportFromZip(zipOf({ 'gate-report.json': JSON.stringify({ schemaVersion: 99 }) })),
    ).toThrow(/does not match the GateReport schema: schemaVersion/);
  });
});

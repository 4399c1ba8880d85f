// A defensive reader for the gate artifact zip (untrusted: a fork's run can upload anything).
// It reads the central directory itself, refuses the whole archive on any unsafe entry name,
// and inflates only the entries asked for, in small steps with a hard output cap, so a zip
// bomb or a lying size field costs at most `maxEntryBytes` of memory and a bounded amount of work.

import { clipChars } from '../util/text.js';
import { Inflate } from 'fflate';

export interface ZipLimits {
  /** Size of the archive itself (checked before and while downloading). */
  maxZipBytes: number;
  maxEntries: number;
  /** Uncompressed size of one entry that is actually extracted. */
  maxEntryBytes: number;
  /** Sum of the declared uncompressed sizes of all entries (refuses obvious bombs up front). */
  maxTotalBytes: number;
  maxNameLength: number;
}

export const DEFAULT_ZIP_LIMITS: ZipLimits = {
  maxZipBytes: 32 * 1024 * 1024,
  maxEntries: 1000,
  maxEntryBytes: 16 * 1024 * 1024,
  maxTotalBytes: 256 * 1024 * 1024,
  maxNameLength: 512,
};

/** The archive is not acceptable; the message says why (it may quote entry names: escape before rendering). */
export class ZipRejected extends Error {
  override name = 'ZipRejected';
}

export interface ZipEntry {
  name: string;
  method: number;
  flags: number;
  crc32: number;
  compressedSize: number;
  size: number;
  localHeaderOffset: number;
}

const EOCD_SIGNATURE = 0x06054b50;
const CENTRAL_SIGNATURE = 0x02014b50;
const LOCAL_SIGNATURE = 0x04034b50;
const ZIP64_MARK_32 = 0xffffffff;
const ZIP64_MARK_16 = 0xffff;
/** Compressed bytes fed to the inflater per step: bounds the output of one step to ~1032x this. */
const INFLATE_STEP = 4096;

function u16(b: Uint8Array, at: number): number {
  if (at + 2 > b.length) throw new ZipRejected('truncated archive');
  return b[at] | (b[at + 1] << 8);
}

function u32(b: Uint8Array, at: number): number {
  if (at + 4 > b.length) throw new ZipRejected('truncated archive');
  return (b[at] | (b[at + 1] << 8) | (b[at + 2] << 16) | (b[at + 3] << 24)) >>> 0;
}

function show(name: string): string {
  return JSON.stringify(name.length > 80 ? `${clipChars(name, 80)}…` : name);
}

/**
 * Why an entry name is unsafe, or null when it is fine: relative, forward slashes only, no `..`
 * segment, no drive letter, no control characters.
 */
export function unsafeEntryName(name: string, maxLength = DEFAULT_ZIP_LIMITS.maxNameLength): string | null {
  if (name.length === 0) return 'empty name';
  if (name.length > maxLength) return `name longer than ${maxLength} characters`;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(name)) return 'control character in name';
  if (name.includes('\\')) return 'backslash in name';
  if (name.startsWith('/')) return 'absolute path';
  if (/^[A-Za-z]:/.test(name)) return 'drive letter';
  if (name.split('/').some((s) => s === '..')) return 'path escapes the archive (..)';
  return null;
}

function findEndOfCentralDirectory(b: Uint8Array): number {
  const last = b.length - 22;
  const first = Math.max(0, last - 0xffff);
  for (let at = last; at >= first; at--) if (u32(b, at) === EOCD_SIGNATURE) return at;
  throw new ZipRejected('not a zip archive (no end of central directory)');
}

/** Lists and checks every entry of the archive; throws ZipRejected when anything is off. */
export function listZipEntries(bytes: Uint8Array, limits: ZipLimits = DEFAULT_ZIP_LIMITS): ZipEntry[] {
  if (bytes.length > limits.maxZipBytes) {
    throw new ZipRejected(`archive is ${bytes.length} bytes, over the limit of ${limits.maxZipBytes}`);
  }
  if (bytes.length < 22) throw new ZipRejected('not a zip archive (too short)');
  const eocd = findEndOfCentralDirectory(bytes);
  const count = u16(bytes, eocd + 10);
  const cdSize = u32(bytes, eocd + 12);
  const cdOffset = u32(bytes, eocd + 16);
  if (count === ZIP64_MARK_16 || cdOffset === ZIP64_MARK_32 || cdSize === ZIP64_MARK_32) {
    throw new ZipRejected('zip64 archives are not accepted (a gate artifact is far below 4 GiB)');
  }
  if (u16(bytes, eocd + 4) !== 0 || u16(bytes, eocd + 6) !== 0 || u16(bytes, eocd + 8) !== count) {
    throw new ZipRejected('multi-disk archives are not accepted');
  }
  if (count > limits.maxEntries)
    throw new ZipRejected(`${count} entries, over the limit of ${limits.maxEntries}`);
  if (cdOffset + cdSize > eocd) throw new ZipRejected('central directory lies outside the archive');

  const entries: ZipEntry[] = [];
  const seen = new Set<string>();
  let total = 0;
  let at = cdOffset;
  const decoder = new TextDecoder('utf-8', { fatal: true });
  for (let i = 0; i < count; i++) {
    if (u32(bytes, at) !== CENTRAL_SIGNATURE) throw new ZipRejected(`bad central directory record ${i}`);
    const flags = u16(bytes, at + 8);
    const method = u16(bytes, at + 10);
    const crc32 = u32(bytes, at + 16);
    const compressedSize = u32(bytes, at + 20);
    const size = u32(bytes, at + 24);
    const nameLength = u16(bytes, at + 28);
    const extraLength = u16(bytes, at + 30);
    const commentLength = u16(bytes, at + 32);
    const localHeaderOffset = u32(bytes, at + 42);
    if (at + 46 + nameLength > eocd) throw new ZipRejected('truncated central directory');
    let name: string;
    try {
      name = decoder.decode(bytes.subarray(at + 46, at + 46 + nameLength));
    } catch {
      throw new ZipRejected(`entry ${i}: name is not valid UTF-8`);
    }
    const unsafe = unsafeEntryName(name, limits.maxNameLength);
    if (unsafe) throw new ZipRejected(`entry ${show(name)}: ${unsafe}`);
    if (seen.has(name)) throw new ZipRejected(`entry ${show(name)} appears twice`);
    seen.add(name);
    if (flags & 0x1) throw new ZipRejected(`entry ${show(name)} is encrypted`);
    if (method !== 0 && method !== 8)
      throw new ZipRejected(`entry ${show(name)}: unsupported compression method ${method}`);
    if (compressedSize === ZIP64_MARK_32 || size === ZIP64_MARK_32 || localHeaderOffset === ZIP64_MARK_32) {
      throw new ZipRejected(`entry ${show(name)} uses zip64 sizes`);
    }
    if (localHeaderOffset + 30 + compressedSize > cdOffset) {
      throw new ZipRejected(`entry ${show(name)}: data lies outside the archive`);
    }
    total += size;
    if (total > limits.maxTotalBytes) {
      throw new ZipRejected(`entries declare more than ${limits.maxTotalBytes} bytes uncompressed in total`);
    }
    entries.push({ name, method, flags, crc32, compressedSize, size, localHeaderOffset });
    at += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

let crcTable: Uint32Array | undefined;
function crc32(data: Uint8Array): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let c = 0xffffffff;
  for (let i = 0; i < data.length; i++) c = crcTable[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** Extracts one listed entry, never producing more than `maxEntryBytes`; checks size and CRC. */
export function readZipEntry(
  bytes: Uint8Array,
  entry: ZipEntry,
  limits: ZipLimits = DEFAULT_ZIP_LIMITS,
): Uint8Array {
  const label = show(entry.name);
  if (entry.size > limits.maxEntryBytes) {
    throw new ZipRejected(`entry ${label} is ${entry.size} bytes, over the limit of ${limits.maxEntryBytes}`);
  }
  const at = entry.localHeaderOffset;
  if (u32(bytes, at) !== LOCAL_SIGNATURE) throw new ZipRejected(`entry ${label}: bad local header`);
  const nameLength = u16(bytes, at + 26);
  const extraLength = u16(bytes, at + 28);
  const localName = new TextDecoder().decode(bytes.subarray(at + 30, at + 30 + nameLength));
  if (localName !== entry.name) throw new ZipRejected(`entry ${label}: local header names a different file`);
  const start = at + 30 + nameLength + extraLength;
  const end = start + entry.compressedSize;
  if (end > bytes.length) throw new ZipRejected(`entry ${label}: data lies outside the archive`);

  let out: Uint8Array;
  if (entry.method === 0) {
    if (entry.compressedSize !== entry.size) throw new ZipRejected(`entry ${label}: stored sizes disagree`);
    out = bytes.slice(start, end);
  } else {
    const chunks: Uint8Array[] = [];
    let produced = 0;
    const inflater = new Inflate();
    inflater.ondata = (chunk: Uint8Array) => {
      produced += chunk.length;
      if (produced > entry.size || produced > limits.maxEntryBytes) {
        throw new ZipRejected(`entry ${label} inflates beyond its declared size (${entry.size} bytes)`);
      }
      chunks.push(chunk);
    };
    try {
      if (start === end) inflater.push(new Uint8Array(0), true);
      for (let p = start; p < end; p += INFLATE_STEP) {
        const stop = Math.min(p + INFLATE_STEP, end);
        inflater.push(bytes.subarray(p, stop), stop === end);
      }
    } catch (error) {
      if (error instanceof ZipRejected) throw error;
      throw new ZipRejected(`entry ${label}: corrupt deflate data (${(error as Error).message})`);
    }
    out = new Uint8Array(produced);
    let o = 0;
    for (const c of chunks) {
      out.set(c, o);
      o += c.length;
    }
  }
  if (out.length !== entry.size) {
    throw new ZipRejected(`entry ${label} has ${out.length} bytes, its header says ${entry.size}`);
  }
  if (crc32(out) !== entry.crc32) throw new ZipRejected(`entry ${label}: CRC mismatch`);
  return out;
}

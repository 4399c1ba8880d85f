import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { DType } from '../corpus/schema.js';

export type TensorArray =
  | Float32Array
  | Float64Array
  | Uint16Array // float16 bit patterns
  | Int8Array
  | Uint8Array // uint8 and bool
  | Int16Array
  | Int32Array
  | BigInt64Array;

/** A dense tensor in C order. */
export interface TensorData {
  dtype: DType;
  shape: number[];
  data: TensorArray;
}

const TensorEntry = z.object({
  name: z.string(),
  dtype: DType,
  shape: z.array(z.number().int().nonnegative()),
  file: z.string(),
});
export const TensorManifest = z.object({
  sets: z.array(z.object({ inputs: z.array(TensorEntry), outputs: z.array(TensorEntry) })).min(1),
});
export type TensorManifest = z.infer<typeof TensorManifest>;
export type TensorEntry = z.infer<typeof TensorEntry>;

const BYTES: Record<DType, number> = {
  float32: 4,
  float64: 8,
  float16: 2,
  int8: 1,
  uint8: 1,
  int16: 2,
  int32: 4,
  int64: 8,
  bool: 1,
};

export function elementCount(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Wraps raw little-endian bytes as the typed array of `dtype` (copied: alignment). */
export function fromBytes(dtype: DType, bytes: Uint8Array): TensorArray {
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  switch (dtype) {
    case 'float32':
      return new Float32Array(buffer);
    case 'float64':
      return new Float64Array(buffer);
    case 'float16':
      return new Uint16Array(buffer);
    case 'int8':
      return new Int8Array(buffer);
    case 'uint8':
    case 'bool':
      return new Uint8Array(buffer);
    case 'int16':
      return new Int16Array(buffer);
    case 'int32':
      return new Int32Array(buffer);
    case 'int64':
      return new BigInt64Array(buffer);
  }
}

/** Reads one tensor file of a manifest; the file must stay inside `baseDir` (worker output is untrusted). */
export async function readTensor(baseDir: string, entry: TensorEntry): Promise<TensorData> {
  const file = path.resolve(baseDir, entry.file);
  if (!file.startsWith(path.resolve(baseDir) + path.sep)) {
    throw new Error(`tensor file ${JSON.stringify(entry.file)} points outside ${baseDir}`);
  }
  const bytes = await readFile(file);
  const expected = elementCount(entry.shape) * BYTES[entry.dtype];
  if (bytes.byteLength !== expected) {
    throw new Error(
      `${entry.file}: ${bytes.byteLength} bytes, expected ${expected} for ${entry.dtype}[${entry.shape.join(', ')}]`,
    );
  }
  return { dtype: entry.dtype, shape: entry.shape, data: fromBytes(entry.dtype, bytes) };
}

export async function readManifest(file: string): Promise<TensorManifest> {
  const text = await readFile(file, 'utf8');
  const parsed = TensorManifest.safeParse(JSON.parse(text));
  if (!parsed.success) throw new Error(`${file}: not a tensor manifest: ${parsed.error.message}`);
  return parsed.data;
}

/** IEEE 754 half precision bits → number. */
export function halfToNumber(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 0x1f) return fraction ? NaN : sign * Infinity;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}

/** Element i of a tensor as a JS number (int64 beyond 2^53 loses precision; fine for errors). */
export function numberAt(t: TensorData, i: number): number {
  const v = t.data[i];
  if (t.dtype === 'float16') return halfToNumber(v as number);
  return typeof v === 'bigint' ? Number(v) : (v as number);
}

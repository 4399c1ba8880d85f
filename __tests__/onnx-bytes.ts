/**
 * A minimal protobuf writer for tests: enough for an ONNX model with one Identity node, without
 * Python or the onnx package.
 */
const varint = (n: number): number[] => {
  const out: number[] = [];
  do {
    out.push((n & 0x7f) | (n > 0x7f ? 0x80 : 0));
    n >>>= 7;
  } while (n);
  return out;
};
const field = (no: number, value: number | string | number[]): number[] => {
  if (typeof value === 'number') return [...varint(no << 3), ...varint(value)];
  const bytes = typeof value === 'string' ? [...Buffer.from(value)] : value;
  return [...varint((no << 3) | 2), ...varint(bytes.length), ...bytes];
};
/** ValueInfoProto of a float32 tensor of shape [3]. */
const valueInfo = (name: string) => {
  const shape = field(1, field(1, 3));
  const tensor = [...field(1, 1), ...field(2, shape)];
  return [...field(1, name), ...field(2, field(1, tensor))];
};

/** An opset-13 ONNX model `y = Identity(x)`, x and y float32 of shape [3]. */
export function identityModel(): Buffer {
  const node = [...field(1, 'x'), ...field(2, 'y'), ...field(4, 'Identity')];
  const graph = [
    ...field(1, node),
    ...field(2, 'g'),
    ...field(11, valueInfo('x')),
    ...field(12, valueInfo('y')),
  ];
  return Buffer.from([...field(1, 7), ...field(7, graph), ...field(8, field(2, 13))]);
}

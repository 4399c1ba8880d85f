/** 64 MiB: far above any real reply (a few KiB), far below V8's string limit (~512 MiB). */
export const MAX_REPLY_LINE_BYTES = 64 * 1024 * 1024;

/**
 * Splits a byte stream into newline-terminated lines without ever holding more than `maxBytes`
 * of one line: a peer that writes an endless line (by bug or on purpose) is reported once through
 * `onOverflow` and everything after it is ignored, instead of growing a string until the process
 * dies. Splits on the byte 0x0a, which never occurs inside a UTF-8 multi-byte sequence.
 */
export class BoundedLineSplitter {
  private parts: Buffer[] = [];
  private size = 0;
  private overflowed = false;

  constructor(
    private readonly maxBytes: number,
    private readonly onLine: (line: string) => void,
    private readonly onOverflow: (bytes: number) => void,
  ) {}

  push(chunk: Buffer): void {
    if (this.overflowed) return;
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(0x0a, start);
      if (nl < 0) break;
      const piece = chunk.subarray(start, nl);
      if (this.size + piece.length > this.maxBytes) return this.overflow(this.size + piece.length);
      const line = this.parts.length ? Buffer.concat([...this.parts, piece]) : piece;
      this.parts = [];
      this.size = 0;
      this.onLine(line.toString('utf8').replace(/\r$/, ''));
      if (this.overflowed) return;
      start = nl + 1;
    }
    const rest = chunk.subarray(start);
    if (!rest.length) return;
    if (this.size + rest.length > this.maxBytes) return this.overflow(this.size + rest.length);
    this.parts.push(Buffer.from(rest));
    this.size += rest.length;
  }

  /** True once a line went over the limit (the splitter then ignores all input). */
  get failed(): boolean {
    return this.overflowed;
  }

  private overflow(bytes: number): void {
    this.overflowed = true;
    this.parts = [];
    this.size = 0;
    this.onOverflow(bytes);
  }
}

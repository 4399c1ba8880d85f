import { clipTail } from './text.js';

/** Keeps the last `limit` characters written to it: enough stderr to explain a crash, bounded memory. */
export class TailBuffer {
  private text = '';
  constructor(private readonly limit = 8192) {}

  push(chunk: string | Buffer): void {
    this.text += chunk.toString();
    if (this.text.length > this.limit * 2) this.text = clipTail(this.text, this.limit);
  }

  toString(): string {
    return clipTail(this.text, this.limit);
  }
}

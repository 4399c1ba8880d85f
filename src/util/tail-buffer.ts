/** Keeps the last `limit` characters written to it: enough stderr to explain a crash, bounded memory. */
export class TailBuffer {
  private text = '';
  constructor(private readonly limit = 8192) {}

  push(chunk: string | Buffer): void {
    this.text += chunk.toString();
    if (this.text.length > this.limit * 2) this.text = this.text.slice(-this.limit);
  }

  toString(): string {
    return this.text.length > this.limit ? this.text.slice(-this.limit) : this.text;
  }
}

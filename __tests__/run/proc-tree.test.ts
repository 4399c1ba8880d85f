import { describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { descendantsOf, parseStat, treeMemory, type ProcEntry } from '../../src/util/proc-tree.js';
import { BoundedLineSplitter } from '../../src/util/bounded-lines.js';

describe('process table', () => {
  it('parses /proc/<pid>/stat even when the command name has spaces and parentheses', () => {
    const stat =
      '4242 (py (worker) x) S 4000 4001 4001 0 -1 4194560 1 0 0 0 5 1 0 0 20 0 3 0 987654 1000 250 0';
    expect(parseStat(stat)).toEqual({ pid: 4242, ppid: 4000, pgid: 4001, start: 987654 });
    expect(parseStat('garbage')).toBeNull();
  });

  it('finds every descendant by parent pid, whatever its process group', () => {
    const e = (pid: number, ppid: number, pgid = 10): ProcEntry => ({ pid, ppid, pgid, start: pid });
    const table = [e(1, 0, 1), e(10, 1), e(11, 10), e(12, 11, 12), e(13, 12, 12), e(20, 1, 20)];
    expect(
      descendantsOf(table, 10)
        .map((p) => p.pid)
        .sort((a, b) => a - b),
    ).toEqual([10, 11, 12, 13]);
    expect(descendantsOf(table, 99)).toEqual([]);
  });

  it("sums a live tree's resident memory over the root and its grandchildren", async () => {
    const sh = spawn('sh', ['-c', 'sleep 30 & sleep 30 & wait'], { stdio: 'ignore' });
    let members: ProcEntry[] = [];
    try {
      let tree = await treeMemory(sh.pid!);
      for (let i = 0; i < 50 && tree.members.length < 3; i++) {
        await new Promise((r) => setTimeout(r, 20));
        tree = await treeMemory(sh.pid!);
      }
      members = tree.members;
      expect(tree.members[0].pid).toBe(sh.pid);
      expect(tree.members).toHaveLength(3);
      expect(tree.rssMb).toBeGreaterThan(0);
      expect((await treeMemory(2 ** 22 + 1)).members).toEqual([]);
    } finally {
      for (const m of members.slice(1)) process.kill(m.pid, 'SIGKILL');
      sh.kill('SIGKILL');
    }
  });
});

describe('bounded reply lines', () => {
  const split = (max: number) => {
    const lines: string[] = [];
    const overflows: number[] = [];
    const s = new BoundedLineSplitter(
      max,
      (l) => lines.push(l),
      (n) => overflows.push(n),
    );
    return { s, lines, overflows };
  };

  it('splits lines across chunks, keeping multi-byte characters whole', () => {
    const { s, lines } = split(100);
    const bytes = Buffer.from('{"a":"é😀"}\n{"b":1}\r\n{"c"');
    for (let i = 0; i < bytes.length; i += 3) s.push(bytes.subarray(i, i + 3));
    s.push(Buffer.from(':2}\n'));
    expect(lines).toEqual(['{"a":"é😀"}', '{"b":1}', '{"c":2}']);
  });

  it('reports a line over the limit once, without buffering it, and ignores what follows', () => {
    const { s, lines, overflows } = split(10);
    s.push(Buffer.from('ok\n'));
    s.push(Buffer.from('x'.repeat(8)));
    s.push(Buffer.from('x'.repeat(8)));
    s.push(Buffer.from('yy\nlater\n'));
    expect(lines).toEqual(['ok']);
    expect(overflows).toEqual([16]);
    expect(s.failed).toBe(true);
  });

  it('counts a complete line against the limit too', () => {
    const { s, lines, overflows } = split(4);
    s.push(Buffer.from('1234\n12345\n'));
    expect(lines).toEqual(['1234']);
    expect(overflows).toEqual([5]);
  });
});

import { describe, expect, it } from '@jest/globals';
import { sanitizeError, sanitizeText } from '../../src/results/sanitize.js';

describe('error text sanitising', () => {
  const places = {
    caseDir: '/tmp/out/cases/vit',
    outDir: '/tmp/out',
    sitePackages: ['/root/repo/.venv/modern/lib/python3.11/site-packages'],
    tool: '/root/repo',
    pythonPrefix: '/root/repo/.venv/modern',
    pythonBasePrefix: '/root/.pyenv/versions/3.11.7',
    home: '/root',
  };

  it('strips ANSI codes and replaces machine paths by stable placeholders', () => {
    const text =
      '\u001b[1mFailed\u001b[0m in /root/repo/.venv/modern/lib/python3.11/site-packages/torch/onnx/_core.py ' +
      'for /tmp/out/cases/vit/model.onnx (worker /root/repo/python/worker.py, base /root/.pyenv/versions/3.11.7/lib, ' +
      'home /root/.cache, other /rootfs/x, venv /root/repo/.venv/modern/bin/python)';
    expect(sanitizeText(text, places)).toBe(
      'Failed in <site-packages>/torch/onnx/_core.py for <case>/model.onnx (worker <convgate>/python/worker.py, ' +
        'base <python>/lib, home ~/.cache, other /rootfs/x, venv <python>/bin/python)',
    );
  });

  it('sanitises message and traceback of an error record', () => {
    const e = sanitizeError(
      {
        stage: 'export',
        type: 'X',
        message: '\u001b[34mblue\u001b[0m /tmp/out/cases/vit',
        traceback: ['/root/repo/python/a.py:1 in f'],
      },
      places,
    );
    expect(e).toEqual({
      stage: 'export',
      type: 'X',
      message: 'blue <case>',
      traceback: ['<convgate>/python/a.py:1 in f'],
    });
  });
});

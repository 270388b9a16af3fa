import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ModelFileError } from '../src/errors';
import { checkGgufFile, checkLlmFlags } from '../src/llm';
import { startCli } from './cli-process';

const dir = mkdtempSync(join(tmpdir(), 'recllm-gguf-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A file holding `bytes`. */
function file(name: string, bytes: Buffer | string): string {
  const p = join(dir, name);
  writeFileSync(p, bytes);
  return p;
}

/** The GGUF header: magic, little-endian uint32 version, then (here) zeros for the counts. */
function ggufHeader(version: number): Buffer {
  const b = Buffer.alloc(24);
  b.write('GGUF', 0, 'latin1');
  b.writeUInt32LE(version, 4);
  return b;
}

function reason(fn: () => void): unknown {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ModelFileError);
    expect((e as ModelFileError).code).toBe('RECLLM_APP_MODEL_FILE');
    return (e as ModelFileError).details.reason;
  }
  return 'no error';
}

describe('checkGgufFile', () => {
  it('refuses a missing path, a folder, a non-GGUF file, a short file and an unknown version; accepts a GGUF header', () => {
    const folder = join(dir, 'model-folder.gguf');
    mkdirSync(folder);
    expect(reason(() => checkGgufFile(join(dir, 'missing.gguf')))).toBe('missing');
    expect(reason(() => checkGgufFile(folder))).toBe('not-a-file');
    expect(reason(() => checkGgufFile(file('text.gguf', 'hello, I am not a model\n')))).toBe('not-gguf');
    expect(reason(() => checkGgufFile(file('short.gguf', 'GGU')))).toBe('not-gguf');
    expect(reason(() => checkGgufFile(file('empty.gguf', '')))).toBe('not-gguf');
    expect(reason(() => checkGgufFile(file('v99.gguf', ggufHeader(99))))).toBe('unsupported-version');
    expect(reason(() => checkGgufFile(file('v3.gguf', ggufHeader(3))))).toBe('no error');
    expect(reason(() => checkGgufFile(file('v2.gguf', ggufHeader(2))))).toBe('no error');
    expect(() => checkGgufFile(join(dir, 'text.gguf'))).toThrow(/is not a GGUF model: it starts with "hell"/);
  });

  it('checkLlmFlags: not both flags, an http(s) URL for --llm', () => {
    expect(() => checkLlmFlags({ llm: 'http://127.0.0.1:9/v1', gguf: 'x.gguf' })).toThrow(/not both/);
    expect(() => checkLlmFlags({ llm: 'ftp://example.org/v1' })).toThrow(/--llm must be an http\(s\) URL/);
    expect(() => checkLlmFlags({ llm: 'localhost:11434' })).toThrow(/--llm must be an http\(s\) URL/);
    expect(() => checkLlmFlags({ llm: 'http://localhost:11434/v1' })).not.toThrow();
    expect(() => checkLlmFlags({})).not.toThrow();
  });
});

describe('vfm-recllm with a bad --gguf', () => {
  it('chat, serve and demo exit with status 2, name the problem and write nothing', async () => {
    const notGguf = file('notes.gguf', 'not a model at all');
    const runs = [
      { args: ['chat', '--gguf', join(dir, 'nope.gguf')], message: /no such model file/ },
      { args: ['serve', '--port', '0', '--gguf', notGguf], message: /is not a GGUF model/ },
      { args: ['demo', '--items', '20', '--clips', '0', '--gguf', dir], message: /is not a regular file/ },
    ].map((r, i) => {
      const data = join(dir, `data-${i}`);
      const p = startCli([...r.args, '--data', data]);
      p.child.stdin?.end();
      return { ...r, data, p };
    });
    for (const r of runs) {
      expect(await r.p.exited).toBe(2);
      expect(r.p.stderr).toMatch(r.message);
      expect(r.p.stderr).not.toMatch(/at .*\.ts:\d+/); // a message, not a stack trace
      expect(existsSync(r.data)).toBe(false);
    }
  });
});

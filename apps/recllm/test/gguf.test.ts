import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { main } from '../src/cli';
import { ModelFileError } from '../src/errors';
import { checkGgufFile, checkLlmFlags } from '../src/llm';
import { startServer } from '../src/serve';
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
    // the committed launcher, as a user runs it
    const data0 = join(dir, 'data-0');
    const p = startCli(['chat', '--data', data0, '--gguf', join(dir, 'nope.gguf')]);
    p.child.stdin?.end();
    expect(await p.exited).toBe(2);
    expect(p.stderr).toMatch(/no such model file/);
    expect(p.stderr).not.toMatch(/at .*\.ts:\d+/); // a message, not a stack trace
    expect(existsSync(data0)).toBe(false);
    // the same entry point in this process for serve and demo
    const errors: string[] = [];
    const spy = vi.spyOn(console, 'error').mockImplementation((m: string) => {
      errors.push(m);
    });
    try {
      const data1 = join(dir, 'data-1');
      expect(await main(['serve', '--data', data1, '--port', '0', '--gguf', notGguf])).toBe(2);
      expect(errors.at(-1)).toMatch(/is not a GGUF model/);
      expect(existsSync(data1)).toBe(false);
      const data2 = join(dir, 'data-2');
      expect(await main(['demo', '--data', data2, '--items', '20', '--clips', '0', '--gguf', dir])).toBe(2);
      expect(errors.at(-1)).toMatch(/is not a regular file/);
      expect(existsSync(data2)).toBe(false);
    } finally {
      spy.mockRestore();
    }
    // and the library entry points refuse before opening the folder
    const data3 = join(dir, 'data-3');
    await expect(startServer({ dataDir: data3, port: 0, gguf: notGguf })).rejects.toBeInstanceOf(
      ModelFileError,
    );
    expect(existsSync(data3)).toBe(false);
  });
});

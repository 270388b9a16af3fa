import { writeFileSync } from 'node:fs';
import { Rng } from '@vfmkit/core';

/**
 * Writes a tiny llama-architecture GGUF (v3) file with random F32 weights and a byte-level
 * SentencePiece vocabulary (`<unk>`, `<s>`, `</s>` and the 256 byte tokens `<0x00>`..`<0xFF>`), so any
 * text tokenizes and any JSON can be produced. For tests of grammar-constrained decoding: the model
 * is random, the grammar is what makes its output valid.
 */
export function writeTinyGguf(
  path: string,
  options: { seed?: number; embd?: number; ff?: number; ctx?: number } = {},
): void {
  const embd = options.embd ?? 32;
  const ff = options.ff ?? 64;
  const ctx = options.ctx ?? 512;
  const heads = 2;
  const rng = new Rng(options.seed ?? 0);
  const tokens = [
    '<unk>',
    '<s>',
    '</s>',
    ...Array.from({ length: 256 }, (_, i) => `<0x${i.toString(16).toUpperCase().padStart(2, '0')}>`),
  ];
  const vocab = tokens.length;
  const kv: [string, number, unknown][] = [];
  const U32 = 4;
  const F32 = 6;
  const STR = 8;
  const ARR = 9;
  const I32 = 5;
  kv.push(['general.architecture', STR, 'llama']);
  kv.push(['general.name', STR, 'recllm-tiny-random']);
  kv.push(['general.alignment', U32, 32]);
  kv.push(['llama.context_length', U32, ctx]);
  kv.push(['llama.embedding_length', U32, embd]);
  kv.push(['llama.block_count', U32, 1]);
  kv.push(['llama.feed_forward_length', U32, ff]);
  kv.push(['llama.attention.head_count', U32, heads]);
  kv.push(['llama.attention.head_count_kv', U32, heads]);
  kv.push(['llama.rope.dimension_count', U32, embd / heads]);
  kv.push(['llama.attention.layer_norm_rms_epsilon', F32, 1e-5]);
  kv.push(['tokenizer.ggml.model', STR, 'llama']);
  kv.push(['tokenizer.ggml.tokens', ARR, { type: STR, values: tokens }]);
  kv.push(['tokenizer.ggml.scores', ARR, { type: F32, values: tokens.map(() => 0) }]);
  kv.push([
    'tokenizer.ggml.token_type',
    ARR,
    { type: I32, values: tokens.map((_, i) => (i === 0 ? 2 : i < 3 ? 3 : 6)) },
  ]);
  kv.push(['tokenizer.ggml.unknown_token_id', U32, 0]);
  kv.push(['tokenizer.ggml.bos_token_id', U32, 1]);
  kv.push(['tokenizer.ggml.eos_token_id', U32, 2]);
  const tensors: [string, number[]][] = [
    ['token_embd.weight', [embd, vocab]],
    ['output_norm.weight', [embd]],
    ['output.weight', [embd, vocab]],
    ['blk.0.attn_norm.weight', [embd]],
    ['blk.0.attn_q.weight', [embd, embd]],
    ['blk.0.attn_k.weight', [embd, embd]],
    ['blk.0.attn_v.weight', [embd, embd]],
    ['blk.0.attn_output.weight', [embd, embd]],
    ['blk.0.ffn_norm.weight', [embd]],
    ['blk.0.ffn_gate.weight', [embd, ff]],
    ['blk.0.ffn_up.weight', [embd, ff]],
    ['blk.0.ffn_down.weight', [ff, embd]],
  ];
  const parts: Buffer[] = [];
  const u32 = (v: number) => {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(v);
    parts.push(b);
  };
  const u64 = (v: number) => {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt(v));
    parts.push(b);
  };
  const str = (s: string) => {
    const b = Buffer.from(s, 'utf8');
    u64(b.length);
    parts.push(b);
  };
  const value = (type: number, v: unknown) => {
    if (type === U32) u32(v as number);
    else if (type === I32) {
      const b = Buffer.alloc(4);
      b.writeInt32LE(v as number);
      parts.push(b);
    } else if (type === F32) {
      const b = Buffer.alloc(4);
      b.writeFloatLE(v as number);
      parts.push(b);
    } else if (type === STR) str(v as string);
    else if (type === ARR) {
      const a = v as { type: number; values: unknown[] };
      u32(a.type);
      u64(a.values.length);
      for (const x of a.values) value(a.type, x);
    }
  };
  u32(0x46554747); // "GGUF"
  u32(3);
  u64(tensors.length);
  u64(kv.length);
  for (const [key, type, v] of kv) {
    str(key);
    u32(type);
    value(type, v);
  }
  let offset = 0;
  const datas: Buffer[] = [];
  for (const [name, dims] of tensors) {
    str(name);
    u32(dims.length);
    for (const d of dims) u64(d);
    u32(0); // GGML_TYPE_F32
    u64(offset);
    const n = dims.reduce((a, b) => a * b, 1);
    const data = Buffer.alloc(n * 4);
    const norm = name.includes('norm');
    for (let i = 0; i < n; i++) data.writeFloatLE(norm ? 1 : rng.normal(0, 0.3), i * 4);
    const padded = Buffer.alloc(Math.ceil(data.length / 32) * 32);
    data.copy(padded);
    datas.push(padded);
    offset += padded.length;
  }
  let header = Buffer.concat(parts);
  header = Buffer.concat([header, Buffer.alloc((32 - (header.length % 32)) % 32)]);
  writeFileSync(path, Buffer.concat([header, ...datas]));
}

import type { ElemArray, ElemType } from './dtype';

/** A constant tensor given as a node attribute or initializer: a flat array and its shape. */
export interface ConstTensor {
  readonly data: ElemArray;
  readonly dims: readonly number[];
  /** Needed only for `bool` (stored as `Uint8Array`); otherwise taken from the array type. */
  readonly dtype?: ElemType;
}

/** A typed node attribute. Build one with {@link attr}; ONNX needs to know ints from floats. */
export type AttrValue =
  | { readonly type: 'float'; readonly value: number }
  | { readonly type: 'int'; readonly value: number }
  | { readonly type: 'string'; readonly value: string }
  | { readonly type: 'floats'; readonly value: readonly number[] }
  | { readonly type: 'ints'; readonly value: readonly number[] }
  | { readonly type: 'strings'; readonly value: readonly string[] }
  | { readonly type: 'tensor'; readonly value: ConstTensor };

/** Constructors for typed node attributes, e.g. `{ axis: attr.int(-1), epsilon: attr.float(1e-5) }`. */
export const attr = {
  float: (value: number): AttrValue => ({ type: 'float', value }),
  int: (value: number): AttrValue => ({ type: 'int', value }),
  string: (value: string): AttrValue => ({ type: 'string', value }),
  floats: (value: readonly number[]): AttrValue => ({ type: 'floats', value: [...value] }),
  ints: (value: readonly number[]): AttrValue => ({ type: 'ints', value: [...value] }),
  strings: (value: readonly string[]): AttrValue => ({ type: 'strings', value: [...value] }),
  tensor: (value: ConstTensor): AttrValue => ({ type: 'tensor', value }),
} as const;

/** Node attributes by name; `undefined` entries are left out. */
export type Attrs = Readonly<Record<string, AttrValue | undefined>>;

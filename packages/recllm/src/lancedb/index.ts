/**
 * `@vfmkit/recllm/lancedb`: the corpus store on LanceDB (dense search) with BM25 (its own index) and
 * reciprocal rank fusion. Needs the optional peers `@lancedb/lancedb` and `apache-arrow`:
 * `npm i @vfmkit/recllm @lancedb/lancedb apache-arrow`.
 */
export { CorpusStore, type CorpusStoreOptions } from '../corpus-store';

#!/usr/bin/env node
// vfm-recllm: runs src/cli.ts from source (see scripts/run-source.mjs).
import { runSource } from '../../../scripts/run-source.mjs';

await runSource(new URL('../src/cli.ts', import.meta.url));

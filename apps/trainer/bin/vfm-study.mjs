#!/usr/bin/env node
// vfm-study: runs src/study/cli.ts from source (see scripts/run-source.mjs).
import { runSource } from '../../../scripts/run-source.mjs';

await runSource(new URL('../src/study/cli.ts', import.meta.url));

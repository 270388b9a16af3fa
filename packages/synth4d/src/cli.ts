#!/usr/bin/env node
/** The `vfm-synth4d` executable; see `cli-main.ts`. */
import { main } from './cli-main';

process.exitCode = await main(process.argv.slice(2));

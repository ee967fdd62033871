#!/usr/bin/env node
// Runs the compiled CLI (npm run build); see libs/smb/src/cli.ts.
import { main } from '../dist/cli.js';

process.exitCode = await main(process.argv.slice(2));

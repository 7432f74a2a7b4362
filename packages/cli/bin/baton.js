#!/usr/bin/env node
// The built CLI; from the repository, `pnpm baton` runs the TypeScript sources instead.
import "../dist/bin.js"

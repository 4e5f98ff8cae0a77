#!/usr/bin/env node
// The `chevet` command: runs the TypeScript CLI through tsx, from any working directory.
import { fileURLToPath } from 'node:url'
import { register } from 'tsx/esm/api'

register({ tsconfig: fileURLToPath(new URL('../tsconfig.node.json', import.meta.url)) })

const { main } = await import(new URL('../src-main/cli/index.ts', import.meta.url).href)
process.exitCode = await main(process.argv.slice(2))

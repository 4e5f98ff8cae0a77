import { z } from 'zod'

// Zod compiles object parsers with `new Function`, and merely probing for it raises a CSP violation
// (`script-src 'self'`, no 'unsafe-eval'). Zod decides when a schema is built, so this module must be
// evaluated before anything imports the contract: main.ts imports it first.
z.config({ jitless: true })

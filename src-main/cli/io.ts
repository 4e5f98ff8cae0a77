/** Where a command writes and what environment it reads: the process's, or a test's. */
export interface CliIo {
  out(text: string): void
  err(text: string): void
  env: NodeJS.ProcessEnv
}

export function processIo(): CliIo {
  return {
    out: (text) => process.stdout.write(text.endsWith('\n') ? text : text + '\n'),
    err: (text) => process.stderr.write(text.endsWith('\n') ? text : text + '\n'),
    env: process.env,
  }
}

export interface CliCommand {
  /** Shown after the command's name in `chevet help`. */
  synopsis: string
  /** One line, French, in `chevet help`. */
  summary: string
  /** Full French help of the command, for `chevet help <command>` and `<command> --help`. */
  help: string
  run(args: string[], io: CliIo): Promise<number>
}

/**
 * Exit codes: 0 fine, 1 the command ran and found a failure, 2 the command line itself is wrong,
 * 70 a bug in the command (EX_SOFTWARE).
 */
export const EXIT_OK = 0
export const EXIT_FAILURE = 1
export const EXIT_USAGE = 2
export const EXIT_CRASH = 70

/**
 * How the command ends, for scripts: 0 done (or every job succeeded), 1 a job
 * failed or was cancelled, 2 the request was wrong or refused (usage, bad
 * params, unknown id, wrong token), 3 Offload isn't running or not answering.
 */
export const EXIT = { ok: 0, jobFailed: 1, refused: 2, unreachable: 3 } as const
export type ExitCode = (typeof EXIT)[keyof typeof EXIT]

/** A one-line message for stderr and the code to exit with: never a stack trace. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode = EXIT.refused,
  ) {
    super(message)
    this.name = 'CliError'
  }
}

import { z } from 'zod'

export const API_ERROR_CODES = [
  'invalid_input',
  'invalid_json',
  'unknown_kind',
  'invalid_params',
  'unauthorized',
  'not_found',
  'wrong_state',
  'payload_too_large',
  'method_not_allowed',
  'forbidden',
  'headers_too_large',
  'storage_full',
  'storage_readonly',
  'storage_corrupt',
  'storage_unavailable',
  'internal',
] as const
export const ApiErrorCodeSchema = z.enum(API_ERROR_CODES)
export type ApiErrorCode = z.infer<typeof ApiErrorCodeSchema>

export const ApiErrorBodySchema = z.object({
  error: z.object({ code: ApiErrorCodeSchema, message: z.string(), detail: z.unknown().optional() }),
})
export type ApiErrorBody = z.infer<typeof ApiErrorBodySchema>

/** The HTTP status each error maps to; the IPC bridge carries the code alone. */
export const HTTP_STATUS: Record<ApiErrorCode, number> = {
  invalid_input: 400,
  invalid_json: 400,
  unknown_kind: 400,
  invalid_params: 400,
  unauthorized: 401,
  not_found: 404,
  forbidden: 403,
  method_not_allowed: 405,
  wrong_state: 409,
  payload_too_large: 413,
  headers_too_large: 431,
  internal: 500,
  storage_readonly: 503,
  storage_corrupt: 503,
  storage_unavailable: 503,
  storage_full: 507,
}

export class ApiError extends Error {
  constructor(
    readonly code: ApiErrorCode,
    message: string,
    readonly detail?: unknown,
  ) {
    super(message)
    this.name = 'ApiError'
  }

  toBody(): ApiErrorBody {
    return { error: { code: this.code, message: this.message, ...(this.detail === undefined ? {} : { detail: this.detail }) } }
  }
}

/** Turns zod issues into one readable sentence plus a machine-readable list. */
export function describeIssues(issues: readonly z.core.$ZodIssue[]): { message: string; detail: { path: string; message: string }[] } {
  const detail = issues.map((issue) => ({ path: issue.path.map(String).join('.'), message: issue.message }))
  const message = detail.map((d) => (d.path ? `${d.path}: ${d.message}` : d.message)).join('; ')
  return { message, detail }
}

export function parseOrThrow<T extends z.ZodType>(schema: T, input: unknown, code: ApiErrorCode = 'invalid_input'): z.output<T> {
  const parsed = schema.safeParse(input)
  if (!parsed.success) {
    const { message, detail } = describeIssues(parsed.error.issues)
    throw new ApiError(code, message, detail)
  }
  return parsed.data
}

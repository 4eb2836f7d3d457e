import { z } from 'zod'
import { API_ERROR_CODES, ApiError, type ApiErrorCode } from './wire-error'

export { API_ERROR_CODES, ApiError, HTTP_STATUS, asApiError, type ApiErrorBody, type ApiErrorCode, type ApiReply } from './wire-error'

export const ApiErrorCodeSchema = z.enum(API_ERROR_CODES)

export const ApiErrorBodySchema = z.object({
  error: z.object({ code: ApiErrorCodeSchema, message: z.string(), detail: z.unknown().optional() }),
})

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

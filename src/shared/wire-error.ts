/**
 * The API's errors as they cross every wire (HTTP, the Electron bridge, the
 * in-process client): one class, one reply shape. Free of zod, so the
 * sandboxed preload can use it without bundling the schemas.
 */
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
  /** The queue's backend (BullMQ on Redis, say) lacks the feature asked for; the message names it. */
  'unsupported',
  /** The client could not reach Offload at all (said by the client, never by the server). */
  'unreachable',
  'internal',
] as const
export type ApiErrorCode = (typeof API_ERROR_CODES)[number]

export interface ApiErrorBody {
  error: { code: ApiErrorCode; message: string; detail?: unknown }
}

/** A call's answer where it must travel as data (structured cloning keeps no error class): the value, or the error. */
export type ApiReply<T = unknown> = { ok: true; value: T } | ({ ok: false } & ApiErrorBody)

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
  unsupported: 501,
  storage_readonly: 503,
  storage_corrupt: 503,
  storage_unavailable: 503,
  unreachable: 503,
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

  /** Rebuilt from what came over a wire; a code this side does not know reads as internal. */
  static fromBody(body: { code?: unknown; message?: unknown; detail?: unknown } | undefined, fallback = 'The call failed'): ApiError {
    const code = API_ERROR_CODES.find((c) => c === body?.code) ?? 'internal'
    return new ApiError(code, typeof body?.message === 'string' ? body.message : fallback, body?.detail)
  }
}

/** Anything thrown, as an ApiError a wire can carry (a bug becomes internal, with its message). */
export function asApiError(error: unknown): ApiError {
  return error instanceof ApiError ? error : new ApiError('internal', (error as Error)?.message ?? String(error))
}

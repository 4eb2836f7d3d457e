import { METHOD_NAMES, parseRequest, type MethodInput, type MethodName, type MethodOutput } from '../../shared/api'
import type { SyncHandlers } from './commands'

/** The contract for callers in this process (the desktop shell, tests, the benchmark), synchronous like the engine. */
export type LocalApi = { [M in MethodName]: (input: MethodInput<M>) => MethodOutput<M> }

/** The same boundary as HTTP and IPC: each call's input is parsed by the contract before a handler sees it. */
export function createLocalApi(handlers: SyncHandlers): LocalApi {
  const calls = METHOD_NAMES.map((method) => {
    const handler = handlers[method] as (input: unknown) => unknown
    return [method, (input: unknown) => handler(parseRequest(method, input ?? {}))] as const
  })
  return Object.fromEntries(calls) as unknown as LocalApi
}

import { METHOD_NAMES, parseRequest, type MethodInput, type MethodName } from '../../shared/api'
import { CHUNKED_METHODS, type EngineHandlers } from './commands'

/** The contract for callers in this process (the desktop shell, tests, the benchmark), answering like the engine: at once, or with a promise for the chunked methods. */
export type LocalApi = { [M in MethodName]: (input: MethodInput<M>) => ReturnType<EngineHandlers[M]> }

const chunked: ReadonlySet<MethodName> = new Set(CHUNKED_METHODS)

/** The same boundary as HTTP and IPC: each call's input is parsed by the contract before a handler sees it. */
export function createLocalApi(handlers: EngineHandlers): LocalApi {
  const calls = METHOD_NAMES.map((method) => {
    const handler = handlers[method] as (input: unknown) => unknown
    const call = (input: unknown): unknown => handler(parseRequest(method, input ?? {}))
    // A method that answers with a promise refuses bad input with a rejected one, not a throw.
    return [method, chunked.has(method) ? (input: unknown) => new Promise((resolve) => resolve(call(input))) : call] as const
  })
  return Object.fromEntries(calls) as unknown as LocalApi
}

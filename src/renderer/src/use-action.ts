import { useCallback } from 'react'
import type { BulkResult } from '../../shared/job'
import { ApiError } from '../../shared/wire-error'
import { useTransport } from './context'
import { describeBulk } from './bulk-text'
import { useApp } from './state/app-store'

const isBulkResult = (value: unknown): value is BulkResult => typeof value === 'object' && value !== null && 'changedCount' in value && 'failedCount' in value

/**
 * Runs an API call and tells the user if it failed; the panel never throws at
 * them. `done` is the message on success; for a bulk action, its verb
 * ("Retried"), which the counts follow.
 */
export function useAction() {
  const { transport, loader } = useTransport()
  return useCallback(
    async <T>(run: (api: typeof transport.api) => Promise<T>, done?: string): Promise<T | undefined> => {
      try {
        const result = await run(transport.api)
        if (isBulkResult(result)) useApp.getState().notify(describeBulk(done ?? 'Done:', result), result.failedCount > 0 ? 'error' : 'info')
        else if (done) useApp.getState().notify(done)
        loader.refreshSoon()
        return result
      } catch (error) {
        useApp.getState().notify(error instanceof ApiError ? error.message : String(error), 'error')
        return undefined
      }
    },
    [transport, loader],
  )
}

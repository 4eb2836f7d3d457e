import { useCallback } from 'react'
import type { BulkResult } from '../../shared/job'
import { ApiError } from '../../shared/wire-error'
import { useTransport } from './context'
import { useApp } from './state/app-store'

/** Runs an API call and tells the user if it failed; the panel never throws at them. */
export function useAction() {
  const { transport, loader } = useTransport()
  return useCallback(
    async <T>(run: (api: typeof transport.api) => Promise<T>, done?: string): Promise<T | undefined> => {
      try {
        const result = await run(transport.api)
        const bulk = result as Partial<BulkResult> | undefined
        if (bulk && Array.isArray(bulk.failed) && bulk.failed.length > 0) {
          useApp.getState().notify(`${bulk.changed?.length ?? 0} done; ${bulk.failed.length} skipped: ${bulk.failed[0]!.message}`, 'error')
        } else if (done) useApp.getState().notify(done)
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

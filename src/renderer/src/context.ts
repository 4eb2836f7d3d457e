import { createContext, useContext } from 'react'
import type { Transport } from './api/transport'
import type { PageLoader } from './state/jobs-store'

export const TransportContext = createContext<{ transport: Transport; loader: PageLoader } | null>(null)

export function useTransport(): { transport: Transport; loader: PageLoader } {
  const value = useContext(TransportContext)
  if (!value) throw new Error('useTransport outside TransportContext')
  return value
}

import { z } from 'zod'

/**
 * What a running server writes to its data folder's server.json (mode 0600)
 * for clients to find it: the headless server and the desktop app alike. A
 * client checks `pid` is alive before trusting the rest: a crash leaves the
 * file behind.
 */
export const ServerInfoSchema = z.object({
  url: z.string(),
  port: z.number().int().min(1).max(65535),
  token: z.string().min(1),
  pid: z.number().int().positive(),
})
export type ServerInfo = z.infer<typeof ServerInfoSchema>

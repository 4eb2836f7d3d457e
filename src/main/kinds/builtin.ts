import { downloadKind } from './download'
import { hashFilesKind } from './hash-files'
import type { JobKind } from './kind'
import { shellKind } from './shell'

export const BUILTIN_KINDS: readonly JobKind[] = [shellKind, hashFilesKind, downloadKind]

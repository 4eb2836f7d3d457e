import { archiveKind } from './archive'
import { extractKind } from './extract'
import { hashFilesKind } from './hash-files'
import type { JobKind } from './kind'
import { shellKind } from './shell'

export const BUILTIN_KINDS: readonly JobKind[] = [shellKind, hashFilesKind, archiveKind, extractKind]

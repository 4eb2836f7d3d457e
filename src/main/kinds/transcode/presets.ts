/**
 * The transcode kind's presets: each a fixed list of ffmpeg output options,
 * so a job names a result, not a command line. Video is never scaled up:
 * "1080p" means at most 1080 lines, the width following the aspect ratio.
 */
export interface Preset {
  /** What it makes, for the params' description. */
  says: string
  /** Output names it suits; ffmpeg picks the container from the extension. */
  extensions: readonly string[]
  args: readonly string[]
}

const video = (lines: number): string[] => ['-map', '0:v:0', '-map', '0:a:0?', '-vf', `scale=-2:'min(${lines},ih)'`, '-pix_fmt', 'yuv420p']

export const PRESETS = {
  'h264-1080p': {
    says: 'H.264 (x264, CRF 23) at most 1080 lines, AAC 160 kb/s',
    extensions: ['.mp4', '.mkv', '.mov'],
    args: [...video(1080), '-c:v', 'libx264', '-preset', 'medium', '-crf', '23', '-c:a', 'aac', '-b:a', '160k', '-movflags', '+faststart'],
  },
  'h264-720p': {
    says: 'H.264 (x264, CRF 23) at most 720 lines, AAC 128 kb/s',
    extensions: ['.mp4', '.mkv', '.mov'],
    args: [...video(720), '-c:v', 'libx264', '-preset', 'medium', '-crf', '23', '-c:a', 'aac', '-b:a', '128k', '-movflags', '+faststart'],
  },
  'hevc-1080p': {
    says: 'HEVC (x265, CRF 28) at most 1080 lines, AAC 160 kb/s',
    extensions: ['.mp4', '.mkv', '.mov'],
    args: [
      ...video(1080),
      ...['-c:v', 'libx265', '-preset', 'medium', '-crf', '28', '-x265-params', 'log-level=error', '-tag:v', 'hvc1'],
      ...['-c:a', 'aac', '-b:a', '160k', '-movflags', '+faststart'],
    ],
  },
  'webm-720p': {
    says: 'VP9 (constant quality 32) at most 720 lines, Opus 128 kb/s',
    extensions: ['.webm', '.mkv'],
    args: [
      ...video(720),
      ...['-c:v', 'libvpx-vp9', '-crf', '32', '-b:v', '0', '-deadline', 'good', '-cpu-used', '4', '-row-mt', '1'],
      ...['-c:a', 'libopus', '-b:a', '128k'],
    ],
  },
  'audio-aac': {
    says: 'the first audio track as AAC 192 kb/s, no video',
    extensions: ['.m4a', '.aac', '.mp4'],
    args: ['-map', '0:a:0', '-vn', '-c:a', 'aac', '-b:a', '192k'],
  },
  'audio-mp3': {
    says: 'the first audio track as MP3 (LAME VBR quality 2, about 190 kb/s), no video',
    extensions: ['.mp3'],
    args: ['-map', '0:a:0', '-vn', '-c:a', 'libmp3lame', '-q:a', '2'],
  },
} as const satisfies Record<string, Preset>

export type PresetName = keyof typeof PRESETS

export const PRESET_NAMES = Object.keys(PRESETS) as [PresetName, ...PresetName[]]

export const describePresets = (): string => PRESET_NAMES.map((name) => `${name}: ${PRESETS[name].says} (${PRESETS[name].extensions.join(', ')})`).join('; ')

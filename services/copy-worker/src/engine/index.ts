export {
  BackupEngine,
  BackupFailedError,
  type BackupOptions,
  type BackupProgress,
  type BackupLogEvent,
  type FileChange,
  type BackupCounters,
  type BackupResult,
  type BackupFailureCode,
} from './backup-engine.js';
export { SourceError, toSourceError, type BackupSource, type SourceEntry, type SourceEntryType, type SourceErrorKind } from './backup-source.js';
export { LocalDirectorySource, type LocalDirectorySourceOptions } from './local-directory.source.js';
export { ExcludeMatcher, type ExcludeOptions } from './excludes.js';
export { ManifestCursor } from './manifest-cursor.js';
export { SmbShareSource } from './smb-share.source.js';
export { openBackupSource, type SourceCredentials } from './source-factory.js';

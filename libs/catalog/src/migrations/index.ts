import { InitialCatalog1764130000000 } from './1764130000000-initial-catalog.js';
import { AlertSettings1764150000000 } from './1764150000000-alert-settings.js';
import { FileVersionNameSearch1764230000000 } from './1764230000000-file-version-name-search.js';

/** Every migration, oldest first. New ones are appended; existing ones are never edited. */
export const catalogMigrations = [InitialCatalog1764130000000, AlertSettings1764150000000, FileVersionNameSearch1764230000000];

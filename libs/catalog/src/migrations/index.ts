import { InitialCatalog1764130000000 } from './1764130000000-initial-catalog.js';
import { AlertSettings1764150000000 } from './1764150000000-alert-settings.js';
import { ClientNotBackedUpDays1764210000000 } from './1764210000000-client-not-backed-up-days.js';

/** Every migration, oldest first. New ones are appended; existing ones are never edited. */
export const catalogMigrations = [InitialCatalog1764130000000, AlertSettings1764150000000, ClientNotBackedUpDays1764210000000];

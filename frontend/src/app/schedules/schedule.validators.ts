import { AbstractControl, ValidationErrors, ValidatorFn } from '@angular/forms';

// One cron field: numbers, names (JAN, MON), ranges, steps, lists, and the Quartz-style ? L W #.
const CRON_FIELD = /^(?:\*|\?|[0-9A-Za-z]+(?:-[0-9A-Za-z]+)?|L|[0-9]+[LW#][0-9]*)(?:\/[0-9]+)?(?:,(?:\*|[0-9A-Za-z]+(?:-[0-9A-Za-z]+)?)(?:\/[0-9]+)?)*$/;

/** A 5-field (minute hour day month weekday) or 6-field (with seconds first) cron expression. */
export const cronValidator: ValidatorFn = (control: AbstractControl<string>): ValidationErrors | null => {
  const value = (control.value ?? '').trim();
  if (!value) return null;
  const fields = value.split(/\s+/);
  if (fields.length !== 5 && fields.length !== 6) return { cron: 'Needs 5 space-separated fields' };
  const bad = fields.find((field) => !CRON_FIELD.test(field));
  return bad === undefined ? null : { cron: `“${bad}” is not a valid cron field` };
};

/** An IANA time zone the browser knows, e.g. Europe/Paris. */
export const timeZoneValidator: ValidatorFn = (control: AbstractControl<string>): ValidationErrors | null => {
  const value = (control.value ?? '').trim();
  if (!value) return null;
  try {
    new Intl.DateTimeFormat('en', { timeZone: value });
    return null;
  } catch {
    return { timeZone: true };
  }
};

export const TIME_OF_DAY = /^(?:[01]\d|2[0-3]):[0-5]\d$/;

/** A backup window needs both ends or neither. */
export const windowPairValidator: ValidatorFn = (group: AbstractControl): ValidationErrors | null => {
  const start = (group.get('windowStart')?.value as string | undefined) ?? '';
  const end = (group.get('windowEnd')?.value as string | undefined) ?? '';
  return Boolean(start) === Boolean(end) ? null : { windowPair: true };
};
